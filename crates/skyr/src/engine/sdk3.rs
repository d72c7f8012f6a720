//! The syscall ABI of fvm_sdk 3 (network versions 18–20): the imports only this generation
//! has; the rest are [shared](super::linker). It exits with a block, reports message and
//! network contexts as packed structs, knows tipset CIDs, f4 addresses and balances of
//! other actors, sends with a gas limit and flags, and emits events.
use anyhow::Result as AnyResult;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::sys::SendFlags;
use wasmtime::Linker;

use super::abi::*;
use super::linker::{bind_common, bind_v2_v3_forms, enter, split, sys0, sysv, C};
use super::{sync_gas, Abort, InvocationData};
use crate::call_manager::SendOptions;
use crate::error::{fatal, syscall_err};
use crate::gas::Gas;

/// Exit messages longer than this keep their first and last halves.
const MAX_MESSAGE_LEN: usize = 1024;

/// Addresses are at most this long in bytes when `next_actor_address` writes one.
const ROBUST_ADDRESS_LEN: u32 = 21;

/// The message an actor exits with, as the reference renders it.
fn exit_message(m: &[u8], off: u32, len: u32) -> String {
    if len == 0 {
        return "actor aborted".to_string();
    }
    match slice(m, off, len) {
        Ok(bytes) if bytes.len() > MAX_MESSAGE_LEN => {
            let half = MAX_MESSAGE_LEN / 2;
            format!(
                "{} ... (skipped {} bytes) ... {}",
                String::from_utf8_lossy(&bytes[..half]),
                bytes.len() - MAX_MESSAGE_LEN,
                String::from_utf8_lossy(&bytes[bytes.len() - half..])
            )
        }
        Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Err(e) => format!("failed to extract error message: {e:?}"),
    }
}

/// Binds every import of fvm_sdk 3.
pub fn bind_syscalls(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    bind_common(l)?;
    bind_v2_v3_forms(l)?;
    bind_since_v3(l)?;
    l.func_wrap("event", "emit_event", |mut c: C, off: u32, len: u32| {
        sys0(&mut c, |m, k| k.emit_event(slice(m, off, len)?))
    })?;
    Ok(())
}

