//! The syscall ABI of fvm_sdk 4 (network versions 21–28): fvm_sdk 3's imports, except that
//! self-destruct burns instead of naming a beneficiary (FIP-0073), events arrive as packed
//! entry headers, keys and values (FIP-0072), randomness is the node's digest for an epoch
//! (the actor hashes in its tag and entropy, FIP-0075), and BLS aggregates can be verified
//! (FIP-0079). `crypto.verify_signature` stays, as mainnet's build keeps it.
use anyhow::Result as AnyResult;
use fvm_shared::crypto::signature::{BLS_PUB_LEN, BLS_SIG_LEN};
use fvm_shared::error::ErrorNumber;
use wasmtime::Linker;

use super::abi::*;
use super::linker::{bind_common, sys0, sysv, C};
use super::sdk3::bind_since_v3;
use super::InvocationData;
use crate::error::syscall_err;
use crate::kernel::EntryHeader;

/// Binds every import of fvm_sdk 4.
pub fn bind_syscalls(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    bind_common(l)?;
    bind_since_v3(l)?;
    l.func_wrap("self", "self_destruct", |mut c: C, burn: u32| {
        sys0(&mut c, |_, k| k.self_destruct_burning(burn > 0))
    })?;
    l.func_wrap(
        "rand",
        "get_chain_randomness",
        |mut c: C, ret: u32, round: i64| {
            sysv::<32>(&mut c, ret, |_, k| k.randomness_digest(false, round))
        },
    )?;
    l.func_wrap(
        "rand",
        "get_beacon_randomness",
        |mut c: C, ret: u32, round: i64| {
            sysv::<32>(&mut c, ret, |_, k| k.randomness_digest(true, round))
        },
    )?;
    l.func_wrap(
        "event",
        "emit_event",
        |mut c: C, off: u32, n: u32, k_off: u32, k_len: u32, v_off: u32, v_len: u32| {
            sys0(&mut c, |m, k| {
                let size = n
                    .checked_mul(EntryHeader::SIZE as u32)
                    .ok_or_else(|| illegal("events index out of bounds"))?;
                let headers: Vec<EntryHeader> = slice(m, off, size)?
                    .chunks_exact(EntryHeader::SIZE)
                    .filter_map(|b| b.try_into().ok().map(EntryHeader::from_bytes))
                    .collect();
                let keys = slice(m, k_off, k_len)?;
                let values = slice(m, v_off, v_len)?;
                k.emit_packed_event(&headers, keys, values)
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "verify_bls_aggregate",
        |mut c: C, ret: u32, n: u32, sig_off: u32, keys_off: u32, texts_off: u32, lens_off: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let keys_len = n.checked_mul(BLS_PUB_LEN as u32).ok_or_else(|| {
                    illegal(format!(
                        "number of signatures aggregated ({n}) exceeds limit"
                    ))
                })?;
                let sig: [u8; BLS_SIG_LEN] = slice(m, sig_off, BLS_SIG_LEN as u32)?
                    .try_into()
                    .map_err(|_| oob(sig_off, BLS_SIG_LEN as u32))?;
                let keys: Vec<[u8; BLS_PUB_LEN]> = slice(m, keys_off, keys_len)?
                    .chunks_exact(BLS_PUB_LEN)
                    .filter_map(|b| b.try_into().ok())
                    .collect();
                // No overflow: n × 48 fitted.
                let lens: Vec<u32> = slice(m, lens_off, n * 4)?
                    .chunks_exact(4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                // The reference adds the lengths in u32 arithmetic that wraps (release build).
                let total = lens.iter().fold(0u32, |a, &l| a.wrapping_add(l));
                let texts = slice(m, texts_off, total)?;
                let ok = k.verify_bls_aggregate(&sig, &keys, texts, &lens)?;
                Ok(bool_code(ok))
            })
        },
    )?;
    Ok(())
}

fn illegal(m: impl Into<String>) -> crate::error::ExecError {
    syscall_err(ErrorNumber::IllegalArgument, m)
}
