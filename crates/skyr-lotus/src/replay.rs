//! A node's chain replayed: each tipset executed again from its parent state ([`TipsetRun`]),
//! its receipts and resulting state compared with what its child records
//! (`ParentMessageReceipts`, `ParentStateRoot`). Each tipset starts from the chain's own
//! parent state, so tipsets replay independently and a difference stays in its tipset.
//!
//! A difference is explained: the first receipt that differs (with both receipts), or, when
//! every receipt agrees and the state does not, the actors whose records differ, found by
//! walking both actor HAMTs and skipping the subtrees they share.
use std::collections::BTreeMap;
use std::rc::Rc;

use anyhow::{anyhow, bail, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::CborStore;
use fvm_shared::receipt::Receipt;
use fvm_shared::state::StateRoot;
use ipld_core::ipld::Ipld;
use skyr::rules::ReceiptShape;

use crate::chain::{receipts, tipset, tipset_at, ChainReceipt, Tipset};
use crate::execute::{Step, TipsetRun, Tools};
use crate::source::NodeSource;

/// How many differing actors a difference lists at most.
const MAX_ACTORS_LISTED: usize = 10;

/// One tipset replayed.
#[derive(Clone, Debug)]
pub struct Replayed {
    /// Its epoch.
    pub height: i64,
    /// Messages applied.
    pub messages: usize,
    /// Null rounds before it (cron ran for each).
    pub null_rounds: i64,
    /// The state it left, and the one its child records.
    pub state: (Cid, Cid),
    /// Its receipts' root, and the one its child records.
    pub receipts: (Cid, Cid),
    /// What differs, in words; `None` when both agree.
    pub difference: Option<String>,
}

/// The tipsets from `from` to `to` (heights, null rounds skipped), each with its child, read
/// from the chain the node's head ends (walking parents back from the first tipset past `to`).
/// Heights are asked about relative to that head, so the answers name a tipset and are cached.
pub fn tipsets_between(source: &NodeSource, from: i64, to: i64) -> Result<Vec<(Tipset, Tipset)>> {
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let head = tipset(source, &source.head()?)?;
    // The first tipset past `to`: asking at `to + 1` answers the tipset at or before it.
    let mut child = None;
    for h in to + 1..(to + 1 + 1_000).min(head.height + 1) {
        let ts = tipset_at(source, h, &head.key)?;
        if ts.height > to {
            child = Some(ts);
            break;
        }
    }
    let mut child = child.ok_or_else(|| {
        anyhow!(
            "the node's chain has no tipset after epoch {to} yet: its receipts are not recorded"
        )
    })?;
    let mut out = Vec::new();
    loop {
        let ts = tipset(source, child.parents())?;
        if ts.height < from {
            break;
        }
        let parent_is_genesis = ts.height == 0;
        if ts.height <= to {
            out.push((ts.clone(), child));
        }
        if parent_is_genesis {
            break;
        }
        child = ts;
    }
    out.reverse();
    Ok(out)
}

/// Replays `pairs` (tipsets with their children, in order) on `jobs` threads, each taking a
/// contiguous share; each share stops at its first difference. The results in order of
/// height: up to the first difference, everything before it agrees.
pub fn replay_range(
    source: &Rc<NodeSource>,
    tools: &Tools,
    pairs: Vec<(Tipset, Tipset)>,
    jobs: usize,
) -> Result<Vec<Replayed>> {
    let replay_share =
        |source: &Rc<NodeSource>, share: Vec<(Tipset, Tipset)>| -> Result<Vec<Replayed>> {
            let mut out = Vec::new();
            for (ts, child) in share {
                let r = replay_tipset(source, tools, ts, &child)?;
                source.commit()?;
                let differs = r.difference.is_some();
                out.push(r);
                if differs {
                    break;
                }
            }
            Ok(out)
        };
    let jobs = jobs.clamp(1, pairs.len().max(1));
    if jobs == 1 {
        return replay_share(source, pairs);
    }
    let per = pairs.len().div_ceil(jobs);
    let mut shares = Vec::new();
    let mut rest = pairs;
    while !rest.is_empty() {
        let tail = rest.split_off(per.min(rest.len()));
        shares.push(std::mem::replace(&mut rest, tail));
    }
    let opener = source.share();
    let results: Vec<Result<Vec<Replayed>>> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let opener = opener.clone();
                let replay_share = &replay_share;
                s.spawn(move || replay_share(&Rc::new(opener.open()), share))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("a replay thread panicked")))
            })
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        let share = r?;
        let differs = share.last().is_some_and(|x| x.difference.is_some());
        out.extend(share);
        if differs {
            break;
        }
    }
    Ok(out)
}

