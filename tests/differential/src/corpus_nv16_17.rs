//! Records scenarios as conformance test vectors: the reference fixes the expected receipts
//! and post-state root, the vector carries every block the run needs except the bundle's.
//! These are the nv16–17 scenarios (fvm 2's types); the nv18–28 writer is
//! [`crate::corpus_nv18_28`], and the crate's docs say why they stay two.
use std::collections::BTreeSet;
use std::io::Write;

use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use serde_json::json;
use skyr_vectors::schema::to_b64;

use crate::genesis_skyr;
use crate::oracle_fvm2::{self, OracleExterns};
use crate::run_nv16_17::Engines;
use crate::scenario_nv16_17::Scenario;

/// Why a scenario is not recorded, if it is not: vectors run without actor debugging, on the
/// bundle their state names, and record receipts (a refused machine has none).
pub fn excluded(s: &Scenario) -> Option<&'static str> {
    if s.expect_refusal || s.either {
        Some("the machines refuse it")
    } else if s.debug {
        Some("needs actor debugging")
    } else if s.test_wasm.is_some() {
        Some("runs a one-off bundle")
    } else if s.messages.iter().any(|m| m.implicit) {
        Some("has implicit messages (vectors apply explicit ones)")
    } else if s.checks_proofs {
        Some("its outcome depends on real proof checks (vector runs assume proofs valid)")
    } else {
        None
    }
}

/// Every block reachable from `roots` in `store`, except the bundle's (its manifest data and
/// code): the vector runner adds the bundle itself.
pub fn reachable(
    store: &MemoryBlockstore,
    roots: &[Cid],
    skip: &BTreeSet<Cid>,
) -> Result<Vec<(Cid, Vec<u8>)>> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<Cid> = roots.to_vec();
    let mut out = Vec::new();
    while let Some(k) = stack.pop() {
        if skip.contains(&k) || !seen.insert(k) {
            continue;
        }
        let Some(data) = store.get(&k)? else { continue };
        if k.codec() == fvm_ipld_encoding::DAG_CBOR {
            skyr::blockstore::scan_links(&data, &mut stack, skyr::blockstore::FlushWalk::Fvm2)?;
        }
        out.push((k, data));
    }
    out.sort_by_key(|b| b.0);
    Ok(out)
}

/// The vector of a scenario, as JSON.
pub fn vector(engines: &Engines, s: &Scenario) -> Result<serde_json::Value> {
    let g = genesis_skyr::build_for(s)?;
    let pre = g.root;
    let skip = g.bundle_blocks();
    let pre_blocks = reachable(&g.store, &[pre], &skip)?;
    let externs = OracleExterns::default();
    let log = externs.log.clone();
    let outcomes = oracle_fvm2::run_with(&engines.oracle, s, g.store.clone(), pre, false, externs)?;
    let post = outcomes.last().map(|o| o.root).unwrap_or(pre);
    let gz = car_gz(pre, pre_blocks, reachable(&g.store, &[post], &skip)?)?;
    let messages = messages_json(s.messages.iter().map(|m| &m.message))?;
    let receipts: Vec<_> = outcomes
        .iter()
        .map(|o| receipt_json(o.exit_code, &o.return_data, o.gas_used))
        .collect();
    let randomness = randomness_json(&log);
    let nv = s.nv as u32;
    let basefee: u64 = s
        .base_fee
        .atto()
        .try_into()
        .map_err(|_| anyhow!("base fee too large"))?;
    Ok(json!({
        "class": "message",
        "_meta": {
            "id": s.name,
            "description": "Skyr differential scenario; expectations fixed by the reference FVM (fvm 2.12.2)",
            "gen": [{"source": "skyr-differential", "version": "fvm 2.12.2"}],
        },
        "car": to_b64(&gz),
        "preconditions": {
            "state_tree": {"root_cid": {"/": pre.to_string()}},
            "basefee": basefee,
            "variants": [{"id": format!("nv{nv}"), "epoch": s.epoch, "nv": nv}],
        },
        "apply_messages": messages,
        "postconditions": {
            "state_tree": {"root_cid": {"/": post.to_string()}},
            "receipts": receipts,
        },
        "randomness": randomness,
    }))
}

