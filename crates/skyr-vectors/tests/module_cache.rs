//! The on-disk module cache: a warm run gives what a cold run gives, and an entry that is
//! corrupt, truncated or foreign is noticed, compiled again and replaced.
use std::path::{Path, PathBuf};

use skyr::engine::cache::{self, CacheCounts};
use skyr::{Engine, EngineOptions};
use skyr_vectors::{run_file_with, RunOptions, Status, VectorResult};

mod common;
use common::{bundles, root};

/// A fresh, empty cache folder for one test.
fn fresh_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("skyr-cache-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn engine(dir: &Path) -> Engine {
    Engine::with_options(EngineOptions {
        cache_dir: Some(dir.to_path_buf()),
        ..EngineOptions::default()
    })
    .expect("engine")
}

/// Vectors that run actor code on Skyr's own bundle and, with `official` and when the
/// official bundles are here, one on each generation's bundle (nv18–20, nv21–28).
fn vectors(official: bool) -> Vec<PathBuf> {
    let v = root().join("tests/vectors");
    let mut files = skyr_vectors::files::vector_files(&v.join("init-exec")).expect("corpus");
    if !official {
        return files;
    }
    if root().join("../shared/bundles").is_dir() {
        for sub in ["nv18-20", "nv21-28"] {
            let mut more = skyr_vectors::files::vector_files(&v.join(sub)).expect("corpus");
            more.sort();
            files.extend(more.into_iter().take(1));
        }
    } else {
        println!(
            "!! SKIPPED: the nv18–28 vectors of this test (the official bundles are not in ../shared)"
        );
    }
    files
}

/// Runs `f` on a thread with a big stack, as nested sends need.
fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("run")
}

/// Runs the vectors with a new engine on the cache `dir` (`None`: in memory only), compiling
/// as `compile` says; returns the results and what the cache did.
fn run_with(
    dir: Option<&Path>,
    files: &[PathBuf],
    compile: skyr::Compile,
) -> (Vec<VectorResult>, CacheCounts) {
    let (dir, files) = (dir.map(Path::to_path_buf), files.to_vec());
    on_big_stack(move || {
        let engine = match &dir {
            Some(d) => engine(d),
            None => Engine::new().expect("engine"),
        };
        let bundles = bundles();
        let options = RunOptions {
            compile,
            ..RunOptions::default()
        };
        let results: Vec<_> = files
            .iter()
            .map(|f| run_file_with(f, &bundles, &engine, options))
            .collect();
        for r in &results {
            assert_eq!(r.status, Status::Pass, "{}: {:?}", r.vector, r.reason);
        }
        let counts = engine.disk_cache().map(|d| d.counts()).unwrap_or_default();
        (results, counts)
    })
}

/// [`run_with`] on the cache `dir`, compiling every actor at start.
fn run(dir: &Path, files: &[PathBuf]) -> (Vec<VectorResult>, CacheCounts) {
    run_with(Some(dir), files, skyr::Compile::AtStart)
}

/// What a run found, without its timings.
fn outcomes(rs: &[VectorResult]) -> Vec<String> {
    rs.iter()
        .map(|r| format!("{} {:?} {:?} {}", r.vector, r.status, r.receipts, r.root_ok))
        .collect()
}

/// The entry files of the cache, sorted.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for build in std::fs::read_dir(dir.join("modules")).expect("modules folder") {
        for f in std::fs::read_dir(build.expect("build").path()).expect("build folder") {
            out.push(f.expect("entry").path());
        }
    }
    out.sort();
    out
}