/// Replays tipset `ts`, whose child is `child`.
pub fn replay_tipset(
    source: &Rc<NodeSource>,
    tools: &Tools,
    ts: Tipset,
    child: &Tipset,
) -> Result<Replayed> {
    if ts.height == 0 {
        bail!("the genesis is built, not executed: replay from epoch 1");
    }
    let mut run = TipsetRun::prepare(source, tools, ts)?;
    let mut exec = run.start()?;
    let mut ours: Vec<(Cid, Receipt)> = Vec::new();
    run.apply(&mut exec, |_, _, placed, ret| {
        ours.push((placed.cid, ret.receipt));
        Ok(Step::Continue)
    })?;
    let state = run.finish(exec)?;
    let shape = skyr::rules::rules_for_number(run.nv)
        .map(|r| r.receipt)
        .unwrap_or(ReceiptShape::WithEventsRoot);
    let receipts_root = receipts_root(ours.iter().map(|(_, r)| r), shape)?;
    let chain_state = child.parent_state();
    let chain_receipts = child.headers[0].parent_message_receipts;
    let mut difference = None;
    if receipts_root != chain_receipts {
        let recorded = receipts(source, &chain_receipts)?;
        difference = Some(
            match ours
                .iter()
                .zip(&recorded)
                .enumerate()
                .find(|(_, ((_, a), b))| a != *b)
            {
                Some((i, ((cid, a), b))) => format!(
                    "message {i} ({cid}): ours exit {}, gas used {}, return {} bytes, events \
                     {:?}; the chain's exit {}, gas used {}, return {} bytes, events {:?}",
                    skyr::exit_names::exit_label(a.exit_code.value()),
                    a.gas_used,
                    a.return_data.len(),
                    a.events_root,
                    skyr::exit_names::exit_label(b.exit_code.value()),
                    b.gas_used,
                    b.return_data.len(),
                    b.events_root
                ),
                None => format!(
                    "{} receipts here, {} recorded (the same where both have one)",
                    ours.len(),
                    recorded.len()
                ),
            },
        );
    } else if state != chain_state {
        let actors = actor_differences(run.store().as_ref(), &state, &chain_state)?;
        difference = Some(format!(
            "every receipt agrees, the state does not; actors that differ: {}",
            actors.join("; ")
        ));
    }
    Ok(Replayed {
        height: run.tipset.height,
        messages: ours.len(),
        null_rounds: run.null_rounds(),
        state: (state, chain_state),
        receipts: (receipts_root, chain_receipts),
        difference,
    })
}

/// The root of an AMT of `receipts` in `shape` (as a tipset's child records it).
pub fn receipts_root<'a>(
    receipts: impl Iterator<Item = &'a Receipt>,
    shape: ReceiptShape,
) -> Result<Cid> {
    let store = MemoryBlockstore::new();
    let values = receipts.map(|r| ChainReceipt {
        receipt: r.clone(),
        shape,
    });
    Ok(Amtv0::new_from_iter(&store, values)?)
}

/// The actors whose records differ between states `ours` and `theirs`, in words (at most
/// [`MAX_ACTORS_LISTED`]).
fn actor_differences(store: &impl Blockstore, ours: &Cid, theirs: &Cid) -> Result<Vec<String>> {
    let a: StateRoot = store
        .get_cbor(ours)?
        .ok_or_else(|| anyhow!("our state root {ours} is missing"))?;
    let b: StateRoot = store
        .get_cbor(theirs)?
        .ok_or_else(|| anyhow!("the chain's state root {theirs} is missing"))?;
    let mut out = Vec::new();
    if a.version != b.version || a.info != b.info {
        out.push(format!(
            "the state roots' version or info differ ({} vs {})",
            a.version as u64, b.version as u64
        ));
    }
    let mut found = BTreeMap::new();
    hamt_diff(store, Some(&a.actors), Some(&b.actors), &mut found)?;
    for (key, (x, y)) in found.into_iter().take(MAX_ACTORS_LISTED) {
        let who = fvm_shared::address::Address::from_bytes(&key)
            .map_or_else(|_| format!("key {key:?}"), |a| a.to_string());
        out.push(match (x, y) {
            (Some(x), Some(y)) => format!("{who}: ours {}, the chain's {}", record(&x), record(&y)),
            (Some(x), None) => format!("{who}: only ours has it ({})", record(&x)),
            (None, Some(y)) => format!("{who}: only the chain has it ({})", record(&y)),
            (None, None) => continue,
        });
    }
    Ok(out)
}

