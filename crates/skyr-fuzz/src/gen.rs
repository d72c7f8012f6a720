//! Generators: fuzz bytes, read through [`Unstructured`], into the inputs the targets run —
//! CBOR values, addresses, syscall programs and messages. Each picks from values that sit at
//! edges (zero, one, page and buffer sizes, signed and unsigned extremes) more often than
//! uniform bytes would, so short inputs reach deep paths; any byte string is a valid input.
use arbitrary::{Result, Unstructured};
use skyr_test_program::{Arg, Op, Program, METHOD_RUN, SCRATCH_LEN};

/// Integers at the edges the machines check: sizes, buffer ends, widths, signs.
pub const EDGES: [i64; 24] = [
    0,
    1,
    2,
    4,
    31,
    32,
    33,
    64,
    100,
    255,
    256,
    1024,
    4096,
    65_535,
    65_536,
    SCRATCH_LEN as i64 - 1,
    SCRATCH_LEN as i64,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 32,
    -1,
    i64::MIN,
    i64::MAX,
    1 << 20,
];

/// An integer: an edge, an edge plus a small offset, or any.
pub fn int(u: &mut Unstructured) -> Result<i64> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 | 1 => *u.choose(&EDGES)?,
        2 => u
            .choose(&EDGES)?
            .wrapping_add(i64::from(u.int_in_range(-3i8..=3)?)),
        _ => u.arbitrary()?,
    })
}

/// A small count, mostly tiny.
pub fn small(u: &mut Unstructured, max: u32) -> Result<u32> {
    Ok(if u.ratio(3, 4)? {
        u.int_in_range(0..=max.min(8))?
    } else {
        u.int_in_range(0..=max)?
    })
}

/// Appends a CBOR head (major type and argument), in the shortest form.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

/// One CBOR item: integers, byte and text strings (addresses and CIDs among them), arrays,
/// maps, tag 42 links, simple values and floats; `depth` bounds nesting. Not always valid
/// DAG-CBOR (duplicate or unsorted keys, undefined, floats), as an attacker's would not be.
pub fn cbor(u: &mut Unstructured, depth: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    cbor_into(u, depth, &mut out)?;
    Ok(out)
}

fn cbor_into(u: &mut Unstructured, depth: u32, out: &mut Vec<u8>) -> Result<()> {
    let kinds = if depth == 0 { 6 } else { 9 };
    match u.int_in_range(0..=kinds)? {
        0 => head(out, 0, int(u)? as u64),
        1 => head(out, 1, int(u)?.unsigned_abs()),
        2 => {
            let b = bytes(u)?;
            head(out, 2, b.len() as u64);
            out.extend(b);
        }
        3 => {
            let s: String = u.arbitrary()?;
            head(out, 3, s.len() as u64);
            out.extend(s.as_bytes());
        }
        4 => {
            // Simple values and floats.
            let v = *u.choose(&[0xf4u8, 0xf5, 0xf6, 0xf7, 0xfb])?;
            out.push(v);
            if v == 0xfb {
                out.extend(u.arbitrary::<f64>()?.to_be_bytes());
            }
        }
        5 => {
            let a = address(u)?;
            head(out, 2, a.len() as u64);
            out.extend(a);
        }
        6 => {
            // A link: tag 42 over a CID's bytes with the multibase identity prefix.
            out.extend([0xd8, 42]);
            let c = cid_bytes(u)?;
            head(out, 2, c.len() as u64 + 1);
            out.push(0);
            out.extend(c);
        }
        7 | 8 => {
            let n = small(u, 12)?;
            head(out, 4, u64::from(n));
            for _ in 0..n {
                cbor_into(u, depth - 1, out)?;
            }
        }
        _ => {
            let n = small(u, 6)?;
            head(out, 5, u64::from(n));
            for _ in 0..n {
                let k: String = u.arbitrary()?;
                head(out, 3, k.len() as u64);
                out.extend(k.as_bytes());
                cbor_into(u, depth - 1, out)?;
            }
        }
    }
    Ok(())
}

/// Bytes of some length, mostly short, sometimes a large run of one byte.
pub fn bytes(u: &mut Unstructured) -> Result<Vec<u8>> {
    if u.ratio(1, 16)? {
        let len = *u.choose(&[64usize, 1024, 65_536, 1 << 20])?;
        return Ok(vec![u.arbitrary()?; len]);
    }
    let len = small(u, 96)? as usize;
    Ok(u.bytes(len.min(u.len()))?.to_vec())
}

