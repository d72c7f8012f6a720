//! The same vectors give the same receipts, traces and roots whatever runs them: one job or
//! several, no module cache, a cold cache or a warm one, actors compiled at start or on first
//! use, each run its own process (so a restart changes nothing either).
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{command, finished, root};

/// Folders of the committed corpus spanning the machine's generations: nv16–17 always,
/// nv18–28 when the official bundles are beside the checkout.
fn inputs() -> Vec<String> {
    // Plain messages, account and placeholder creation, and the FEVM: every kind of
    // executor path, with traces of a size a test can compare (the limits' deep nestings
    // trace to gigabytes).
    let mut args = vec!["tests/vectors/messages".to_string()];
    let bundles = root().join("../shared/bundles");
    if bundles.is_dir() {
        args.push("--bundles".into());
        args.push(bundles.to_string_lossy().into_owned());
        args.push("tests/vectors/nv18-20/messages".into());
        args.push("tests/vectors/nv18-20/fevm".into());
        args.push("tests/vectors/nv21-28/messages".into());
    } else {
        eprintln!("!! SKIPPED nv18-28: the official bundles are not in ../shared/bundles");
    }
    args
}

/// One run's per-vector results (without their timings), sorted by vector, and every trace
/// file it wrote, by name.
struct Run {
    results: Vec<serde_json::Value>,
    traces: BTreeMap<String, Vec<u8>>,
}

fn run(label: &str, global: &[&str], extra: &[&str]) -> Run {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("determinism-{}-{label}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let traces = base.join("traces");
    let t = traces.to_string_lossy().into_owned();
    let inputs = inputs();
    let mut args: Vec<&str> = global.to_vec();
    args.extend(["vectors", "run", "--json", "--trace", t.as_str()]);
    args.extend(extra);
    args.extend(inputs.iter().map(String::as_str));
    let (code, stdout, stderr) = finished(command(&args).output().expect("skyr runs"));
    assert_eq!(code, 0, "{label}: {stderr}");
    let mut results: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("vector").is_some())
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("setup_ms");
                o.remove("exec_ms");
            }
            v
        })
        .collect();
    results.sort_by(|a, b| a["vector"].as_str().cmp(&b["vector"].as_str()));
    for r in &results {
        assert_eq!(r["status"], "pass", "{label}: {r}");
    }
    let traces = read_dir(&traces);
    let _ = std::fs::remove_dir_all(&base);
    Run { results, traces }
}

fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("the trace folder exists") {
        let p = e.expect("entry").path();
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        out.insert(name, std::fs::read(&p).expect("read"));
    }
    out
}

#[test]
fn receipts_traces_and_roots_do_not_depend_on_jobs_caches_or_restarts() {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("determinism-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let c = cache.to_string_lossy().into_owned();
    let reference = run("one-job-no-cache", &["--no-cache"], &["--jobs", "1"]);
    assert!(
        reference.results.len() > 300,
        "{} vectors",
        reference.results.len()
    );
    assert!(
        reference.traces.keys().any(|k| k.ends_with(".json"))
            && reference.traces.keys().any(|k| k.ends_with(".svg")),
        "traces were written"
    );
    println!(
        "{} vectors, {} trace files ({} bytes), compared across four runs",
        reference.results.len(),
        reference.traces.len(),
        reference.traces.values().map(Vec::len).sum::<usize>()
    );
    let runs = [
        run("four-jobs-cold", &["--cache-dir", &c], &["--jobs", "4"]),
        run("four-jobs-warm", &["--cache-dir", &c], &["--jobs", "4"]),
        run(
            "two-jobs-at-start",
            &["--cache-dir", &c],
            &["--jobs", "2", "--compile", "at-start"],
        ),
    ];
    for (label, r) in [
        "four jobs, cold cache",
        "four jobs, warm cache",
        "two jobs, at start",
    ]
    .iter()
    .zip(&runs)
    {
        assert_eq!(r.results, reference.results, "{label}: the results differ");
        assert_eq!(
            r.traces.keys().collect::<Vec<_>>(),
            reference.traces.keys().collect::<Vec<_>>(),
            "{label}: the trace files differ"
        );
        for (name, bytes) in &reference.traces {
            assert!(r.traces[name] == *bytes, "{label}: {name} differs");
        }
    }
    let _ = std::fs::remove_dir_all(&cache);
}
