//! Skyr and the reference on the same folders of vectors, side by side: setup (cold and warm
//! module cache), execution, gas per nanosecond and peak memory, as medians of whole
//! processes, with Skyr's ratio to the reference.
//!
//! Each measurement is a child process of this binary running one machine over one workload
//! with one job, so peak memory is that machine's alone. Times are reported, never asserted.
//!
//! ```text
//! bench-vectors                 the reduced set (CI): one run of each, the nv17 mainnet
//!                               vectors when ../shared is present, else the committed nv16–17
//!                               messages
//! bench-vectors --full          every workload, three runs each (release build:
//!                               cargo run --release -p skyr-differential --bin bench-vectors -- --full)
//! bench-vectors --transfers     the transfer workloads alone (states of 10k, 100k, 1M)
//! bench-vectors --evm           the EVM-heavy workloads alone, one per contract function and
//!                               network version (nv21, nv28)
//! bench-vectors [--runs N] NAME=PATH[:REGEX] ...   workloads of your own
//! ```
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use skyr::{Engine, EngineOptions, Tier};
use skyr_differential::vector_ref::{self, RefEngines};
use skyr_vectors::{run_text_with, BundleSet, RunOptions, Status};

/// What one child measured.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
struct Measured {
    /// Vectors given.
    vectors: usize,
    /// Vectors run (the others lacked their bundle).
    ran: usize,
    /// Runs whose receipts and root equal the vector's.
    reproduced: usize,
    /// Messages applied.
    messages: usize,
    setup_ms: f64,
    exec_ms: f64,
    /// Gas used by every message run.
    gas: u64,
    /// Peak resident memory of the process (VmHWM).
    peak_mb: f64,
    /// From the child's start to its report.
    wall_ms: f64,
    /// Modules compiled and loaded from the disk cache (Skyr only).
    compiled: u64,
    loaded: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Config {
    Reference,
    SkyrCold,
    SkyrWarm,
    /// A warm run with every message traced (calls, charges, events): against `SkyrWarm`,
    /// what tracing costs.
    SkyrTraced,
    /// A warm run of the optimised tier (cranelift's `OptLevel::Speed`): against `SkyrWarm`,
    /// what optimised code gains.
    SkyrOptimized,
}

impl Config {
    fn label(self) -> &'static str {
        match self {
            Config::Reference => "reference",
            Config::SkyrCold => "skyr, cold cache",
            Config::SkyrWarm => "skyr, warm cache",
            Config::SkyrTraced => "skyr, warm, traced",
            Config::SkyrOptimized => "skyr, warm, optimized",
        }
    }

    /// When Skyr compiles: a cold run compiles only what runs; a warm run loads every
    /// module before the first message, so its execution time holds no loading.
    fn compile(self) -> &'static str {
        match self {
            Config::SkyrCold => "on-first-use",
            _ => "at-start",
        }
    }
}

