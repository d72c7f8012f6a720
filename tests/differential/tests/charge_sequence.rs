//! Skyr's traces against the references' own: every send, every gas charge (name, compute
//! and other parts in milligas) and every return, in the order each machine recorded them,
//! message by message — fvm 2.12.2 for nv16–17, 3.14.2 for nv18–20, 4.8.4 for nv21–28, each
//! with its execution trace enabled through the machine context.
//!
//! Run on a sample of the committed corpus (every vector whose index is a multiple of
//! `STRIDE`, across every network version) and on every official mainnet vector in
//! `../shared/vectors` when it is beside the checkout.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skyr::Engine;
use skyr_differential::vector_ref::{self, trace_tokens, RefEngines};
use skyr_vectors::{run_text_with, BundleSet, RunOptions, Status};

/// One corpus vector in this many is compared (the whole corpus runs in the other suites).
const STRIDE: usize = 4;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bundles(official: bool) -> BundleSet {
    let mut b = BundleSet::default();
    let read = |p: &str| std::fs::read(repo().join(p)).expect(p);
    b.add(
        PathBuf::from("actors/bundle.car"),
        read("actors/bundle.car"),
    )
    .expect("own bundle");
    b.add_code(read("actors/skyr_actor_test3.wasm"));
    b.add_code(read("actors/skyr_actor_test4.wasm"));
    if official {
        b.add_dir(&repo().join("../shared/bundles"))
            .expect("official bundles");
    }
    b
}

/// What the comparison covered.
#[derive(Default, Debug)]
struct Compared {
    vectors: usize,
    messages: usize,
    charges: usize,
    calls: usize,
    /// Vectors by network version.
    by_nv: BTreeMap<u32, usize>,
}

fn compare(files: &[PathBuf], bundles: &BundleSet, seen: &mut Compared) {
    let engine = Engine::new().expect("engine");
    let mut engines = RefEngines::default();
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(f).expect("vector");
        let skyr = run_text_with(&name, &text, bundles, &engine, options);
        if skyr.status == Status::Skip {
            continue;
        }
        assert_eq!(skyr.status, Status::Pass, "{name}: {:?}", skyr.reason);
        let Some(reference) = vector_ref::run_traced(&mut engines, &text, bundles)
            .unwrap_or_else(|e| panic!("{name}: the reference: {e:#}"))
        else {
            continue;
        };
        if !reference.reproduced {
            // fvm 4 verifies proofs for real; a vector it cannot reproduce says nothing here.
            eprintln!(
                "{name}: the reference does not reproduce it ({:?}); not compared",
                reference.difference
            );
            continue;
        }
        assert_eq!(
            skyr.traces.len(),
            reference.traces.len(),
            "{name}: messages"
        );
        for (t, theirs) in skyr.traces.iter().zip(&reference.traces) {
            let ours = compared(trace_tokens(&t.events));
            let theirs = &compared(theirs.clone());
            if let Some(at) =
                (0..ours.len().max(theirs.len())).find(|&k| ours.get(k) != theirs.get(k))
            {
                let window =
                    |v: &[String]| v[at.saturating_sub(3)..(at + 3).min(v.len())].join(" | ");
                panic!(
                    "{name} message {}: the traces part at event {at} of {} (Skyr) / {} (reference)\n  skyr:      {}\n  reference: {}",
                    t.index,
                    ours.len(),
                    theirs.len(),
                    window(&ours),
                    window(theirs)
                );
            }
            seen.messages += 1;
            seen.charges += ours
                .iter()
                .filter(|x| !x.starts_with("call ") && !x.starts_with("return ") && *x != "error")
                .count();
            seen.calls += ours.iter().filter(|x| x.starts_with("call ")).count();
        }
        seen.vectors += 1;
        let nv = skyr_vectors::Vector::from_json(&text)
            .ok()
            .and_then(|v| v.preconditions.variants.first().map(|x| x.nv))
            .unwrap_or(0);
        *seen.by_nv.entry(nv).or_default() += 1;
    }
}

/// The tokens compared: all but fvm 3's and 4's zero `OnResolveAddress` charges for an
/// address a message resolves for the first time (Skyr does not track which addresses a
/// message resolved; the charge costs nothing, so no receipt depends on it).
fn compared(tokens: Vec<String>) -> Vec<String> {
    tokens
        .into_iter()
        .filter(|t| t != "OnResolveAddress 0 0")
        .collect()
}

fn shared() -> Option<PathBuf> {
    let s = repo().join("../shared");
    (s.join("vectors").is_dir() && s.join("bundles").is_dir()).then_some(s)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    skyr_vectors::files::vector_files(dir).expect("vector files")
}

#[test]
fn skyr_records_the_references_sends_and_charges_in_their_order() {
    // Nested sends re-enter WASM on one thread: the stack `skyr vectors run` gives.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(compare_all)
        .expect("a thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn compare_all() {
    let official = shared().is_some();
    let corpus: Vec<PathBuf> = files(&repo().join("tests/vectors"))
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % STRIDE == 0)
        .map(|(_, f)| f)
        .collect();
    let mut seen = Compared::default();
    compare(&corpus, &bundles(official), &mut seen);
    eprintln!("corpus sample: {seen:?}");
    assert!(
        seen.vectors >= 200,
        "compared only {} corpus vectors",
        seen.vectors
    );
    if official {
        assert!(
            seen.by_nv.keys().any(|nv| *nv >= 21),
            "no nv21+ vector compared: {seen:?}"
        );
        assert!(
            seen.by_nv.keys().any(|nv| (18..=20).contains(nv)),
            "no nv18-20 vector: {seen:?}"
        );
    }
    assert!(seen.charges > seen.messages, "{seen:?}");

    match shared() {
        Some(s) => {
            let mut mainnet = Compared::default();
            compare(&files(&s.join("vectors")), &bundles(true), &mut mainnet);
            eprintln!("mainnet: {mainnet:?}");
            assert_eq!(mainnet.vectors, 283, "{mainnet:?}");
        }
        None => eprintln!(
            "!! SKIPPED: the official mainnet vectors (../shared is not beside the checkout); \
             only the corpus sample was compared"
        ),
    }
}
