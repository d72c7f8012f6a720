//! Records the nv18–28 scenarios as conformance vectors (under `tests/vectors/nv18-20` and
//! `tests/vectors/nv21-28`): the reference of the version's rules (fvm 3.14.2, fvm 4.8.4)
//! fixes the receipts (events roots included) and the post-state root. A vector carries
//! every block the run needs except actor code: its manifest is the official one plus Skyr's
//! test actor of the version's ABI, and a runner takes the official code from `--bundles`
//! and the test actor from `actors/skyr_actor_test3.wasm` or `skyr_actor_test4.wasm` (the
//! `skyr` binary knows both), by code CID; a hand-made module in the test actor's place is
//! carried in the vector.
use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{anyhow, Result};
use cid::Cid;
use serde_json::json;
use skyr_vectors::schema::to_b64;

use crate::corpus_nv16_17::{
    car_gz, messages_json, randomness_json, reachable, receipt_json, write_vectors,
};
use crate::genesis_official;
use crate::oracle_fvm3::ScenarioExterns;
use crate::proof_log::Answer;
use crate::run_nv18_28::{run_reference_with, Bundles, OfficialEngines};
use crate::scenario_nv18_28::{OfficialScenario, Reach};

/// The corpus sub-folder of the nv18–20 vectors.
pub const FOLDER: &str = "nv18-20";

/// The corpus sub-folder of the nv21–28 vectors.
pub const FOLDER4: &str = "nv21-28";

/// Why a scenario is not recorded, if it is not.
pub fn excluded(s: &OfficialScenario) -> Option<&'static str> {
    if s.expect_refusal {
        Some("the machines refuse it")
    } else if s.reach.iter().any(|r| matches!(r, Reach::Asked(..)))
        && s.messages.iter().any(|m| s.answer_for(m) != Answer::Valid)
    {
        Some("has proofs checked for real or refused (vector runs assume proofs valid)")
    } else if s
        .messages
        .iter()
        .skip_while(|m| m.implicit)
        .any(|m| m.implicit)
    {
        Some("has implicit messages after explicit ones (vectors apply explicit ones)")
    } else if s.messages.iter().all(|m| m.implicit) {
        Some("has only implicit messages (vectors apply explicit ones)")
    } else if s.messages.iter().any(|m| {
        m.message
            .params
            .bytes()
            .windows(10)
            .any(|w| w == b"tipset_cid")
    }) {
        Some("asks for tipset CIDs, which vectors do not record")
    } else {
        None
    }
}

/// The vector of a scenario, as JSON. Implicit messages at its start (the system actor
/// constructing built-in actors) are setup: the reference applies them to the genesis and
/// the state they leave is the vector's pre-state.
pub fn vector(
    engines: &OfficialEngines,
    bundles: &Bundles,
    s: &OfficialScenario,
) -> Result<serde_json::Value> {
    let g = genesis_official::build_for(s, bundles.for_nv(s.nv))?;
    let setup_len = s.messages.iter().take_while(|m| m.implicit).count();
    let (setup, rest) = s.messages.split_at(setup_len);
    let mut pre = g.root;
    if !setup.is_empty() {
        let mut first = s.clone();
        first.messages = setup.to_vec();
        let done = run_reference_with(engines, &first, g.store.clone(), pre, Default::default())?;
        if let Some(bad) = done.iter().position(|o| o.exit_code != 0) {
            return Err(anyhow!("setup message {bad} failed on the reference"));
        }
        pre = done.last().map_or(pre, |o| o.root);
    }
    let mut s = s.clone();
    s.epoch = rest.first().map_or(s.epoch, |m| s.epoch_of(m));
    s.messages = rest.to_vec();
    let s = &s;
    // A hand-made test module is no file a runner knows: the vector carries its code.
    let carried = s
        .test_wasm
        .as_deref()
        .filter(|w| *w != genesis_official::TEST_ACTOR && *w != genesis_official::TEST_ACTOR4)
        .map(skyr::bundle::code_cid);
    let skip: BTreeSet<Cid> = g
        .codes
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| Some(*c) != carried)
        .collect();
    let pre_blocks = reachable(&g.store, &[pre], &skip)?;
    let externs = ScenarioExterns::default();
    let log = externs.log.clone();
    let outcomes = run_reference_with(engines, s, g.store.clone(), pre, externs)?;
    let rules =
        skyr::rules::rules_for_number(s.nv).ok_or_else(|| anyhow!("nv{} has no rules", s.nv))?;
    let (range, oracle) = (&rules.versions, rules.reference);
    let family = if *range.start() >= 21 {
        "nv21-28"
    } else {
        "nv18-20"
    };
    let post = outcomes.last().map(|o| o.root).unwrap_or(pre);
    let gz = car_gz(pre, pre_blocks, reachable(&g.store, &[post], &skip)?)?;
    let mut messages = messages_json(s.messages.iter().map(|m| &m.message))?;
    // Each message's epoch as Lotus's conformance runner reads it: an offset from the epoch
    // of the message before.
    let mut epoch = s.epoch;
    for (json, m) in messages.iter_mut().zip(&s.messages) {
        let offset = s.epoch_of(m) - epoch;
        if offset != 0 {
            json["epoch_offset"] = json!(offset);
            epoch = s.epoch_of(m);
        }
    }
    let receipts: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let mut r = receipt_json(o.exit_code, &o.return_data, o.gas_used);
            if let Some(e) = o.events_root {
                r["events_root"] = json!({"/": e.to_string()});
            }
            r
        })
        .collect();
    let randomness = randomness_json(&log);
    let basefee: u64 = s
        .base_fee
        .atto()
        .try_into()
        .map_err(|_| anyhow!("base fee too large"))?;
    let mut preconditions = json!({
        "state_tree": {"root_cid": {"/": pre.to_string()}},
        "basefee": basefee,
        "variants": [{"id": format!("nv{}", s.nv), "epoch": s.epoch, "nv": s.nv}],
    });
    if family == "nv21-28" {
        // What both machines ran with, stated: runners differ (fvm 4's own assumes zero).
        // The nv18-20 vectors keep to what fvm 3 assumes.
        let circ = crate::oracle_fvm4::scenario_circ_supply(s.nv, s.epoch, pre);
        preconditions["circ_supply"] = json!(circ.atto().to_string());
    }
    Ok(json!({
        "class": "message",
        "_meta": {
            "id": s.name,
            "description": format!("Skyr {family} differential scenario; expectations fixed by the reference FVM ({oracle}); the official bundle's code comes from --bundles"),
            "gen": [{"source": "skyr-differential", "version": oracle}],
        },
        "car": to_b64(&gz),
        "preconditions": preconditions,
        "apply_messages": messages,
        "postconditions": {
            "state_tree": {"root_cid": {"/": post.to_string()}},
            "receipts": receipts,
        },
        "randomness": randomness,
    }))
}

/// Records every recordable scenario under `out` (a folder per family); returns how many
/// were written and why the others were left out.
pub fn write_all(
    engines: &OfficialEngines,
    bundles: &Bundles,
    scenarios: &[OfficialScenario],
    out: &Path,
) -> Result<(usize, Vec<String>)> {
    write_vectors(
        scenarios.iter().map(|s| (s.name.as_str(), excluded(s), s)),
        out,
        |s| vector(engines, bundles, s),
    )
}