/// An actor record `[code, head, nonce, balance, …]` in short.
fn record(v: &Ipld) -> String {
    match v {
        Ipld::List(f) if f.len() >= 4 => {
            let balance = match &f[3] {
                Ipld::Bytes(b) => Some(amount(b)),
                _ => None,
            };
            format!(
                "head {}, nonce {}, balance {}",
                match &f[1] {
                    Ipld::Link(c) => c.to_string(),
                    _ => "?".into(),
                },
                match &f[2] {
                    Ipld::Integer(n) => n.to_string(),
                    _ => "?".into(),
                },
                balance.map_or("?".to_string(), |b| b.to_string())
            )
        }
        other => format!("{other:?}"),
    }
}

/// A token amount from its bytes: a sign byte (1 for negative), then the magnitude.
fn amount(b: &[u8]) -> fvm_shared::bigint::BigInt {
    use fvm_shared::bigint::{BigInt, Sign};
    match b.split_first() {
        None => BigInt::default(),
        Some((1, m)) => BigInt::from_bytes_be(Sign::Minus, m),
        Some((_, m)) => BigInt::from_bytes_be(Sign::Plus, m),
    }
}

/// Keys whose values differ between the HAMTs at `a` and `b`, with both values; subtrees with
/// the same CID are not read.
fn hamt_diff(
    store: &impl Blockstore,
    a: Option<&Cid>,
    b: Option<&Cid>,
    out: &mut BTreeMap<Vec<u8>, (Option<Ipld>, Option<Ipld>)>,
) -> Result<()> {
    if a == b || out.len() >= MAX_ACTORS_LISTED {
        return Ok(());
    }
    let na = a.map(|c| node(store, c)).transpose()?.unwrap_or_default();
    let nb = b.map(|c| node(store, c)).transpose()?.unwrap_or_default();
    let slots: std::collections::BTreeSet<u32> = na.keys().chain(nb.keys()).copied().collect();
    for s in slots {
        match (na.get(&s), nb.get(&s)) {
            (Some(Ipld::Link(x)), Some(Ipld::Link(y))) => hamt_diff(store, Some(x), Some(y), out)?,
            (x, y) => {
                let mut kx = BTreeMap::new();
                let mut ky = BTreeMap::new();
                entries(store, x, &mut kx)?;
                entries(store, y, &mut ky)?;
                let keys: std::collections::BTreeSet<Vec<u8>> =
                    kx.keys().chain(ky.keys()).cloned().collect();
                for k in keys {
                    let (vx, vy) = (kx.get(&k).cloned(), ky.get(&k).cloned());
                    if vx != vy {
                        out.insert(k, (vx, vy));
                    }
                }
            }
        }
    }
    Ok(())
}

/// A HAMT node's pointers by bitmap slot: `[bitmap, [pointer…]]`, the pointers in slot order.
fn node(store: &impl Blockstore, c: &Cid) -> Result<BTreeMap<u32, Ipld>> {
    let v: Ipld = store
        .get_cbor(c)?
        .ok_or_else(|| anyhow!("HAMT node {c} is missing"))?;
    let Ipld::List(mut f) = v else {
        bail!("HAMT node {c} is not a list");
    };
    if f.len() != 2 {
        bail!("HAMT node {c} has {} fields, not 2", f.len());
    }
    let pointers = match f.pop() {
        Some(Ipld::List(p)) => p,
        _ => bail!("HAMT node {c}: pointers are not a list"),
    };
    let bitmap = match f.pop() {
        Some(Ipld::Bytes(b)) => b,
        _ => bail!("HAMT node {c}: the bitmap is not bytes"),
    };
    let mut slots = Vec::new();
    for (i, byte) in bitmap.iter().rev().enumerate() {
        for bit in 0..8 {
            if byte & (1 << bit) != 0 {
                slots.push((i * 8 + bit) as u32);
            }
        }
    }
    if slots.len() != pointers.len() {
        bail!(
            "HAMT node {c}: {} bits set, {} pointers",
            slots.len(),
            pointers.len()
        );
    }
    Ok(slots.into_iter().zip(pointers).collect())
}

/// Every key and value under pointer `p` (a bucket, or a link to a node).
fn entries(
    store: &impl Blockstore,
    p: Option<&Ipld>,
    out: &mut BTreeMap<Vec<u8>, Ipld>,
) -> Result<()> {
    match p {
        None => Ok(()),
        Some(Ipld::Link(c)) => {
            for (_, q) in node(store, c)? {
                entries(store, Some(&q), out)?;
            }
            Ok(())
        }
        Some(Ipld::List(bucket)) => {
            for kv in bucket {
                if let Ipld::List(pair) = kv {
                    if let [Ipld::Bytes(k), v] = pair.as_slice() {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Ok(())
        }
        Some(other) => bail!("a HAMT pointer is neither a link nor a bucket: {other:?}"),
    }
}
