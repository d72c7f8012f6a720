//! `skyr vectors`: run conformance test vectors, and show what one holds.
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use skyr::Engine;
use skyr_vectors::{run_file_with, BundleSet, RunOptions, Status, VectorResult};

/// Skyr's own bundle, built from `actors/` (what the committed corpus runs on).
const OWN_BUNDLE: &[u8] = include_bytes!("../../../actors/bundle.car");

/// Skyr's fvm_sdk 3 test actor, which the nv18–20 corpus names beside the official actors.
const TEST_ACTOR_SDK3: &[u8] = include_bytes!("../../../actors/skyr_actor_test3.wasm");
/// The same test actor with the fvm_sdk 4 imports, which the nv21–28 corpus names.
const TEST_ACTOR_SDK4: &[u8] = include_bytes!("../../../actors/skyr_actor_test4.wasm");

/// Native stack for each worker: nested sends re-enter WASM on the same thread.
const WORKER_STACK: usize = 256 << 20;

/// The last line of `--json` output.
#[derive(serde::Serialize)]
struct Summary {
    summary: Counts,
}

/// Counts of a run, in the order the output promises.
#[derive(serde::Serialize)]
struct Counts {
    total: usize,
    pass: usize,
    fail: usize,
    skip: usize,
    error: usize,
    wall_ms: f64,
}

/// `--compile`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CompileWhen {
    /// Each actor when a message first runs it.
    OnFirstUse,
    /// Every actor of the bundle when a machine starts.
    AtStart,
}

/// `skyr vectors run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Folders of bundle CARs, or bundle CAR files; each vector runs on the bundle its
    /// pre-state names. Skyr's own bundle is always available.
    #[arg(long = "bundles", value_name = "DIR|CAR")]
    pub bundles: Vec<PathBuf>,
    /// Vectors run at once (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// One JSON object per vector per line, then a summary line.
    #[arg(long)]
    pub json: bool,
    /// Only vectors whose path matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Run vectors whose bundle is missing on the manifest they carry: those whose
    /// messages execute no actor code (transfers, failed transfers) are checked; those
    /// that would run actor code are skipped, naming the call.
    #[arg(long)]
    pub without_code: bool,
    /// When actor code is compiled: each actor when a message first runs it, or every
    /// actor of a bundle when its first vector starts (as the reference does).
    #[arg(long, value_enum, default_value = "on-first-use")]
    pub compile: CompileWhen,
    /// Trace every message and write, per vector and message, its trace as JSON
    /// (`N-NAME-VARIANT-M.json`), its folded stacks (`.folded`: `actor.method;charge
    /// milligas`, for any flame-graph tool) and its flame graph (`.svg`) into this folder.
    #[arg(long, value_name = "DIR")]
    pub trace: Option<PathBuf>,
    /// Trace every message and print, after the run, the gas of all of them by charge name,
    /// by actor type and by method, largest first (with `--json`: one `gas_report` line).
    #[arg(long)]
    pub gas_report: bool,
    /// Vector files, or folders searched recursively for *.json.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Vector commands.
#[derive(Subcommand)]
pub enum VectorsCmd {
    /// Apply vectors and compare receipts and post-state roots.
    Run(RunArgs),
    /// Print a vector's metadata, decoded messages and expected receipts.
    Show {
        /// The vector.
        file: PathBuf,
    },
}

/// Runs a vectors command.
pub fn run(cmd: VectorsCmd, engine: &crate::engine_args::EngineArgs) -> Result<ExitCode> {
    match cmd {
        VectorsCmd::Run(args) => run_vectors(args, engine.engine()?),
        VectorsCmd::Show { file } => crate::show::show(&file),
    }
}

fn collect(paths: &[PathBuf], filter: Option<&str>) -> Result<Vec<PathBuf>> {
    let filter = filter
        .map(|f| {
            regex::Regex::new(f)
                .with_context(|| format!("--filter `{f}` is not a regular expression"))
        })
        .transpose()?;
    let mut out = Vec::new();
    for p in paths {
        out.extend(skyr_vectors::files::vector_files(p)?);
    }
    if let Some(re) = filter {
        out.retain(|p| re.is_match(&p.to_string_lossy()));
    }
    Ok(out)
}