/// A named set of vectors: a folder or file, and an optional path filter.
#[derive(Clone, Debug)]
struct Workload {
    name: String,
    path: PathBuf,
    filter: Option<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-vectors: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let mut runs = None;
    let mut full = false;
    let mut transfers = false;
    let mut evm = false;
    let mut workloads = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--full" => full = true,
            "--transfers" => transfers = true,
            "--evm" => evm = true,
            "--runs" => {
                let n = it.next().ok_or_else(|| anyhow!("--runs needs a number"))?;
                runs = Some(n.parse::<usize>().with_context(|| format!("--runs {n}"))?);
            }
            "-h" | "--help" => {
                println!("{}", HELP.trim());
                return Ok(());
            }
            w if w.contains('=') && !w.starts_with('-') => workloads.push(parse_workload(w)?),
            other => bail!("unknown argument `{other}` (see --help)"),
        }
    }
    if transfers && !full {
        workloads.extend(transfer_set()?);
    }
    if evm && !full {
        workloads.extend(evm_set(true)?);
    }
    if workloads.is_empty() {
        // --full holds the transfers too.
        workloads = if full { full_set()? } else { reduced_set()? };
    }
    let runs = runs.unwrap_or(if full { 3 } else { 1 }).max(1);
    println!(
        "bench-vectors: {} workloads, {runs} runs of each machine, one job ({} build)",
        workloads.len(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    for w in &workloads {
        bench(w, runs)?;
    }
    Ok(())
}

const HELP: &str = "
bench-vectors [--full] [--transfers] [--evm] [--runs N] [NAME=PATH[:REGEX] ...]
  Runs each workload on the reference and on Skyr (cold and warm module cache), each in a
  child process with one job, N times (1, or 3 with --full), and prints medians and ratios.
  Without workloads: the reduced set, or with --full every workload. --transfers adds the
  transfer workloads (states of 10,000, 100,000 and 1,000,000 accounts; --full has them);
  --evm the EVM-heavy workloads, one per contract function and network version (--full has
  them; the reduced set has them at nv28 together, when ../shared holds the bundles).";

fn parse_workload(w: &str) -> Result<Workload> {
    let (name, rest) = w
        .split_once('=')
        .ok_or_else(|| anyhow!("workload `{w}`: expected NAME=PATH[:REGEX]"))?;
    let (path, filter) = match rest.split_once(':') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (rest, None),
    };
    Ok(Workload {
        name: name.into(),
        path: PathBuf::from(path),
        filter,
    })
}

fn shared() -> PathBuf {
    skyr_differential::shared_data()
}

fn reduced_set() -> Result<Vec<Workload>> {
    let nv17 = shared().join("vectors/0001-shark-01");
    if nv17.is_dir() {
        let mut out = vec![Workload {
            name: "nv17 mainnet vectors (188)".into(),
            path: nv17,
            filter: None,
        }];
        out.extend(evm_set(false)?);
        return Ok(out);
    }
    println!(
        "!! ../shared/vectors is not here: the reduced set is the committed nv16–17 messages \
         (no mainnet vectors, no EVM-heavy workload)"
    );
    Ok(vec![Workload {
        name: "committed nv16–17 messages".into(),
        path: repo().join("tests/vectors/messages"),
        filter: None,
    }])
}

fn full_set() -> Result<Vec<Workload>> {
    let v = repo().join("tests/vectors");
    let mut out = Vec::new();
    for (name, sub) in [
        ("nv17 mainnet vectors", "0001-shark-01"),
        ("nv18 mainnet vectors", "0002-hygge-01-dev"),
    ] {
        let p = shared().join("vectors").join(sub);
        if p.is_dir() {
            out.push(Workload {
                name: name.into(),
                path: p,
                filter: None,
            });
        } else {
            println!("!! SKIPPED: {name} ({} is not here)", p.display());
        }
    }
    out.push(Workload {
        name: "committed corpus (nv16–28)".into(),
        path: v.clone(),
        filter: None,
    });
    out.push(Workload {
        name: "invoke-heavy (nested sends, recursion)".into(),
        path: v.join("limits"),
        filter: Some("nested-sends|recurse".into()),
    });
    out.push(Workload {
        name: "IPLD-heavy (blocks)".into(),
        path: v.join("ipld"),
        filter: None,
    });
    out.extend(transfer_set()?);
    out.extend(evm_set(true)?);
    Ok(out)
}

/// The EVM-heavy workloads (`skyr_differential::evm_heavy`, generated once into `target/tmp`,
/// expectations by fvm 4.8.4): one per contract function and network version, or
/// (`per_function` false) the nv28 ones together. Empty, saying so, without the official
/// bundles.
fn evm_set(per_function: bool) -> Result<Vec<Workload>> {
    use skyr_differential::evm_heavy::{
        vector_file, Workload as Heavy, CALLS, GENERATION, VERSIONS,
    };
    let dir = repo().join("target/tmp/bench-evm");
    if !shared().join("bundles/v18").is_dir() {
        println!("!! SKIPPED: the EVM-heavy workloads (no official bundles in ../shared)");
        return Ok(Vec::new());
    }
    let versions: &[u32] = if per_function { &VERSIONS } else { &[28] };
    let mut out = Vec::new();
    for &nv in versions {
        for w in Heavy::ALL {
            let started = Instant::now();
            let path = vector_file(&dir, w, nv)?;
            if per_function {
                println!(
                    "EVM-heavy {} at nv{nv}: {} ({:.1} s)",
                    w.name(),
                    path.display(),
                    started.elapsed().as_secs_f64()
                );
                out.push(Workload {
                    name: format!("EVM-heavy: {}, nv{nv} ({CALLS} calls)", w.name()),
                    path,
                    filter: None,
                });
            }
        }
    }
    if !per_function {
        out.push(Workload {
            name: format!("EVM-heavy: every function at nv28 ({CALLS} calls each)"),
            path: dir,
            filter: Some(format!("-nv28-g{GENERATION}.json")),
        });
    }
    Ok(out)
}

