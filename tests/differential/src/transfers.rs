//! The transfer workload: plain value transfers between key-addressed accounts on states of
//! many actors, recorded as conformance vectors so both machines run them through their
//! vector runners.
//!
//! A transfer runs no actor code (method 0): its cost is the state tree's (finding sender and
//! receiver through the init actor's address map and the actor HAMT, writing them back,
//! flushing). Running the same number of transfers on states of 10,000, 100,000 and
//! 1,000,000 actors shows how that cost grows with the state. The expected receipts and root
//! are the reference's (fvm 2.12.2), so a machine that reproduces the vector did the work
//! right.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::ActorID;
use serde_json::json;
use skyr::state_tree::InitState;
use skyr_vectors::schema::to_b64;
use skyr_vectors::BundleSet;

use crate::corpus_nv16_17::{car_gz_with, messages_json, reachable, receipt_json, slug};
use crate::genesis_skyr::{StateBuilder, BUNDLE};

/// The ID of the first account; accounts are `FIRST..FIRST + n`.
const FIRST: ActorID = 1000;
/// The network version and epoch of the workload (Skyr's own bundle, state tree version 4).
const NV: u32 = 17;
const EPOCH: i64 = 2_000_000;
const BASE_FEE: u64 = 100;
/// Bumped whenever the generated vectors change, so a stale file is made again.
const GENERATION: u32 = 1;

/// The pubkey-derived (f1) address of account `i`: any 65 bytes hash to an f1 address, and
/// vector runs check no signature.
fn address(i: u64) -> Result<Address> {
    let mut key = [0u8; 65];
    key[0] = 4;
    key[1..9].copy_from_slice(&i.to_le_bytes());
    Ok(Address::new_secp256k1(&key)?)
}

/// A state of `n` accounts (one thousand FIL each, f1-addressed in the init actor's map) with
/// the system, init, reward and burnt-funds actors; the store, its root, and the bundle's
/// blocks (which vectors leave out).
fn state(n: u64) -> Result<(Rc<MemoryBlockstore>, Cid, BTreeSet<Cid>)> {
    let mut b = StateBuilder::new(BUNDLE)?;
    let mut addresses = Vec::with_capacity(n as usize);
    for i in 0..n {
        let addr = address(i)?;
        b.account(FIRST + i, addr, TokenAmount::from_whole(1_000))?;
        addresses.push(addr);
    }
    let address_map = {
        let mut map = b.address_map();
        for (i, addr) in (0..).zip(&addresses) {
            map.set(addr.to_bytes().into(), FIRST + i)?;
        }
        map.flush()?
    };
    let g = b.finish(&InitState {
        address_map,
        next_id: FIRST + n,
        network_name: "skyr-transfers".into(),
    })?;
    let skip = g.bundle_blocks();
    Ok((g.store, g.root, skip))
}

/// `count` transfers between accounts of a state of `n`, drawn by a fixed generator: each
/// from an f1 address to another, with the sender's next sequence.
fn messages(n: u64, count: usize) -> Result<Vec<Message>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: deterministic and spread over the whole range.
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut sequences = std::collections::BTreeMap::<u64, u64>::new();
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let from = next() % n;
        let mut to = next() % n;
        if to == from {
            to = (to + 1) % n;
        }
        let seq = sequences.entry(from).or_insert(0);
        out.push(Message {
            version: 0,
            from: address(from)?,
            to: address(to)?,
            sequence: *seq,
            value: TokenAmount::from_atto(1_000 + next() % 1_000_000),
            method_num: 0,
            params: Default::default(),
            gas_limit: 1_000_000,
            gas_fee_cap: TokenAmount::from_atto(BASE_FEE * 2),
            gas_premium: TokenAmount::from_atto(BASE_FEE / 2),
        });
        *seq += 1;
    }
    Ok(out)
}

