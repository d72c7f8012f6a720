//! Syscall bindings every ABI generation shares, and the machinery each binding uses.
//!
//! The generations' own imports live in [`sdk2`](super::sdk2), [`sdk3`](super::sdk3) and
//! [`sdk4`](super::sdk4);
//! what they share (blocks, self, most of actor and crypto, randomness, gas charges, debug)
//! is bound here to the same kernel methods, which read the network rules where the
//! generations differ. Each binding does what the reference does, in the same order: settle execution gas,
//! charge the syscall, check the return pointer (for syscalls that return a value), read
//! arguments out of WASM memory, call the kernel, write the result, and hand the gas left
//! back to the actor. A syscall error becomes its error number; running out of gas or a fatal
//! error ends the invocation.
use anyhow::Result as AnyResult;
use fvm_shared::crypto::signature::SignatureType;
use fvm_shared::error::ErrorNumber;
use fvm_shared::sector::{
    AggregateSealVerifyProofAndInfos, RegisteredSealProof, ReplicaUpdateInfo, SealVerifyInfo,
    WindowPoStVerifyInfo,
};
use num_traits::FromPrimitive;
use wasmtime::{Caller, Linker};

use super::abi::*;
use super::{charge_exec, sync_gas, Abort, InvocationData};
use crate::error::{fatal, syscall_err, ExecError, Result};
use crate::kernel::Kernel;

/// The caller of a syscall.
pub(super) type C<'a> = Caller<'a, InvocationData>;

/// Settles execution gas and charges for entering a syscall.
pub(super) fn enter(c: &mut C) -> std::result::Result<(), Abort> {
    charge_exec(&mut *c)?;
    let k = &mut c.data_mut().kernel;
    k.cm.syscalls += 1;
    let charge = k.cm.machine.rules.prices.on_syscall();
    k.cm.gas
        .charge(charge.name, charge.compute)
        .map_err(Abort::from_exec)
}

/// The actor's memory and the kernel, apart.
pub(super) fn split<'a>(
    c: &'a mut C,
) -> std::result::Result<(&'a mut [u8], &'a mut Kernel), Abort> {
    let mem = c
        .data()
        .memory
        .ok_or_else(|| Abort::Fatal(anyhow::anyhow!("no memory")))?;
    let (m, d) = mem.data_and_store_mut(c);
    Ok((m, &mut d.kernel))
}

/// Ends a syscall: its error number (0 for success), gas handed back to the actor.
pub(super) fn finish(c: &mut C, r: Result<()>) -> AnyResult<u32> {
    let out = match r {
        Ok(()) => Ok(0),
        Err(ExecError::Syscall(e)) => Ok(e.number as u32),
        Err(ExecError::OutOfGas) => Err(Abort::OutOfGas),
        Err(ExecError::Fatal(e)) => Err(Abort::Fatal(e)),
    };
    sync_gas(&mut *c)?;
    Ok(out?)
}

/// A syscall with no return value.
pub(super) fn sys0(
    c: &mut C,
    f: impl FnOnce(&mut [u8], &mut Kernel) -> Result<()>,
) -> AnyResult<u32> {
    enter(c)?;
    let (m, k) = split(c)?;
    let r = f(m, k);
    finish(c, r)
}

/// A syscall whose N-byte value is written at `ret`.
pub(super) fn sysv<const N: usize>(
    c: &mut C,
    ret: u32,
    f: impl FnOnce(&mut [u8], &mut Kernel) -> Result<[u8; N]>,
) -> AnyResult<u32> {
    enter(c)?;
    let (m, k) = split(c)?;
    if ret as u64 > m.len() as u64 || m.len() - (ret as usize) < N {
        // As the reference: refused before running, without handing gas back.
        return Ok(ErrorNumber::IllegalArgument as u32);
    }
    let r = f(m, k).map(|v| m[ret as usize..ret as usize + N].copy_from_slice(&v));
    finish(c, r)
}