/// Transfers per state size: the same number of plain transfers on states of 10,000,
/// 100,000 and 1,000,000 accounts (generated once into `target/tmp`, expectations by the
/// reference).
fn transfer_set() -> Result<Vec<Workload>> {
    let dir = repo().join("target/tmp/bench-transfers");
    let bundles = bundles()?;
    let mut out = Vec::new();
    for n in [10_000u64, 100_000, 1_000_000] {
        let started = Instant::now();
        let path = skyr_differential::transfers::vector_file(&dir, n, TRANSFERS, &bundles)?;
        println!(
            "transfer state of {n} accounts: {} ({:.1} s)",
            path.display(),
            started.elapsed().as_secs_f64()
        );
        out.push(Workload {
            name: format!("{TRANSFERS} transfers, state of {n} accounts"),
            path,
            filter: None,
        });
    }
    Ok(out)
}

/// Transfers in each transfer workload.
const TRANSFERS: usize = 4_000;

/// Runs a workload on every configuration `runs` times and prints the medians.
fn bench(w: &Workload, runs: usize) -> Result<()> {
    println!("\n== {} ({})", w.name, w.path.display());
    let cache = std::env::temp_dir().join(format!("skyr-bench-cache-{}", std::process::id()));
    let mut results: Vec<(Config, Vec<Measured>)> = Vec::new();
    for config in [
        Config::Reference,
        Config::SkyrCold,
        Config::SkyrWarm,
        Config::SkyrTraced,
        Config::SkyrOptimized,
    ] {
        let mut ms = Vec::new();
        if matches!(config, Config::SkyrWarm | Config::SkyrOptimized) {
            // Fill the cache once, unmeasured.
            spawn(w, config, &cache)?;
        }
        for _ in 0..runs {
            if config == Config::SkyrCold {
                let _ = std::fs::remove_dir_all(&cache);
            }
            ms.push(spawn(w, config, &cache)?);
        }
        results.push((config, ms));
    }
    let _ = std::fs::remove_dir_all(&cache);
    report(&results);
    Ok(())
}

