//! The `skyr` binary as a user runs it.
use std::path::PathBuf;

mod common;
use common::{command, finished, skyr};

/// How many of the committed vectors are nv18–20 ones (they need the official bundles).
/// Vectors of the corpus that run on the official bundles (nv18–20 and nv21–28).
fn official_bundle_vectors() -> u64 {
    ["nv18-20", "nv21-28"]
        .iter()
        .map(|folder| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/vectors")
                .join(folder);
            skyr_vectors::files::vector_files(&root).map_or(0, |f| f.len() as u64)
        })
        .sum()
}

#[test]
fn the_committed_corpus_passes_through_skyr_vectors_run() {
    // With the official bundles beside the checkout every vector runs; without them the
    // nv18-28 ones are skipped (and the nv16-17 ones, on the embedded bundle, must pass).
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bundles");
    let shared = shared
        .is_dir()
        .then(|| shared.to_string_lossy().into_owned());
    let mut args = vec!["vectors", "run", "--json"];
    if let Some(dir) = &shared {
        args.extend(["--bundles", dir.as_str()]);
    } else {
        eprintln!("the official bundles are not in ../shared: the nv18-28 vectors must be skipped");
    }
    args.push("tests/vectors");
    let (code, stdout, stderr) = skyr(&args);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let summary: serde_json::Value =
        serde_json::from_str(lines.last().expect("a summary line")).expect("JSON");
    let s = &summary["summary"];
    println!(
        "skyr vectors run --json tests/vectors: {}",
        lines.last().unwrap_or(&"")
    );
    let total = s["total"].as_u64().unwrap_or(0);
    assert!(total > 100);
    let skipped = if shared.is_some() {
        0
    } else {
        official_bundle_vectors()
    };
    assert!(
        official_bundle_vectors() > 1000,
        "the nv18-28 vectors are missing"
    );
    assert_eq!(s["skip"].as_u64(), Some(skipped));
    assert_eq!(s["pass"].as_u64(), Some(total - skipped));
    assert_eq!(s["fail"].as_u64(), Some(0));
    assert_eq!(s["error"].as_u64(), Some(0));
    assert_eq!(
        lines.len() as u64 - 1,
        s["total"].as_u64().unwrap_or(0),
        "one line per vector"
    );
    // A panic the machine contains on purpose (as the reference contains it) prints
    // nothing: the corpus probes compute_unsealed_sector_cid with pieces whose padding has
    // no zero commitment, which once panicked inside fvm_shared and printed a backtrace.
    let unsealed = lines
        .iter()
        .filter(|l| l.contains("unsealed-sector-cid") && l.contains("\"status\":\"pass\""))
        .count();
    println!("unsealed-sector-cid vectors passed: {unsealed}");
    assert!(
        unsealed >= 10,
        "the unsealed-sector-cid vectors did not run"
    );
    assert!(
        !stderr.contains("panicked"),
        "a contained panic reached the terminal:\n{stderr}"
    );
    let first: serde_json::Value = serde_json::from_str(lines[0]).expect("JSON");
    for key in [
        "vector", "status", "reason", "receipts", "root_ok", "setup_ms", "exec_ms",
    ] {
        assert!(first.get(key).is_some(), "per-vector line lacks {key}");
    }
    // Exit codes carry their names beside their numbers.
    let receipt = &first["receipts"][0];
    assert!(receipt["exit_code"].is_u64(), "{first}");
    assert_eq!(
        receipt["exit_code_name"].as_str(),
        skyr::exit_names::exit_code_name(receipt["exit_code"].as_u64().unwrap_or(99) as u32),
        "{receipt}"
    );
    assert!(
        receipt.get("expected_exit_code_name").is_some(),
        "{receipt}"
    );
}