/// Skyr's own bundle and test actors, and the bundles of `--bundles` (folders of CARs, or
/// CAR files).
pub fn bundle_set(dirs: &[PathBuf], without_code: bool) -> Result<BundleSet> {
    let mut bundles = BundleSet::default();
    bundles.run_without_code(without_code);
    bundles.add(PathBuf::from("<skyr's own bundle>"), OWN_BUNDLE.to_vec())?;
    bundles.add_code(TEST_ACTOR_SDK3.to_vec());
    bundles.add_code(TEST_ACTOR_SDK4.to_vec());
    for d in dirs {
        if d.is_file() {
            // A bundle CAR named directly (as release pages hand them out) must load.
            bundles.add_file(d)?;
            continue;
        }
        for w in bundles.add_dir(d)? {
            eprintln!("skyr: skipping a file in --bundles: {w}");
        }
    }
    Ok(bundles)
}

fn run_vectors(args: RunArgs, engine: Engine) -> Result<ExitCode> {
    let RunArgs {
        bundles: dirs,
        jobs,
        json,
        filter,
        without_code,
        compile,
        trace,
        gas_report,
        paths,
    } = args;
    if let Some(dir) = &trace {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--trace {}: cannot create the folder", dir.display()))?;
    }
    let mut report = gas_report.then(skyr_vectors::GasReport::default);
    let options = RunOptions {
        compile: match compile {
            CompileWhen::OnFirstUse => skyr::Compile::OnFirstUse,
            CompileWhen::AtStart => skyr::Compile::AtStart,
        },
        trace: trace.is_some() || gas_report,
    };
    let wall = Instant::now();
    let bundles = bundle_set(&dirs, without_code)?;
    let files = collect(&paths, filter.as_deref())?;
    let jobs = jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let tty = std::io::stderr().is_terminal() && !json;
    if !json {
        eprintln!("skyr: {} vectors, {} bundles, {jobs} jobs; proofs are assumed valid (as the reference's conformance runner does)", files.len(), bundles.len());
    }

    let files = Arc::new(files);
    let next = Arc::new(AtomicUsize::new(0));
    let bundles = Arc::new(bundles);
    let (tx, rx) = mpsc::channel::<(usize, VectorResult)>();
    let mut workers = Vec::new();
    for _ in 0..jobs.min(files.len().max(1)) {
        let (files, next, bundles, engine, tx) = (
            files.clone(),
            next.clone(),
            bundles.clone(),
            engine.clone(),
            tx.clone(),
        );
        workers.push(
            std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(path) = files.get(i) else { break };
                    let r = run_file_with(path, &bundles, &engine, options);
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                })?,
        );
    }
    drop(tx);

    let bar = tty.then(|| {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut pending = BTreeMap::new();
    let mut printed = 0;
    let mut counts = BTreeMap::<&str, usize>::new();
    let mut failures = Vec::new();
    let mut skips = BTreeMap::<String, usize>::new();
    // Vectors run on Skyr's assumed circulating supply, for they name none.
    let mut no_circ_supply = 0usize;
    let stdout = std::io::stdout();
    for (i, r) in rx {
        pending.insert(i, r);
        while let Some(r) = pending.remove(&printed) {
            printed += 1;
            let key = match r.status {
                Status::Pass => "pass",
                Status::Fail => "fail",
                Status::Skip => "skip",
                Status::Error => "error",
            };
            *counts.entry(key).or_default() += 1;
            if r.status != Status::Skip && r.assumed_circ_supply {
                no_circ_supply += 1;
            }
            if let Some(dir) = &trace {
                write_traces(dir, printed - 1, &files[printed - 1], &r)?;
            }
            if let Some(report) = &mut report {
                r.traces.iter().for_each(|t| report.add(t));
            }
            if json {
                let mut out = stdout.lock();
                writeln!(out, "{}", serde_json::to_string(&r)?)?;
            } else if matches!(r.status, Status::Fail | Status::Error) {
                failures.push(r);
            } else if r.status == Status::Skip {
                *skips.entry(r.reason.unwrap_or_default()).or_insert(0usize) += 1;
            }
            if let Some(b) = &bar {
                b.set_position(printed as u64);
                let c = |k: &str| *counts.get(k).unwrap_or(&0);
                b.set_message(format!(
                    "pass {} fail {} skip {} error {}",
                    c("pass"),
                    c("fail"),
                    c("skip"),
                    c("error")
                ));
            }
        }
    }
    for w in workers {
        if w.join().is_err() {
            anyhow::bail!("a worker thread panicked");
        }
    }
    if let Some(b) = bar {
        b.finish();
    }
    let n = |k: &str| *counts.get(k).unwrap_or(&0);
    let wall_ms = wall.elapsed().as_secs_f64() * 1000.0;
    if json {
        let summary = Summary {
            summary: Counts {
                total: files.len(),
                pass: n("pass"),
                fail: n("fail"),
                skip: n("skip"),
                error: n("error"),
                wall_ms,
            },
        };
        if let Some(report) = &report {
            let line = serde_json::json!({ "gas_report": report.to_json() });
            println!("{line}");
        }
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        if !failures.is_empty() {
            println!("{:<6} {:<60} reason", "status", "vector");
            for f in &failures {
                let status = if f.status == Status::Fail {
                    "FAIL"
                } else {
                    "ERROR"
                };
                println!(
                    "{:<6} {:<60} {}",
                    status,
                    f.vector,
                    f.reason.as_deref().unwrap_or("")
                );
            }
        }
        print_skips(skips);
        if no_circ_supply > 0 {
            println!(
                "{} vectors name no circulating supply: Skyr assumed the total supply (as fvm 2 \
                 and 3 do; fvm 4's runner assumes zero), so receipts that read it depend on the runner",
                no_circ_supply
            );
        }
        if let Some(report) = &report {
            println!("{}", report.to_text());
        }
        if let Some(line) = crate::cache_cmd::report(&engine) {
            eprintln!("skyr: {line}");
        }
        println!(
            "{} vectors: {} passed, {} failed, {} skipped, {} errors in {:.1} s",
            files.len(),
            n("pass"),
            n("fail"),
            n("skip"),
            n("error"),
            wall_ms / 1000.0
        );
    }
    Ok(if n("fail") + n("error") == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Writes a vector's traces into `dir`: per message a JSON trace and its folded stacks,
/// named by the vector's place in the run and its file name.
fn write_traces(
    dir: &std::path::Path,
    n: usize,
    path: &std::path::Path,
    r: &VectorResult,
) -> Result<()> {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let stem = file_part(&stem);
    for t in &r.traces {
        let variant = file_part(&t.variant);
        let base = dir.join(format!("{n:05}-{stem}-{variant}-{}", t.index));
        let json = serde_json::to_string_pretty(&t.to_json())?;
        let mut folded = String::new();
        t.folded(&mut folded);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let title = format!("{name} — {} message {}", t.variant, t.index);
        let svg = skyr_vectors::explain::flame_graph_svg(&folded, &title).unwrap_or_default();
        for (ext, bytes) in [
            ("json", json.into_bytes()),
            ("folded", folded.into_bytes()),
            ("svg", svg),
        ] {
            if bytes.is_empty() {
                continue;
            }
            let file = base.with_extension(ext);
            skyr::engine::cache::write_atomically(&file, &[&bytes]).with_context(|| "--trace")?;
        }
    }
    Ok(())
}

/// `s` with what a file name should not hold (anything but ASCII letters, digits, `-`
/// and `_`) replaced by `_`.
fn file_part(s: &str) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    s.chars().map(|c| if keep(c) { c } else { '_' }).collect()
}

/// Why vectors were skipped, most frequent reason first (a run of an extracted corpus without
/// its bundle skips everything for one reason: say it once, with the bundle to fetch).
fn print_skips(skips: BTreeMap<String, usize>) {
    const SHOWN: usize = 10;
    let mut by_count: Vec<(String, usize)> = skips.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (reason, n) in by_count.iter().take(SHOWN) {
        println!("skipped {n:>5} × {reason}");
    }
    if by_count.len() > SHOWN {
        let rest: usize = by_count[SHOWN..].iter().map(|(_, n)| n).sum();
        println!(
            "skipped {rest:>5} × for {} other reasons",
            by_count.len() - SHOWN
        );
    }
}