/// Binds the syscalls every ABI generation has.
pub(super) fn bind_common(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    l.func_wrap("network", "total_fil_circ_supply", |mut c: C, ret: u32| {
        sysv::<16>(&mut c, ret, |_, k| {
            token_bytes(&k.cm.machine.config.circ_supply)
        })
    })?;
    // ipld
    l.func_wrap("ipld", "block_open", |mut c: C, ret: u32, cid: u32| {
        sysv::<16>(&mut c, ret, |m, k| {
            let cid = read_cid(m, cid)?;
            let (id, codec, size) = k.block_open(&cid)?;
            Ok(Packed::new()
                .put(&codec.to_le_bytes())
                .put(&id.to_le_bytes())
                .put(&size.to_le_bytes())
                .0)
        })
    })?;
    l.func_wrap(
        "ipld",
        "block_create",
        |mut c: C, ret: u32, codec: u64, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                Ok(k.block_create(codec, slice(m, off, len)?)?.to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "ipld",
        "block_read",
        |mut c: C, ret: u32, id: u32, offset: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                Ok(k.block_read(id, offset, slice_mut(m, off, len)?)?
                    .to_le_bytes())
            })
        },
    )?;
    l.func_wrap("ipld", "block_stat", |mut c: C, ret: u32, id: u32| {
        sysv::<12>(&mut c, ret, |_, k| {
            let (codec, size) = k.block_stat(id)?;
            Ok(Packed::new()
                .put(&codec.to_le_bytes())
                .put(&size.to_le_bytes())
                .0)
        })
    })?;
    l.func_wrap(
        "ipld",
        "block_link",
        |mut c: C, ret: u32, id: u32, hash_fun: u64, hash_len: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                check_bounds(m, off, len)?;
                let cid = k.block_link(id, hash_fun, hash_len)?;
                Ok(write_cid(m, &cid, off, len)?.to_le_bytes())
            })
        },
    )?;
    // self
    l.func_wrap("self", "root", |mut c: C, ret: u32, off: u32, len: u32| {
        sysv::<4>(&mut c, ret, |m, k| {
            check_bounds(m, off, len)?;
            let root = k.root()?;
            Ok(write_cid(m, &root, off, len)?.to_le_bytes())
        })
    })?;
    l.func_wrap("self", "set_root", |mut c: C, off: u32| {
        sys0(&mut c, |m, k| k.set_root(read_cid(m, off)?))
    })?;
    l.func_wrap("self", "current_balance", |mut c: C, ret: u32| {
        sysv::<16>(&mut c, ret, |_, k| token_bytes(&k.current_balance()?))
    })?;
    bind_actor(l)?;
    bind_crypto(l)?;
    // debug
    l.func_wrap("debug", "log", |mut c: C, off: u32, len: u32| {
        sys0(&mut c, |m, k| {
            if !k.debug_enabled() {
                return Ok(());
            }
            let msg = utf8(slice(m, off, len)?)?.to_owned();
            k.log(msg);
            Ok(())
        })
    })?;
    l.func_wrap("debug", "enabled", |mut c: C, ret: u32| {
        sysv::<4>(&mut c, ret, |_, k| Ok(bool_code(k.debug_enabled())))
    })?;
    l.func_wrap(
        "debug",
        "store_artifact",
        |mut c: C, name_off: u32, name_len: u32, off: u32, len: u32| {
            sys0(&mut c, |m, k| {
                if !k.debug_enabled() {
                    return Ok(());
                }
                let data = slice(m, off, len)?;
                let name = utf8(slice(m, name_off, name_len)?)?;
                k.store_artifact(name, data)
            })
        },
    )?;
    Ok(())
}

/// Binds the forms fvm_sdk 2 and 3 share and fvm_sdk 4 changed: self-destruct to a
/// beneficiary, and randomness drawn with a tag and entropy.
pub(super) fn bind_v2_v3_forms(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    l.func_wrap("self", "self_destruct", |mut c: C, off: u32, len: u32| {
        sys0(&mut c, |m, k| {
            k.self_destruct(&read_address(m, off, len, k.cm.machine.rules)?)
        })
    })?;
    l.func_wrap(
        "rand",
        "get_chain_randomness",
        |mut c: C, ret: u32, pers: i64, round: i64, off: u32, len: u32| {
            sysv::<32>(&mut c, ret, |m, k| {
                k.randomness(false, pers, round, slice(m, off, len)?)
            })
        },
    )?;
    l.func_wrap(
        "rand",
        "get_beacon_randomness",
        |mut c: C, ret: u32, pers: i64, round: i64, off: u32, len: u32| {
            sysv::<32>(&mut c, ret, |m, k| {
                k.randomness(true, pers, round, slice(m, off, len)?)
            })
        },
    )?;
    Ok(())
}

fn bind_actor(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    l.func_wrap(
        "actor",
        "resolve_address",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<8>(&mut c, ret, |m, k| {
                let addr = read_address(m, off, len, k.cm.machine.rules)?;
                k.charge_free_lookup("OnResolveAddress")?;
                let id = k
                    .resolve_address(&addr)?
                    .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "actor not found"))?;
                Ok(id.to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "actor",
        "get_actor_code_cid",
        |mut c: C, ret: u32, id: u64, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                check_bounds(m, off, len)?;
                k.charge_free_lookup("OnGetActorCodeCid")?;
                let code = k
                    .get_actor_code_cid(id)?
                    .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "target actor not found"))?;
                Ok(write_cid(m, &code, off, len)?.to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "actor",
        "get_builtin_actor_type",
        |mut c: C, ret: u32, off: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let code = read_cid(m, off)?;
                k.charge_lookup(|pl| pl.on_get_builtin_actor_type())?;
                Ok((k.get_builtin_actor_type(&code) as i32).to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "actor",
        "get_code_cid_for_type",
        |mut c: C, ret: u32, typ: i32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                check_bounds(m, off, len)?;
                k.charge_lookup(|pl| pl.on_get_code_cid_for_type())?;
                let code = k.get_code_cid_for_type(typ as u32)?;
                Ok(write_cid(m, &code, off, len)?.to_le_bytes())
            })
        },
    )?;
    Ok(())
}