/// Actor IDs of the genesis both machines start from, and some beyond it.
pub const IDS: [u64; 20] = [
    0, 1, 2, 3, 4, 5, 6, 7, 10, 99, 100, 101, 103, 104, 105, 1000, 1001, 1002, 2000, 2001,
];

/// The bytes of ID address `id`.
pub fn id_address(id: u64) -> Vec<u8> {
    skyr::shared::address::Address::new_id(id).to_bytes()
}

/// Bytes `len` long, the same everywhere for the same `label` and `index`: blake2b-512 of
/// (label, index, block) for blocks 0, 1, 2… The smoke run's generated inputs and the
/// committed random seeds are made so.
pub fn fixed_bytes(label: &str, index: u64, len: usize) -> Vec<u8> {
    (0u64..)
        .flat_map(|block| fixed_block(label, index, block))
        .take(len)
        .collect()
}

/// One 64-byte block of [`fixed_bytes`].
pub fn fixed_block(label: &str, index: u64, block: u64) -> [u8; 64] {
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .to_state()
        .update(label.as_bytes())
        .update(&index.to_be_bytes())
        .update(&block.to_be_bytes())
        .finalize();
    let mut out = [0u8; 64];
    out.copy_from_slice(h.as_bytes());
    out
}

/// The bytes of an address: an ID (known or any), a key of the genesis, an f2/f3/f4 of any
/// payload, or bytes that are no address at all.
pub fn address(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0..=9u8)? {
        0..=3 => id_address(*u.choose(&IDS)?),
        4 => id_address(u.arbitrary()?),
        5 => {
            let i = u.int_in_range(0..=3usize)?;
            skyr_differential::genesis_skyr::secp_key(i)
                .address()
                .to_bytes()
        }
        6 => [vec![2u8], u.bytes(20)?.to_vec()].concat(),
        7 => [vec![3u8], u.bytes(48)?.to_vec()].concat(),
        8 => {
            // f4 in the EAM's namespace (10) or another.
            let ns = if u.arbitrary()? {
                10
            } else {
                u.int_in_range(0..=127u8)?
            };
            [vec![4u8, ns], u.bytes(20)?.to_vec()].concat()
        }
        _ => bytes(u)?,
    })
}

/// The bytes of a CID: one both genesis states hold (the empty array), one of a random
/// digest, or garbage.
pub fn cid_bytes(u: &mut Unstructured) -> Result<Vec<u8>> {
    use multihash_codetable::{Code, MultihashDigest};
    Ok(match u.int_in_range(0..=3u8)? {
        0 => cid::Cid::new_v1(0x71, Code::Blake2b256.digest(&[0x80])).to_bytes(),
        1 => {
            let codec = *u.choose(&[0x55u64, 0x71, 0x70, 0x12345])?;
            let data: [u8; 8] = u.arbitrary()?;
            cid::Cid::new_v1(codec, Code::Blake2b256.digest(&data)).to_bytes()
        }
        2 => {
            // An identity-hashed CID inlining its (CBOR) data.
            let data = cbor(u, 1)?;
            let mh = multihash_codetable::Multihash::wrap(0, &data)
                .unwrap_or_else(|_| Code::Blake2b256.digest(&data));
            cid::Cid::new_v1(0x71, mh).to_bytes()
        }
        _ => bytes(u)?,
    })
}

/// Every syscall name of the three ABIs (fvm_sdk 2, 3, 4): a name the running ABI lacks is
/// answered by the test actor itself (u32::MAX), without a call.
pub const SYSCALLS: &[(&str, &str)] = &[
    ("actor", "resolve_address"),
    ("actor", "lookup_delegated_address"),
    ("actor", "get_actor_code_cid"),
    ("actor", "next_actor_address"),
    ("actor", "new_actor_address"),
    ("actor", "create_actor"),
    ("actor", "get_builtin_actor_type"),
    ("actor", "get_code_cid_for_type"),
    ("actor", "balance_of"),
    ("crypto", "verify_signature"),
    ("crypto", "verify_bls_aggregate"),
    ("crypto", "recover_secp_public_key"),
    ("crypto", "hash"),
    ("crypto", "compute_unsealed_sector_cid"),
    ("crypto", "verify_seal"),
    ("crypto", "verify_post"),
    ("crypto", "verify_consensus_fault"),
    ("crypto", "verify_aggregate_seals"),
    ("crypto", "verify_replica_update"),
    ("crypto", "batch_verify_seals"),
    ("debug", "enabled"),
    ("debug", "log"),
    ("debug", "store_artifact"),
    ("event", "emit_event"),
    ("gas", "charge"),
    ("gas", "available"),
    ("ipld", "block_open"),
    ("ipld", "block_create"),
    ("ipld", "block_read"),
    ("ipld", "block_stat"),
    ("ipld", "block_link"),
    ("network", "base_fee"),
    ("network", "total_fil_circ_supply"),
    ("network", "context"),
    ("network", "tipset_cid"),
    ("rand", "get_chain_randomness"),
    ("rand", "get_beacon_randomness"),
    ("send", "send"),
    ("self", "root"),
    ("self", "set_root"),
    ("self", "current_balance"),
    ("self", "self_destruct"),
    ("vm", "abort"),
    ("vm", "exit"),
    ("vm", "context"),
    ("vm", "message_context"),
];

