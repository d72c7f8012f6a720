//! The syscall ABI of fvm_sdk 2.12 (network versions 16–17): the imports only this
//! generation has; the rest are [shared](super::linker).
use anyhow::Result as AnyResult;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::sector::SealVerifyInfo;
use wasmtime::Linker;

use super::abi::*;
use super::linker::{bind_common, bind_v2_v3_forms, enter, split, sys0, sysv, C};
use super::{Abort, InvocationData};
use crate::call_manager::SendOptions;
use crate::error::{fatal, syscall_err};
use crate::gas::Gas;
use crate::kernel::NO_DATA_BLOCK_ID;

/// Binds every import of fvm_sdk 2.
pub fn bind_syscalls(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    bind_common(l)?;
    bind_v2_v3_forms(l)?;
    // Gas an actor asks to pay: a signed amount (a negative one is a refund).
    l.func_wrap(
        "gas",
        "charge",
        |mut c: C, off: u32, len: u32, compute: i64| {
            sys0(&mut c, |m, k| {
                let name = utf8(slice(m, off, len)?)?;
                k.charge_named(name, Gas::new(compute))
            })
        },
    )?;
    l.func_wrap(
        "vm",
        "abort",
        |mut c: C, code: u32, off: u32, len: u32| -> AnyResult<u32> {
            enter(&mut c)?;
            let (m, _) = split(&mut c)?;
            let code = ExitCode::new(code);
            if code.is_system_error() {
                return Err(Abort::Exit(
                    ExitCode::SYS_ILLEGAL_EXIT_CODE,
                    format!("actor aborted with code {code}"),
                    NO_DATA_BLOCK_ID,
                )
                .into());
            }
            let msg = if len == 0 {
                "actor aborted".to_string()
            } else {
                match slice(m, off, len).map(|b| std::str::from_utf8(b).map(str::to_owned)) {
                    Ok(Ok(s)) => s,
                    _ => "actor aborted with an invalid message".to_string(),
                }
            };
            Err(Abort::Exit(code, msg, NO_DATA_BLOCK_ID).into())
        },
    )?;
    l.func_wrap("vm", "context", |mut c: C, ret: u32| {
        sysv::<52>(&mut c, ret, |_, k| {
            Ok(Packed::new()
                .put(&token_bytes(&k.value_received)?)
                .put(&k.caller.to_le_bytes())
                .put(&k.receiver.to_le_bytes())
                .put(&k.method.to_le_bytes())
                .put(&k.cm.machine.config.epoch.to_le_bytes())
                .put(&u32::from(k.cm.machine.config.network_version).to_le_bytes())
                .0)
        })
    })?;
    l.func_wrap("network", "base_fee", |mut c: C, ret: u32| {
        sysv::<16>(&mut c, ret, |_, k| {
            token_bytes(&k.cm.machine.config.base_fee)
        })
    })?;
    l.func_wrap(
        "send",
        "send",
        |mut c: C, ret: u32, off: u32, len: u32, method: u64, params: u32, hi: u64, lo: u64| {
            sysv::<20>(&mut c, ret, |m, k| {
                let to = read_address(m, off, len, k.cm.machine.rules)?;
                let value = TokenAmount::from_atto(((hi as u128) << 64) | lo as u128);
                let out = k.send(&to, method, params, &value, SendOptions::default())?;
                Ok(send_bytes(&out))
            })
        },
    )?;
    l.func_wrap(
        "actor",
        "new_actor_address",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let out = slice_mut(m, off, len)?;
                if len < 21 {
                    return Err(syscall_err(
                        ErrorNumber::BufferTooSmall,
                        "output buffer must have a minimum capacity of 21 bytes",
                    ));
                }
                let bytes = k.new_actor_address()?.to_bytes();
                if bytes.len() > out.len() {
                    return Err(fatal(format!("created {} byte actor address", bytes.len())));
                }
                out[..bytes.len()].copy_from_slice(&bytes);
                Ok((bytes.len() as u32).to_le_bytes())
            })
        },
    )?;
    l.func_wrap("actor", "create_actor", |mut c: C, id: u64, off: u32| {
        sys0(&mut c, |m, k| k.create_actor(read_cid(m, off)?, id))
    })?;
    l.func_wrap(
        "crypto",
        "verify_seal",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                Ok(bool_code(
                    k.verify_seal(&read_cbor::<SealVerifyInfo>(m, off, len)?)?,
                ))
            })
        },
    )?;
    Ok(())
}