/// The vector of `count` transfers on a state of `n` accounts, expectations fixed by the
/// reference.
pub fn vector(n: u64, count: usize, bundles: &BundleSet) -> Result<String> {
    if n < 2 {
        bail!("a transfer needs two accounts (asked for {n})");
    }
    let (store, pre, skip) = state(n)?;
    // Fast compression: the largest state's CAR is hundreds of MB.
    let car = car_gz_with(
        pre,
        reachable(&store, &[pre], &skip)?,
        Vec::new(),
        flate2::Compression::fast(),
    )?;
    let apply = messages_json(messages(n, count)?.iter())?;
    let name = format!("transfers on {n} accounts");
    let mut v = json!({
        "class": "message",
        "_meta": {
            "id": slug(&name),
            "description": format!("{count} value transfers between f1 accounts on a state of {n} accounts; expectations fixed by the reference FVM (fvm 2.12.2)"),
            "gen": [{"source": "skyr-differential transfers", "version": GENERATION.to_string()}],
        },
        "car": to_b64(&car),
        "preconditions": {
            "state_tree": {"root_cid": {"/": pre.to_string()}},
            "basefee": BASE_FEE,
            "variants": [{"id": format!("nv{NV}"), "epoch": EPOCH, "nv": NV}],
        },
        "apply_messages": apply,
        "postconditions": {
            "state_tree": {"root_cid": {"/": pre.to_string()}},
            "receipts": [],
        },
        "randomness": [],
    });
    let run = crate::vector_ref::run(&mut Default::default(), &v.to_string(), bundles)?
        .ok_or_else(|| anyhow!("the bundle of the transfer state is missing"))?;
    if let Some(bad) = run.receipts.iter().find(|r| r.0 != 0) {
        bail!("a transfer failed on the reference (exit {})", bad.0);
    }
    v["postconditions"] = json!({
        "state_tree": {"root_cid": {"/": run.root.to_string()}},
        "receipts": run.receipts.iter().map(|(code, ret, gas)| receipt_json(*code, ret, gas)).collect::<Vec<_>>(),
    });
    Ok(v.to_string())
}

/// The vector file of `count` transfers on `n` accounts in `dir`, made when missing (or made
/// by another generation of this code).
pub fn vector_file(dir: &Path, n: u64, count: usize, bundles: &BundleSet) -> Result<PathBuf> {
    let path = dir.join(format!("transfers-{n}-{count}-g{GENERATION}.json"));
    if path.is_file() {
        return Ok(path);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let text = vector(n, count, bundles)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_deterministic_and_sequenced() {
        let a = messages(50, 200).unwrap();
        assert_eq!(a, messages(50, 200).unwrap());
        let mut seq = std::collections::BTreeMap::new();
        for m in &a {
            assert_ne!(m.from, m.to);
            let s = seq.entry(m.from.to_bytes()).or_insert(0u64);
            assert_eq!(m.sequence, *s);
            *s += 1;
        }
        assert!(seq.len() > 20, "senders spread over the accounts");
    }

    /// A small transfer vector: the reference's expectations are reached by Skyr, every
    /// transfer succeeded, and the state moved.
    #[test]
    fn skyr_reproduces_a_small_transfer_vector() {
        let mut bundles = BundleSet::default();
        bundles
            .add(PathBuf::from("actors/bundle.car"), BUNDLE.to_vec())
            .unwrap();
        let text = vector(300, 120, &bundles).unwrap();
        let v = skyr_vectors::Vector::from_json(&text).unwrap();
        assert_eq!(v.postconditions.receipts.len(), 120);
        assert!(v.postconditions.receipts.iter().all(|r| r.exit_code == 0));
        assert_ne!(
            v.preconditions.state_tree.root_cid.parse("pre").unwrap(),
            v.postconditions.state_tree.root_cid.parse("post").unwrap()
        );
        let engine = skyr::Engine::new().unwrap();
        let r =
            skyr_vectors::run_text_with("transfers", &text, &bundles, &engine, Default::default());
        assert_eq!(r.status, skyr_vectors::Status::Pass, "{:?}", r.reason);
        assert_eq!(r.receipts.len(), 120);
    }
}