#[test]
fn garbage_is_an_error_line_and_a_failing_status() {
    let dir = std::env::temp_dir().join(format!("skyr-cli-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("a.json"), "not json").expect("write");
    std::fs::write(dir.join("b.json"), r#"{"class":"message"}"#).expect("write");
    let (code, stdout, _) = skyr(&["vectors", "run", "--json", dir.to_str().expect("utf8")]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["status"], "error");
    assert!(lines[1]["reason"].as_str().unwrap_or("").contains("car"));
    assert_eq!(lines[2]["summary"]["error"].as_u64(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn show_decodes_a_vector() {
    let (code, stdout, stderr) = skyr(&[
        "vectors",
        "show",
        "tests/vectors/messages/transfer-1-fil-from-secp-to-test-actor.json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("message 0:"), "{stdout}");
    assert!(stdout.contains("to f01000"), "{stdout}");
    assert!(stdout.contains("expect exit 0 (OK)"), "{stdout}");
    assert!(stdout.contains("value 1 FIL"), "{stdout}");
}

#[test]
fn bundle_show_lists_the_manifest() {
    let (code, stdout, stderr) = skyr(&["bundle", "show", "actors/bundle.car"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("skyrtest"));
    assert_eq!(stdout.lines().count(), 14);
    let (code, _, stderr) = skyr(&["bundle", "show", "README.md"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("CAR"), "{stderr}");
}

/// `bundle pack` refuses what is not WASM and an output it cannot write, naming the file,
/// and leaves nothing behind (no CAR, no temporary file); what it does write, `bundle show`
/// reads back.
#[test]
fn bundle_pack_refuses_bad_actors_and_leaves_nothing_half_written() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("skyr-cli-pack-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    let out = dir.join("b.car");
    let o = out.to_string_lossy().into_owned();
    // One module under the three names a bundle must hold (pack tags each copy).
    let w = "actors/skyr_actor_test4.wasm";
    let actors = [
        format!("account={w}"),
        format!("system={w}"),
        format!("init={w}"),
    ];
    let actors: Vec<&str> = actors.iter().map(String::as_str).collect();
    // A file where the output's folder should be.
    std::fs::write(dir.join("a-file"), b"").expect("a file");
    let under_a_file = dir.join("a-file/b.car").to_string_lossy().into_owned();
    let pack = |out: &str, extra: &[&str]| {
        let mut args = vec!["bundle", "pack", "--out", out];
        args.extend(extra);
        args.extend(&actors);
        skyr(&args)
    };
    for (out, extra, says) in [
        (&o, &["x=Cargo.toml"][..], "Cargo.toml is not a WASM module"),
        (&o, &["x=no-such.wasm"], "no-such.wasm"),
        (&o, &["no-equals-sign"], "expected NAME=PATH"),
        (&o, &["=actors/skyr_actor_test4.wasm"], "empty actor name"),
        (&under_a_file, &[], "a-file/b.car"),
    ] {
        let (code, _, err) = pack(out, extra);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: wanted `{says}` in {err}");
    }
    let (code, _, err) = skyr(&["bundle", "pack", "--out", &o, &format!("test={w}")]);
    assert_eq!(code, 2);
    assert!(err.contains("no `account` actor"), "{err}");
    let names = || {
        let mut n: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(), ["a-file"], "a refused pack left files behind");
    let (code, _, err) = pack(&o, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, stdout, err) = skyr(&["bundle", "show", &o]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("  1  account "), "{stdout}");
    assert!(stdout.contains("  3  init "), "{stdout}");
    assert_eq!(names(), ["a-file", "b.car"]);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn filter_is_a_regular_expression() {
    let (code, stdout, stderr) = skyr(&[
        "vectors",
        "run",
        "--json",
        "--filter",
        "/ipld/ipld-(stat|read)-handle-[09]\\.json$",
        "tests/vectors",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("JSON");
    assert_eq!(summary["summary"]["total"].as_u64(), Some(2), "{stdout}");
    let (code, _, stderr) = skyr(&["vectors", "run", "--filter", "(", "tests/vectors"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a regular expression"), "{stderr}");
}

#[test]
fn real_mainnet_vectors_pass_without_code_and_are_skipped_without_it() {
    let summary = |args: &[&str]| {
        let (code, stdout, stderr) = skyr(args);
        assert_eq!(code, 0, "{stderr}");
        let last = stdout.lines().last().unwrap_or("").to_string();
        println!("skyr {}: {last}", args.join(" "));
        let v: serde_json::Value = serde_json::from_str(&last).expect("a JSON summary");
        v["summary"].clone()
    };
    let s = summary(&[
        "vectors",
        "run",
        "--json",
        "--without-code",
        "tests/mainnet",
    ]);
    assert_eq!(
        (s["total"].as_u64(), s["pass"].as_u64()),
        (Some(3), Some(3))
    );
    let s = summary(&["vectors", "run", "--json", "tests/mainnet"]);
    assert_eq!(
        (s["total"].as_u64(), s["skip"].as_u64()),
        (Some(3), Some(3))
    );
    // On a terminal the reason is said once, with the count and the bundle to fetch.
    let (code, stdout, stderr) = skyr(&["vectors", "run", "tests/mainnet"]);
    assert_eq!(code, 0, "{stderr}");
    let once = "skipped     3 × needs bundle bafy2bzaceb6j6666h36xnhksu3ww4kxb6e25niayfgkdnifaqi6m6ooc66i6i";
    assert!(stdout.contains(once), "{stdout}");
}

#[test]
fn bundles_may_name_a_car_file_and_a_bad_one_is_refused_by_name() {
    let args = [
        "vectors",
        "run",
        "--json",
        "--bundles",
        "actors/bundle.car",
        "--filter",
        "account-method-1.json",
        "tests/vectors",
    ];
    let (code, stdout, stderr) = skyr(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"pass\":1"), "{stdout}");
    let (code, _, stderr) = skyr(&["vectors", "run", "--bundles", "Cargo.toml", "tests/mainnet"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("Cargo.toml") && stderr.contains("CAR"),
        "{stderr}"
    );
}

#[test]
fn two_processes_filling_one_cache_at_once_both_succeed() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("skyr-cli-cache-race-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_string_lossy().into_owned();
    let run = [
        "--cache-dir",
        d.as_str(),
        "vectors",
        "run",
        "tests/vectors/init-exec",
    ];
    let spawn = || {
        command(&run)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("skyr starts")
    };
    let (a, b) = (spawn(), spawn());
    for (code, stdout, stderr) in [a, b].map(|c| finished(c.wait_with_output().expect("wait"))) {
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("4 passed"), "{stdout}");
        assert!(stderr.contains("module cache"), "{stderr}");
        assert!(
            !stderr.contains("unusable") && !stderr.contains("could not"),
            "{stderr}"
        );
    }
    // Whoever renamed last, the entries are whole: a third run compiles nothing.
    let (code, stdout, stderr) = skyr(&run);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains(" 0 compiled"), "{stderr}");
    let (code, info, _) = skyr(&["--cache-dir", &d, "cache", "info"]);
    assert_eq!(code, 0);
    assert!(info.contains("(this build, fast):"), "{info}");
    assert!(
        !info.contains("leftover"),
        "no temporary file is left: {info}"
    );
    let (code, cleared, _) = skyr(&["--cache-dir", &d, "cache", "clear"]);
    assert_eq!(code, 0);
    assert!(cleared.contains("removed"), "{cleared}");
    let (_, info, _) = skyr(&["--cache-dir", &d, "cache", "info"]);
    assert!(info.contains("empty"), "{info}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_cache_compiles_in_memory_and_has_no_folder_to_show() {
    let (code, stdout, stderr) = skyr(&["--no-cache", "vectors", "run", "tests/vectors/init-exec"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("module cache"), "{stderr}");
    let (code, _, stderr) = skyr(&["--no-cache", "cache", "info"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--no-cache"), "{stderr}");
    let (code, _, stderr) = skyr(&["--no-cache", "--cache-dir", "x", "cache", "info"]);
    assert_eq!(code, 2, "the two conflict: {stderr}");
}

#[test]
fn cache_warm_compiles_both_builds_once_and_runs_use_them() {
    let v18 = common::root().join("../shared/bundles/v18/builtin-actors-mainnet.car");
    if !v18.is_file() {
        eprintln!("!! SKIPPED: cache warm (no official v18 bundle in ../shared)");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cache-warm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (d, b) = (
        dir.to_string_lossy().into_owned(),
        v18.to_string_lossy().into_owned(),
    );
    let warm = [
        "--cache-dir",
        d.as_str(),
        "cache",
        "warm",
        "--bundles",
        b.as_str(),
    ];
    let (code, out, err) = skyr(&warm);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("actors for nv28"), "{out}");
    let compiled = |out: &str, build: &str| -> u64 {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{build} build:")))
            .unwrap_or_else(|| panic!("no {build} line: {out}"));
        line.split_whitespace()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .expect("a count")
    };
    let (fast, optimized) = (compiled(&out, "fast"), compiled(&out, "optimized"));
    assert!(fast > 10, "{out}");
    assert_eq!(optimized, fast, "{out}");
    // Again: everything is cached.
    let (code, out, err) = skyr(&warm);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        compiled(&out, "fast") + compiled(&out, "optimized"),
        0,
        "{out}"
    );
    let (code, info, _) = skyr(&["--cache-dir", &d, "cache", "info"]);
    assert_eq!(code, 0);
    assert!(
        info.contains("(this build, fast)") && info.contains("(this build, optimized)"),
        "{info}"
    );
    // A file that is not a bundle is refused by name.
    let (code, _, err) = skyr(&[
        "--cache-dir",
        &d,
        "cache",
        "warm",
        "--bundles",
        "Cargo.toml",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("Cargo.toml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
