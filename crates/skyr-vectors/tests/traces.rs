//! Traces: on every vector of the committed corpus (and of `../shared/vectors` when it is
//! beside the checkout), a traced run gives the receipts of an untraced one, every message's
//! charges add up to its receipt's gas used, and its call tree starts with the message's own
//! call and nests the sends it made.
use std::path::PathBuf;

use skyr::Engine;
use skyr_vectors::{run_file_with, BundleSet, GasReport, MessageTrace, RunOptions, Status};

mod common;
use common::{bundles, official_bundles, root};

/// What a traced run of some vectors found.
#[derive(Default)]
struct Seen {
    vectors: usize,
    messages: usize,
    nested: usize,
    deepest: usize,
    report: GasReport,
}

fn depth(call: &skyr::trace::CallNode) -> usize {
    1 + call.calls.iter().map(depth).max().unwrap_or(0)
}

fn check(t: &MessageTrace, vector: &str, seen: &mut Seen) {
    assert!(
        t.charges_add_up(),
        "{vector} message {}: charges add up to {} milligas, the receipt says {} gas",
        t.index,
        t.tree.gas_applied().as_milligas(),
        t.gas_used
    );
    // Outside the calls there is only the inclusion charge, the return value's under nv16–17
    // (fvm 2 charges it once the message's call returned), and Skyr's own entries that make
    // a trace add up where the receipt is not a sum of charges.
    let outside = [
        "OnChainMessage",
        "OnChainReturnValue",
        skyr::trace::FATAL_REST_OF_LIMIT,
        skyr::trace::FORGOTTEN_OUTSIDE_LIMIT,
    ];
    for c in &t.tree.charges {
        assert!(
            outside.contains(&c.name.as_str()),
            "{vector}: {} outside any call",
            c.name
        );
    }
    // A message that ran has its own call at the top; one refused before running has none
    // and used no gas.
    match &t.tree.root {
        Some(call) => {
            assert_eq!(
                (call.to, call.method),
                (t.to, t.method),
                "{vector}: top call"
            );
            let d = depth(call);
            seen.nested += usize::from(d > 1);
            seen.deepest = seen.deepest.max(d);
        }
        None => assert_eq!(t.gas_used, 0, "{vector}: gas used without a call"),
    }
    seen.report.add(t);
}

/// Runs `files` traced and untraced and checks each message.
fn run(files: &[PathBuf], bundles: &BundleSet, engine: &Engine) -> Seen {
    let mut seen = Seen::default();
    for f in files {
        let plain = run_file_with(f, bundles, engine, RunOptions::default());
        let options = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        let traced = run_file_with(f, bundles, engine, options);
        let name = f.display().to_string();
        assert_eq!(plain.status, traced.status, "{name}: {:?}", traced.reason);
        assert_eq!(plain.receipts, traced.receipts, "{name}: receipts differ");
        assert_eq!(plain.root_ok, traced.root_ok, "{name}");
        if traced.status == Status::Skip {
            continue;
        }
        assert_eq!(traced.status, Status::Pass, "{name}: {:?}", traced.reason);
        assert!(plain.traces.is_empty(), "{name}: traced without asking");
        assert_eq!(traced.traces.len(), traced.receipts.len(), "{name}");
        for (t, r) in traced.traces.iter().zip(&traced.receipts) {
            assert_eq!(u64::try_from(r.gas_used).ok(), Some(t.gas_used), "{name}");
            assert_eq!(t.exit_code, r.exit_code, "{name}");
            check(t, &name, &mut seen);
        }
        seen.vectors += 1;
        seen.messages += traced.traces.len();
    }
    seen
}

fn summary(what: &str, seen: &Seen) {
    println!(
        "{what}: {} vectors, {} messages traced, {} with nested calls, deepest {}",
        seen.vectors, seen.messages, seen.nested, seen.deepest
    );
}

#[test]
fn corpus_traces_add_up() {
    let (bundles, official) = (bundles(), official_bundles());
    let engine = Engine::new().expect("engine");
    let files = skyr_vectors::files::vector_files(&root().join("tests/vectors")).expect("corpus");
    let seen = run(&files, &bundles, &engine);
    summary("corpus", &seen);
    let least = if official { 2_926 } else { 854 };
    assert!(seen.vectors >= least, "only {} vectors ran", seen.vectors);
    assert!(
        seen.nested > 0 && seen.deepest >= 3,
        "no nested sends traced"
    );
    // The report's tables each count every charge once.
    let r = &seen.report;
    let by_actor: i128 = r.by_actor.values().map(|(g, _)| g).sum();
    let by_method: i128 = r.by_method.values().map(|(g, _)| g).sum();
    let message: i128 = r.by_actor.get("message").map_or(0, |(g, _)| *g);
    assert_eq!(by_actor, r.total());
    assert_eq!(by_method + message, r.total());
    assert!(r.by_charge.contains_key("OnChainMessage"));
    assert!(r.by_charge.contains_key("wasm_exec"));
    if !official {
        println!("!! SKIPPED: the corpus's nv18–28 vectors (../shared/bundles is not here)");
    }
}

#[test]
fn mainnet_traces_add_up() {
    let shared = root().join("../shared/vectors");
    let (bundles, official) = (bundles(), official_bundles());
    if !shared.is_dir() || !official {
        println!("!! SKIPPED: ../shared/vectors and ../shared/bundles are not beside the checkout");
        return;
    }
    let engine = Engine::new().expect("engine");
    let files = skyr_vectors::files::vector_files(&shared).expect("vectors");
    let seen = run(&files, &bundles, &engine);
    summary("mainnet", &seen);
    assert_eq!(seen.vectors, files.len(), "every mainnet vector runs");
    assert!(seen.nested > 0, "no nested sends traced");
    let text = seen.report.to_text();
    for name in ["storageminer", "OnBlockRead", "wasm_exec", "by method"] {
        assert!(text.contains(name), "the report lacks {name}:\n{text}");
    }
}