/// Binds the imports fvm_sdk 3 brought and fvm_sdk 4 kept.
pub(super) fn bind_since_v3(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    // Gas an actor asks to pay: an unsigned amount (what fvm 2 took as negative is huge).
    l.func_wrap(
        "gas",
        "charge",
        |mut c: C, off: u32, len: u32, compute: u64| {
            sys0(&mut c, |m, k| {
                let name = utf8(slice(m, off, len)?)?;
                k.charge_named(name, Gas::new(i64::try_from(compute).unwrap_or(i64::MAX)))
            })
        },
    )?;
    l.func_wrap(
        "vm",
        "exit",
        |mut c: C, code: u32, blk: u32, off: u32, len: u32| -> AnyResult<u32> {
            enter(&mut c)?;
            let (m, _) = split(&mut c)?;
            let code = ExitCode::new(code);
            let abort = if !code.is_success() && code.is_system_error() {
                Abort::Exit(
                    ExitCode::SYS_ILLEGAL_EXIT_CODE,
                    format!("actor aborted with code {code}"),
                    blk,
                )
            } else {
                Abort::Exit(code, exit_message(m, off, len), blk)
            };
            // As every syscall, it hands the gas left back before returning (here, failing).
            sync_gas(&mut c)?;
            Err(abort.into())
        },
    )?;
    l.func_wrap("vm", "message_context", |mut c: C, ret: u32| {
        sysv::<80>(&mut c, ret, |_, k| {
            let ctx = k.message_context()?;
            Ok(Packed::new()
                .put(&ctx.origin.to_le_bytes())
                .put(&ctx.nonce.to_le_bytes())
                .put(&ctx.caller.to_le_bytes())
                .put(&ctx.receiver.to_le_bytes())
                .put(&ctx.method.to_le_bytes())
                .put(&token_bytes(&ctx.value_received)?)
                .put(&token_bytes(&ctx.gas_premium)?)
                .put(&u64::from(ctx.read_only).to_le_bytes())
                .0)
        })
    })?;
    l.func_wrap("network", "context", |mut c: C, ret: u32| {
        sysv::<44>(&mut c, ret, |_, k| {
            let ctx = k.network_context()?;
            Ok(Packed::new()
                .put(&ctx.epoch.to_le_bytes())
                .put(&ctx.timestamp.to_le_bytes())
                .put(&token_bytes(&ctx.base_fee)?)
                .put(&ctx.chain_id.to_le_bytes())
                .put(&ctx.network_version.to_le_bytes())
                .0)
        })
    })?;
    l.func_wrap(
        "network",
        "tipset_cid",
        |mut c: C, ret: u32, epoch: i64, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                check_bounds(m, off, len)?;
                let cid = k.tipset_cid(epoch)?;
                Ok(write_cid(m, &cid, off, len)?.to_le_bytes())
            })
        },
    )?;
    bind_actor(l)?;
    l.func_wrap("gas", "available", |mut c: C, ret: u32| {
        sysv::<8>(&mut c, ret, |_, k| Ok(k.gas_available().to_le_bytes()))
    })?;
    l.func_wrap(
        "send",
        "send",
        |mut c: C,
         ret: u32,
         off: u32,
         len: u32,
         method: u64,
         params: u32,
         hi: u64,
         lo: u64,
         gas_limit: u64,
         flags: u64| {
            sysv::<20>(&mut c, ret, |m, k| {
                let to = read_address(m, off, len, k.cm.machine.rules)?;
                let value = TokenAmount::from_atto(((hi as u128) << 64) | lo as u128);
                let gas_limit = (gas_limit < u64::MAX)
                    .then(|| Gas::new(i64::try_from(gas_limit).unwrap_or(i64::MAX)));
                let flags = SendFlags::from_bits(flags).ok_or_else(|| {
                    syscall_err(
                        ErrorNumber::IllegalArgument,
                        format!("invalid send flags: {flags}"),
                    )
                })?;
                let options = SendOptions {
                    gas_limit,
                    read_only: flags.read_only(),
                };
                let out = k.send(&to, method, params, &value, options)?;
                Ok(send_bytes(&out))
            })
        },
    )?;
    Ok(())
}

fn bind_actor(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    l.func_wrap(
        "actor",
        "lookup_delegated_address",
        |mut c: C, ret: u32, id: u64, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                slice_mut(m, off, len)?;
                k.charge_free_lookup("OnLookupAddress")?;
                let Some(addr) = k.lookup_delegated_address(id)? else {
                    return Ok(0u32.to_le_bytes());
                };
                let bytes = addr.to_bytes();
                let out = slice_mut(m, off, len)?;
                out.get_mut(..bytes.len())
                    .ok_or_else(|| {
                        syscall_err(
                            ErrorNumber::BufferTooSmall,
                            "address output buffer is too small",
                        )
                    })?
                    .copy_from_slice(&bytes);
                Ok((bytes.len() as u32).to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "actor",
        "next_actor_address",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                slice_mut(m, off, len)?;
                if len < ROBUST_ADDRESS_LEN {
                    return Err(syscall_err(
                        ErrorNumber::BufferTooSmall,
                        "output buffer must have a minimum capacity of 21 bytes",
                    ));
                }
                let bytes = k.next_actor_address()?.to_bytes();
                let out = slice_mut(m, off, len)?;
                if bytes.len() > out.len() {
                    return Err(fatal(format!("created {} byte actor address", bytes.len())));
                }
                out[..bytes.len()].copy_from_slice(&bytes);
                Ok((bytes.len() as u32).to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "actor",
        "create_actor",
        |mut c: C, id: u64, code_off: u32, addr_off: u32, addr_len: u32| {
            sys0(&mut c, |m, k| {
                let code = read_cid(m, code_off)?;
                let delegated = if addr_len > 0 {
                    Some(read_address(m, addr_off, addr_len, k.cm.machine.rules)?)
                } else {
                    None
                };
                k.create_actor_with_address(code, id, delegated)
            })
        },
    )?;
    l.func_wrap("actor", "balance_of", |mut c: C, ret: u32, id: u64| {
        sysv::<16>(&mut c, ret, |_, k| {
            k.charge_free_lookup("OnBalanceOf")?;
            token_bytes(&k.balance_of(id)?)
        })
    })?;
    Ok(())
}