/// One syscall argument: a scratch pointer (inside, at the end, past it), an immediate, or
/// a value an earlier call stored (a block id, a length).
pub fn arg(u: &mut Unstructured) -> Result<Arg> {
    Ok(match u.int_in_range(0..=7u8)? {
        0..=2 => Arg::Ptr(offset(u)?),
        3..=5 => Arg::Imm(int(u)?),
        6 => Arg::Load32(offset(u)?),
        _ => Arg::Load64(offset(u)?),
    })
}

/// A scratch offset: low (where programs keep their data), at the buffer's end, or any.
pub fn offset(u: &mut Unstructured) -> Result<u32> {
    Ok(match u.int_in_range(0..=5u8)? {
        0..=2 => u.int_in_range(0..=4096u32)? & !3,
        3 => u.int_in_range(0..=8192u32)?,
        4 => SCRATCH_LEN - u.int_in_range(0..=64u32)?,
        _ => u.arbitrary()?,
    })
}

/// A test program of up to 16 ops. `depth` bounds programs sent on to test actors.
pub fn program(u: &mut Unstructured, depth: u32) -> Result<Program> {
    let n = 1 + small(u, 15)?;
    let mut ops = Vec::new();
    for _ in 0..n {
        if u.is_empty() {
            break;
        }
        ops.push(op(u, depth)?);
    }
    Ok(ops)
}

/// One op; syscalls and the writes that prepare their arguments most often.
fn op(u: &mut Unstructured, depth: u32) -> Result<Op> {
    Ok(match u.int_in_range(0..=19u8)? {
        0..=6 => {
            let (m, f) = *u.choose(SYSCALLS)?;
            let n = u.int_in_range(0..=9usize)?;
            let args = (0..n).map(|_| arg(u)).collect::<Result<Vec<_>>>()?;
            Op::Call(m.into(), f.into(), args)
        }
        7..=9 => {
            let data = match u.int_in_range(0..=4u8)? {
                0 => address(u)?,
                1 => cid_bytes(u)?,
                2 => cbor(u, 3)?,
                3 => (int(u)? as u64).to_le_bytes().to_vec(),
                _ => bytes(u)?,
            };
            Op::Write(offset(u)?, data)
        }
        10 => Op::Fill(offset(u)?, small(u, 4096)?, u.arbitrary()?),
        11 => Op::Read(offset(u)?, small(u, 256)?),
        12 => Op::Burn(u64::from(small(u, 50_000)?)),
        13 => Op::Recurse(if u.ratio(1, 8)? {
            u.arbitrary()?
        } else {
            small(u, 3000)?
        }),
        14 => Op::Grow(if u.ratio(1, 8)? {
            u.arbitrary()?
        } else {
            small(u, 512)?
        }),
        15 => Op::Trap(u.int_in_range(0..=5u8)?),
        16 => {
            let to = address(u)?;
            let nested = depth > 0 && u.ratio(1, 2)?;
            let (method, params) = if nested {
                let p = program(u, depth - 1)?;
                let p = fvm_ipld_encoding::to_vec(&p).unwrap_or_default();
                (METHOD_RUN, p)
            } else {
                (
                    method(u)?,
                    if u.arbitrary()? {
                        cbor(u, 2)?
                    } else {
                        Vec::new()
                    },
                )
            };
            let value = value_bytes(u)?;
            Op::Send(to, method, params, value)
        }
        17 => Op::Return(if u.arbitrary()? {
            cbor(u, 2)?
        } else {
            bytes(u)?
        }),
        18 => {
            if u.arbitrary()? {
                Op::ReturnId(u.arbitrary()?)
            } else {
                Op::Abort(u.arbitrary()?, u.arbitrary()?)
            }
        }
        _ => Op::Big(
            *u.choose(&[0u32, 1, 1024, 65_536, 1 << 20, (1 << 20) + 1, 2 << 20])?,
            u.arbitrary()?,
        ),
    })
}