#[test]
fn a_warm_cache_gives_the_receipts_and_roots_of_a_cold_one() {
    let dir = fresh_dir("warm");
    let files = vectors(true);
    let (cold, c) = run(&dir, &files);
    assert_eq!(c.hits, 0, "{c:?}");
    assert!(c.misses > 0, "{c:?}");
    assert_eq!(c.recovered + c.write_failures, 0, "{c:?}");
    let written = entries(&dir);
    assert_eq!(
        written.len() as u64,
        c.misses,
        "one entry per compiled module"
    );
    assert!(written
        .iter()
        .all(|p| p.extension().is_some_and(|x| x == "module")));

    let (warm, w) = run(&dir, &files);
    assert_eq!(
        w.misses + w.recovered,
        0,
        "nothing compiled when warm: {w:?}"
    );
    assert_eq!(w.hits, c.misses, "{w:?}");
    assert_eq!(outcomes(&cold), outcomes(&warm));
    let (memory_only, _) = run_with(None, &files, skyr::Compile::AtStart);
    assert_eq!(outcomes(&cold), outcomes(&memory_only));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Breaks one entry with `damage`, runs again, and checks the entry was replaced.
fn recovers_from(test: &str, damage: impl Fn(&Path, &[PathBuf])) {
    let dir = fresh_dir(test);
    let files = vectors(false);
    let (first, _) = run(&dir, &files);
    let before = entries(&dir);
    damage(&before[0], &before);
    let (again, c) = run(&dir, &files);
    assert_eq!(c.recovered, 1, "{test}: {c:?}");
    assert_eq!(c.misses, 0, "{test}: {c:?}");
    assert_eq!(c.hits as usize, before.len() - 1, "{test}: {c:?}");
    assert_eq!(outcomes(&first), outcomes(&again), "{test}");
    // The entry was written again: a third run loads everything.
    let (_, third) = run(&dir, &files);
    assert_eq!(third.hits as usize, before.len(), "{test}: {third:?}");
    assert_eq!(third.recovered + third.misses, 0, "{test}: {third:?}");
    assert_eq!(entries(&dir), before, "{test}: no leftovers, no strays");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_corrupt_entry_is_compiled_again() {
    recovers_from("corrupt", |entry, _| {
        let mut b = std::fs::read(entry).expect("entry");
        let mid = b.len() / 2;
        b[mid] ^= 0x40;
        std::fs::write(entry, b).expect("write");
    });
}

#[test]
fn a_truncated_entry_is_compiled_again() {
    recovers_from("truncated", |entry, _| {
        let b = std::fs::read(entry).expect("entry");
        std::fs::write(entry, &b[..b.len() / 3]).expect("write");
    });
}

#[test]
fn a_foreign_entry_is_compiled_again() {
    // Another module's entry under this module's name: whole and sound, but not this one.
    recovers_from("foreign", |entry, all| {
        std::fs::copy(&all[1], entry).expect("copy");
    });
}

#[test]
fn an_empty_entry_is_compiled_again() {
    recovers_from("empty", |entry, _| {
        std::fs::write(entry, b"").expect("write");
    });
}

#[test]
fn an_unwritable_cache_is_reported_and_the_run_goes_on() {
    // The cache folder is a file: nothing can be written under it.
    let dir = fresh_dir("unwritable");
    std::fs::write(&dir, b"not a folder").expect("write");
    let files = vectors(false);
    let (rs, c) = run(&dir, &files);
    assert!(rs.iter().all(|r| r.status == Status::Pass));
    assert!(
        c.write_failures > 0 && c.write_failures == c.misses,
        "{c:?}"
    );
    let _ = std::fs::remove_file(&dir);
}

#[test]
fn info_and_clear_count_and_remove_the_entries() {
    let dir = fresh_dir("clear");
    assert!(cache::folder_info(&dir).expect("info").is_empty());
    let files = vectors(false);
    let (_, c) = run(&dir, &files);
    // A leftover of an interrupted write, and a file that is not the cache's.
    let build = entries(&dir)[0].parent().expect("build").to_path_buf();
    std::fs::write(build.join(".x.module.1.2.tmp"), b"half").expect("write");
    std::fs::write(build.join("notes.txt"), b"mine").expect("write");
    let info = cache::folder_info(&dir).expect("info");
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].entries, c.misses);
    assert_eq!(info[0].leftovers, 1);
    assert!(info[0].bytes > 0);
    assert_eq!(cache::clear(&dir).expect("clear"), c.misses + 1);
    let info = cache::folder_info(&dir).expect("info");
    assert_eq!(info.iter().map(|b| b.entries + b.leftovers).sum::<u64>(), 0);
    assert!(
        build.join("notes.txt").exists(),
        "clear removes only the cache's own files"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compiling_on_first_use_compiles_only_what_runs_and_changes_no_receipt() {
    let files = vectors(false);
    let dir = fresh_dir("lazy");
    let (at_start, all) = run(&dir, &files);
    let _ = std::fs::remove_dir_all(&dir);
    let (lazy, some) = run_with(Some(&dir), &files, skyr::Compile::OnFirstUse);
    assert_eq!(outcomes(&at_start), outcomes(&lazy));
    // The init-exec vectors run init, accounts and the test actor, not the storage actors.
    assert!(
        some.misses > 0 && some.misses < all.misses,
        "on first use {some:?}, at start {all:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the vectors with a tiered engine on `dir`, then waits for the optimised builds and
/// runs them again on the same engine; gives both runs' results, the builds of the modules
/// at the end, and the counts of both builds' caches.
fn run_tiered(
    dir: &Path,
    files: &[PathBuf],
) -> (
    Vec<VectorResult>,
    Vec<VectorResult>,
    CacheCounts,
    CacheCounts,
) {
    let (dir, files) = (dir.to_path_buf(), files.to_vec());
    on_big_stack(move || {
        let engine = Engine::with_options(EngineOptions {
            cache_dir: Some(dir),
            tier: skyr::Tier::Tiered,
            ..EngineOptions::default()
        })
        .expect("engine");
        let bundles = bundles();
        let run = |engine: &Engine| -> Vec<VectorResult> {
            files
                .iter()
                .map(|f| run_file_with(f, &bundles, engine, RunOptions::default()))
                .collect()
        };
        let first = run(&engine);
        engine.settle();
        let second = run(&engine);
        let counts = |b| {
            engine
                .disk_cache_of(b)
                .map(|d| d.counts())
                .unwrap_or_default()
        };
        (
            first,
            second,
            counts(skyr::Build::Fast),
            counts(skyr::Build::Optimized),
        )
    })
}

#[test]
fn a_tiered_engine_moves_to_optimised_builds_and_no_receipt_changes() {
    let dir = fresh_dir("tiered");
    let files = vectors(true);
    let (fast_only, _) = run_with(None, &files, skyr::Compile::AtStart);
    // Cold: the fast builds run first, the optimised ones are compiled behind them and kept.
    let (first, second, fast, optimized) = run_tiered(&dir, &files);
    assert!(fast.misses > 0, "{fast:?}");
    assert_eq!(
        optimized.misses, fast.misses,
        "every module gets its optimised build"
    );
    assert_eq!(
        optimized.recovered + optimized.write_failures,
        0,
        "{optimized:?}"
    );
    assert_eq!(outcomes(&first), outcomes(&fast_only));
    assert_eq!(outcomes(&second), outcomes(&fast_only));
    // Warm: a new engine loads the optimised builds at once and compiles nothing.
    let (first, _, fast, optimized) = run_tiered(&dir, &files);
    assert_eq!(
        fast.hits + fast.misses,
        0,
        "no fast build is needed: {fast:?}"
    );
    assert_eq!(optimized.misses, 0, "{optimized:?}");
    assert!(optimized.hits > 0, "{optimized:?}");
    assert_eq!(outcomes(&first), outcomes(&fast_only));
    let _ = std::fs::remove_dir_all(&dir);
}