fn bind_crypto(l: &mut Linker<InvocationData>) -> AnyResult<()> {
    l.func_wrap(
        "crypto",
        "verify_signature",
        |mut c: C,
         ret: u32,
         typ: u32,
         sig_off: u32,
         sig_len: u32,
         a_off: u32,
         a_len: u32,
         p_off: u32,
         p_len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let typ = SignatureType::from_u32(typ).ok_or_else(|| {
                    syscall_err(
                        ErrorNumber::IllegalArgument,
                        format!("unknown signature type {typ}"),
                    )
                })?;
                let sig = slice(m, sig_off, sig_len)?;
                let addr = read_address(m, a_off, a_len, k.cm.machine.rules)?;
                let plaintext = slice(m, p_off, p_len)?;
                Ok(bool_code(k.verify_signature(typ, sig, &addr, plaintext)?))
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "recover_secp_public_key",
        |mut c: C, ret: u32, h_off: u32, s_off: u32| {
            sysv::<65>(&mut c, ret, |m, k| {
                let hash: [u8; 32] = slice(m, h_off, 32)?
                    .try_into()
                    .map_err(|_| oob(h_off, 32))?;
                let sig: [u8; 65] = slice(m, s_off, 65)?
                    .try_into()
                    .map_err(|_| oob(s_off, 65))?;
                k.recover_secp_public_key(&hash, &sig)
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "hash",
        |mut c: C, ret: u32, code: u64, d_off: u32, d_len: u32, o_off: u32, o_len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                check_bounds(m, o_off, o_len)?;
                let digest = k.hash(code, slice(m, d_off, d_len)?)?;
                let out = slice_mut(m, o_off, o_len)?;
                let n = out.len().min(digest.len());
                out[..n].copy_from_slice(&digest[..n]);
                Ok((n as u32).to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "compute_unsealed_sector_cid",
        |mut c: C, ret: u32, proof: i64, p_off: u32, p_len: u32, o_off: u32, o_len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let proof = RegisteredSealProof::from(proof);
                if !k.cm.machine.rules.proof_types.knows_seal(proof) {
                    return Err(syscall_err(
                        ErrorNumber::IllegalArgument,
                        format!("invalid proof type {}", i64::from(proof)),
                    ));
                }
                let pieces: Vec<fvm_shared::piece::PieceInfo> = read_cbor(m, p_off, p_len)?;
                check_bounds(m, o_off, o_len)?;
                let cid = k.compute_unsealed_sector_cid(proof, &pieces)?;
                Ok(write_cid(m, &cid, o_off, o_len)?.to_le_bytes())
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "verify_post",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                Ok(bool_code(k.verify_post(&read_cbor::<
                    WindowPoStVerifyInfo,
                >(m, off, len)?)?))
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "verify_consensus_fault",
        |mut c: C,
         ret: u32,
         h1_off: u32,
         h1_len: u32,
         h2_off: u32,
         h2_len: u32,
         x_off: u32,
         x_len: u32| {
            sysv::<20>(&mut c, ret, |m, k| {
                let h1 = slice(m, h1_off, h1_len)?;
                let h2 = slice(m, h2_off, h2_len)?;
                let extra = slice(m, x_off, x_len)?;
                let (epoch, target, fault) = match k.verify_consensus_fault(h1, h2, extra)? {
                    Some(f) => {
                        let target = f
                            .target
                            .id()
                            .map_err(|_| fatal("kernel returned non-id target address"))?;
                        (f.epoch, target, f.fault_type as u32)
                    }
                    None => (0, 0, 0),
                };
                Ok(Packed::new()
                    .put(&epoch.to_le_bytes())
                    .put(&target.to_le_bytes())
                    .put(&fault.to_le_bytes())
                    .0)
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "verify_aggregate_seals",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let info: AggregateSealVerifyProofAndInfos = read_cbor(m, off, len)?;
                Ok(bool_code(k.verify_aggregate_seals(&info)?))
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "verify_replica_update",
        |mut c: C, ret: u32, off: u32, len: u32| {
            sysv::<4>(&mut c, ret, |m, k| {
                let info: ReplicaUpdateInfo = read_cbor(m, off, len)?;
                Ok(bool_code(k.verify_replica_update(&info)?))
            })
        },
    )?;
    l.func_wrap(
        "crypto",
        "batch_verify_seals",
        |mut c: C, off: u32, len: u32, out: u32| {
            sys0(&mut c, |m, k| {
                let batch: Vec<SealVerifyInfo> = read_cbor(m, off, len)?;
                slice_mut(m, out, batch.len() as u32)?;
                let res = k.batch_verify_seals(&batch)?;
                if res.len() != batch.len() {
                    return Err(fatal(format!(
                        "expected one result per input: {} != {}",
                        batch.len(),
                        res.len()
                    )));
                }
                let dst = slice_mut(m, out, batch.len() as u32)?;
                for (d, ok) in dst.iter_mut().zip(res) {
                    *d = ok as u8;
                }
                Ok(())
            })
        },
    )?;
    Ok(())
}