/// A value in attoFIL as big-endian bytes: none, small, whole FIL, more than anyone has.
fn value_bytes(u: &mut Unstructured) -> Result<Vec<u8>> {
    let v = value(u)?;
    Ok(if v == 0 {
        Vec::new()
    } else {
        let b = v.to_be_bytes();
        let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
        b[first..].to_vec()
    })
}

/// A value in attoFIL.
pub fn value(u: &mut Unstructured) -> Result<u128> {
    const FIL: u128 = 1_000_000_000_000_000_000;
    Ok(match u.int_in_range(0..=5u8)? {
        0..=2 => 0,
        3 => u128::from(u.int_in_range(1..=1000u16)?),
        4 => FIL * u128::from(u.int_in_range(1..=2_000_000u32)?),
        _ => u.arbitrary::<u64>()?.into(),
    })
}

/// Names of exported methods (FRC-42), whose numbers reach the built-in actors' public
/// entry points from version 10 on.
const EXPORTED: &[&str] = &[
    "Receive",
    "Constructor",
    "AuthenticateMessage",
    "InvokeEVM",
    "Create",
    "Create2",
    "CreateExternal",
    "Exec",
    "AddBalance",
    "WithdrawBalance",
    "PublishStorageDeals",
    "Transfer",
    "Balance",
    "Propose",
    "Approve",
    "ChangeWorkerAddress",
];

/// A method number: the built-in actors' own (1 to 30), an exported one, or any.
pub fn method(u: &mut Unstructured) -> Result<u64> {
    Ok(match u.int_in_range(0..=5u8)? {
        0..=2 => u.int_in_range(0..=30u64)?,
        3 | 4 => skyr_vectors::names::frc42_method_number(u.choose(EXPORTED)?).unwrap_or(0),
        _ => u.arbitrary()?,
    })
}

/// Who sends a message.
#[derive(Clone, Copy, Debug)]
pub enum From {
    /// A genesis secp256k1 account.
    Secp(usize),
    /// A genesis BLS account.
    Bls(usize),
    /// An actor of this ID, applied as an implicit message (the system actor, mostly).
    Implicit(u64),
}

/// A message, before it is given one machine generation's types.
#[derive(Clone, Debug)]
pub struct MessageSpec {
    pub from: From,
    /// Address bytes (may be no address: the scenario falls back to a test actor).
    pub to: Vec<u8>,
    pub method: u64,
    pub params: Vec<u8>,
    pub value: u128,
    pub gas_limit: i64,
    /// Replaces the tracked sequence number.
    pub sequence: Option<u64>,
}

/// A gas limit: the default, an edge, or any.
pub fn gas_limit(u: &mut Unstructured) -> Result<Option<i64>> {
    Ok(match u.int_in_range(0..=7u8)? {
        0..=4 => None,
        5 => Some(*u.choose(&[1i64, 1000, 100_000, 1_000_000, 10_000_000, 100_000_000])?),
        6 => Some(*u.choose(&[
            10_000_000_000i64,
            10_000_000_001,
            0,
            -1,
            900_000_000_000_000_000,
        ])?),
        _ => Some(u.int_in_range(0..=10_000_000_000i64)?),
    })
}

/// A message: to any address, any method, with CBOR params (or a test program, when sent
/// to a test actor's method 2); `programs` makes test programs the common case.
pub fn message(u: &mut Unstructured, programs: bool) -> Result<MessageSpec> {
    let from = match u.int_in_range(0..=15u8)? {
        0..=11 => From::Secp(u.int_in_range(0..=3)?),
        12..=14 => From::Bls(u.int_in_range(0..=1)?),
        _ => From::Implicit(*u.choose(&[0u64, 0, 0, 1, 4, 100])?),
    };
    let (to, method, params) = if programs && u.ratio(7, 8)? {
        let t = *u.choose(&[1000u64, 1001, 1002])?;
        let p = program(u, 2)?;
        (
            id_address(t),
            METHOD_RUN,
            fvm_ipld_encoding::to_vec(&p).unwrap_or_default(),
        )
    } else {
        let params = match u.int_in_range(0..=5u8)? {
            0 => Vec::new(),
            1 => bytes(u)?,
            _ => cbor(u, 4)?,
        };
        (address(u)?, method(u)?, params)
    };
    Ok(MessageSpec {
        from,
        to,
        method,
        params,
        value: value(u)?,
        gas_limit: gas_limit(u)?.unwrap_or(if programs {
            1_000_000_000
        } else {
            3_000_000_000
        }),
        sequence: if u.ratio(1, 16)? {
            Some(*u.choose(&[0u64, 1, 5, u64::MAX])?)
        } else {
            None
        },
    })
}