/// One child process measuring `config` on `w`.
fn spawn(w: &Workload, config: Config, cache: &Path) -> Result<Measured> {
    let exe = std::env::current_exe()?;
    let mut c = Command::new(exe);
    c.arg("--child");
    c.arg(match config {
        Config::Reference => "reference",
        Config::SkyrTraced => "skyr-traced",
        Config::SkyrOptimized => "skyr-optimized",
        _ => "skyr",
    });
    c.arg(config.compile());
    c.arg(cache);
    c.arg(&w.path);
    c.arg(w.filter.as_deref().unwrap_or(""));
    // What a child says on stderr (vectors a machine did not reproduce) shows as it runs.
    c.stderr(std::process::Stdio::inherit());
    let out = c.output().context("starting a child")?;
    if !out.status.success() {
        bail!("{} on {} failed ({})", config.label(), w.name, out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text
        .lines()
        .last()
        .ok_or_else(|| anyhow!("a child printed nothing"))?;
    serde_json::from_str(last).with_context(|| format!("a child's report: {last}"))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn report(results: &[(Config, Vec<Measured>)]) {
    let med = |ms: &[Measured], f: fn(&Measured) -> f64| median(ms.iter().map(f).collect());
    let reference = &results[0].1;
    let r = |f: fn(&Measured) -> f64| med(reference, f);
    let first = &reference[0];
    println!(
        "{} vectors; run by the reference {}, reproduced {}",
        first.vectors, first.ran, first.reproduced
    );
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>8} {:>9} {:>8}   ratios to the reference: wall setup exec memory",
        "", "wall s", "setup s", "exec s", "gas/ns", "msgs/s", "peak MB"
    );
    for (config, ms) in results {
        let m = |f: fn(&Measured) -> f64| med(ms, f);
        let wall = m(|x| x.wall_ms) / 1000.0;
        let setup = m(|x| x.setup_ms) / 1000.0;
        let exec = m(|x| x.exec_ms) / 1000.0;
        let gas_per_ns = m(|x| x.gas as f64 / (x.exec_ms * 1e6));
        let per_s = m(|x| x.messages as f64 / (x.exec_ms / 1000.0));
        let peak = m(|x| x.peak_mb);
        let ratios = if *config == Config::Reference {
            String::new()
        } else {
            format!(
                "{:.2} {:.2} {:.2} {:.2}",
                wall / (r(|x| x.wall_ms) / 1000.0),
                setup / (r(|x| x.setup_ms) / 1000.0),
                exec / (r(|x| x.exec_ms) / 1000.0),
                peak / r(|x| x.peak_mb)
            )
        };
        println!(
            "{:<22} {wall:>9.2} {setup:>9.2} {exec:>9.3} {gas_per_ns:>8.1} {per_s:>9.0} {peak:>8.0}   {ratios}",
            config.label()
        );
        if *config != Config::Reference {
            let x = &ms[0];
            if x.ran != first.ran || x.reproduced != x.ran {
                println!(
                    "  !! skyr ran {} and reproduced {} (the reference ran {})",
                    x.ran, x.reproduced, first.ran
                );
            }
            println!(
                "  modules: {} compiled, {} loaded from the cache",
                x.compiled, x.loaded
            );
        }
    }
    let exec_of = |c: Config| {
        results
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, ms)| med(ms, |x| x.exec_ms))
    };
    if let (Some(off), Some(on)) = (exec_of(Config::SkyrWarm), exec_of(Config::SkyrTraced)) {
        println!(
            "  tracing: execution {:.3} s traced against {:.3} s untraced, ratio {:.2}",
            on / 1000.0,
            off / 1000.0,
            on / off
        );
    }
    if let (Some(fast), Some(opt)) = (exec_of(Config::SkyrWarm), exec_of(Config::SkyrOptimized)) {
        println!(
            "  tiers: execution {:.3} s optimized against {:.3} s fast, ratio {:.2}",
            opt / 1000.0,
            fast / 1000.0,
            opt / fast
        );
    }
}

/// The child: `--child reference|skyr COMPILE CACHE PATH FILTER`; prints one JSON line.
fn child(args: &[String]) -> Result<()> {
    let [machine, compile, cache, path, filter] = args else {
        bail!("--child MACHINE COMPILE CACHE PATH FILTER");
    };
    let compile = match compile.as_str() {
        "on-first-use" => skyr::Compile::OnFirstUse,
        _ => skyr::Compile::AtStart,
    };
    let started = Instant::now();
    let mut files = skyr_vectors::files::vector_files(Path::new(path))?;
    if !filter.is_empty() {
        let re = regex_lite(filter);
        files.retain(|f| re(&f.to_string_lossy()));
    }
    let bundles = bundles()?;
    if machine == "reference" {
        // The references catch panics inside some syscalls (a zero piece size in
        // `compute_unsealed_sector_cid`, which corpus vectors probe) and turn them into
        // receipts; say so in one line instead of a backtrace each.
        std::panic::set_hook(Box::new(|info| {
            eprintln!("reference: a panic (the reference may catch it): {info}");
        }));
    }
    let (machine, cache) = (machine.clone(), PathBuf::from(cache));
    // Nested sends re-enter WASM on one thread: a big stack, as `skyr vectors run` gives.
    let mut m = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || match machine.as_str() {
            "reference" => on_reference(&files, &bundles),
            "skyr" => on_skyr(&files, &bundles, &cache, compile, false, Tier::Fast),
            "skyr-traced" => on_skyr(&files, &bundles, &cache, compile, true, Tier::Fast),
            "skyr-optimized" => on_skyr(&files, &bundles, &cache, compile, false, Tier::Optimized),
            other => Err(anyhow!("no machine `{other}`")),
        })?
        .join()
        .map_err(|_| anyhow!("the run panicked"))??;
    m.wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    m.peak_mb = peak_mb();
    println!("{}", serde_json::to_string(&m)?);
    Ok(())
}