/// The gzipped CAR of a vector: the pre-state's and post-state's blocks, rooted at `pre`.
pub fn car_gz(
    pre: Cid,
    blocks: Vec<(Cid, Vec<u8>)>,
    post_blocks: Vec<(Cid, Vec<u8>)>,
) -> Result<Vec<u8>> {
    car_gz_with(pre, blocks, post_blocks, flate2::Compression::best())
}

/// [`car_gz`] at a chosen compression level (the largest generated states want speed).
pub fn car_gz_with(
    pre: Cid,
    mut blocks: Vec<(Cid, Vec<u8>)>,
    post_blocks: Vec<(Cid, Vec<u8>)>,
    level: flate2::Compression,
) -> Result<Vec<u8>> {
    blocks.extend(post_blocks);
    blocks.sort_by_key(|b| b.0);
    blocks.dedup_by(|a, b| a.0 == b.0);
    let mut car = Vec::new();
    let mut w = fvm_ipld_car::CarWriter::new(fvm_ipld_car::CarHeader::new(vec![pre], 1), &mut car)?;
    for (k, data) in blocks {
        w.write((k, data).into())?;
    }
    w.flush()?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
    gz.write_all(&car)?;
    Ok(gz.finish()?)
}

/// One receipt of a vector's postconditions.
pub fn receipt_json(
    exit_code: u32,
    ret: &[u8],
    gas_used: impl serde::Serialize,
) -> serde_json::Value {
    json!({"exit_code": exit_code, "return": to_b64(ret), "gas_used": gas_used})
}

/// The `apply_messages` of a vector.
pub fn messages_json<'a, M: serde::Serialize + 'a>(
    messages: impl Iterator<Item = &'a M>,
) -> Result<Vec<serde_json::Value>> {
    messages
        .map(|m| Ok(json!({"bytes": to_b64(&fvm_ipld_encoding::to_vec(m)?)})))
        .collect()
}

/// The `randomness` of a vector: the requests a run made, as `[kind, epoch]` rules.
pub fn randomness_json(log: &crate::oracle_fvm2::RandomnessLog) -> Vec<serde_json::Value> {
    log.borrow()
        .iter()
        .map(|((beacon, epoch), r)| json!({"on": [if *beacon { "beacon" } else { "chain" }, epoch], "ret": to_b64(r)}))
        .collect()
}

/// A file name for a scenario: lower-case words joined by dashes.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Largest vector file kept in the corpus.
pub const MAX_BYTES: usize = 256 * 1024;

/// Records every recordable scenario under `out` (a folder per family); returns how many
/// were written and why the others were left out.
pub fn write_all(
    engines: &Engines,
    scenarios: &[Scenario],
    out: &std::path::Path,
) -> Result<(usize, Vec<String>)> {
    write_vectors(
        scenarios.iter().map(|s| (s.name.as_str(), excluded(s), s)),
        out,
        |s| vector(engines, s),
    )
}

/// Writes the vector of each (name, reason to leave it out, scenario) under `out`, in a
/// folder per family (the name's part before the first colon); returns how many were
/// written and why the others were left out (their reason, or the size cap).
pub fn write_vectors<'a, S: 'a>(
    scenarios: impl Iterator<Item = (&'a str, Option<&'static str>, &'a S)>,
    out: &std::path::Path,
    vector: impl Fn(&S) -> Result<serde_json::Value>,
) -> Result<(usize, Vec<String>)> {
    let (mut written, mut left_out) = (0, Vec::new());
    let mut names = BTreeSet::new();
    for (name, excluded, s) in scenarios {
        if let Some(why) = excluded {
            left_out.push(format!("{name}: {why}"));
            continue;
        }
        let family = name
            .split(':')
            .next()
            .filter(|f| *f != name)
            .unwrap_or("messages");
        let dir = out.join(slug(family));
        let mut file = slug(name);
        while !names.insert(format!("{family}/{file}")) {
            file.push('x');
        }
        let text = serde_json::to_string(&vector(s)?)?;
        if text.len() > MAX_BYTES {
            left_out.push(format!("{name}: {} bytes is over the size cap", text.len()));
            continue;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("{file}.json")), text + "\n")?;
        written += 1;
    }
    Ok((written, left_out))
}