/// A path filter: alternatives of plain substrings (`a|b`), enough for the workloads.
fn regex_lite(f: &str) -> impl Fn(&str) -> bool {
    let parts: Vec<String> = f.split('|').map(str::to_string).collect();
    move |s: &str| parts.iter().any(|p| s.contains(p.as_str()))
}

/// Skyr's own bundle and test actors, and the official bundles when they are here.
fn bundles() -> Result<BundleSet> {
    let mut b = BundleSet::default();
    b.add(
        PathBuf::from("actors/bundle.car"),
        std::fs::read(repo().join("actors/bundle.car"))?,
    )?;
    b.add_code(std::fs::read(repo().join("actors/skyr_actor_test3.wasm"))?);
    b.add_code(std::fs::read(repo().join("actors/skyr_actor_test4.wasm"))?);
    let official = shared().join("bundles");
    if official.is_dir() {
        b.add_dir(&official)?;
    }
    Ok(b)
}

fn on_skyr(
    files: &[PathBuf],
    bundles: &BundleSet,
    cache: &Path,
    compile: skyr::Compile,
    trace: bool,
    tier: Tier,
) -> Result<Measured> {
    let engine = Engine::with_options(EngineOptions {
        tier,
        cache_dir: Some(cache.to_path_buf()),
        ..EngineOptions::default()
    })?;
    let mut m = Measured {
        vectors: files.len(),
        ..Measured::default()
    };
    for f in files {
        let text = std::fs::read_to_string(f)?;
        let r = run_text_with(
            &f.to_string_lossy(),
            &text,
            bundles,
            &engine,
            RunOptions { compile, trace },
        );
        if r.status == Status::Skip {
            continue;
        }
        m.ran += 1;
        m.reproduced += usize::from(r.status == Status::Pass);
        m.setup_ms += r.setup_ms;
        m.exec_ms += r.exec_ms;
        m.messages += r.receipts.len();
        m.gas += r
            .receipts
            .iter()
            .map(|c| u64::try_from(c.gas_used).unwrap_or(0))
            .sum::<u64>();
    }
    if let Some(d) = engine.disk_cache() {
        let c = d.counts();
        m.compiled = c.misses + c.recovered;
        m.loaded = c.hits;
    }
    Ok(m)
}

fn on_reference(files: &[PathBuf], bundles: &BundleSet) -> Result<Measured> {
    let mut engines = RefEngines::default();
    let mut m = Measured {
        vectors: files.len(),
        ..Measured::default()
    };
    for f in files {
        let text = std::fs::read_to_string(f)?;
        let run = match vector_ref::run(&mut engines, &text, bundles) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            // A vector the reference cannot run is not measured (Skyr's report says whether
            // it ran it).
            Err(e) => {
                eprintln!("reference: {}: {e:#}", f.display());
                continue;
            }
        };
        m.ran += 1;
        m.reproduced += usize::from(run.reproduced);
        if let Some(d) = &run.difference {
            eprintln!("reference: {}: not reproduced: {d}", f.display());
        }
        m.setup_ms += run.setup.as_secs_f64() * 1000.0;
        m.exec_ms += run.exec.as_secs_f64() * 1000.0;
        m.messages += run.receipts.len();
        m.gas += run.receipts.iter().map(|r| r.2).sum::<u64>();
    }
    Ok(m)
}

/// The process's peak resident memory in MB (Linux; 0 elsewhere).
fn peak_mb() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return 0.0;
    };
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
