//! `skyr exec --rpc URL --message CID`: a message on chain executed again where the chain
//! executed it, from a node's data, and compared with the receipt the chain recorded.
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use cid::Cid;
use serde_json::json;
use skyr::externs::Verifier;
use skyr::{AcceptAllProofs, Engine, RealProofs};
use skyr_lotus::client::Stats;
use skyr_lotus::execute::Tools;
use skyr_lotus::explain::{explain_message, ChainExec};
use skyr_lotus::NodeSource;
use skyr_vectors::GasReport;

use crate::exec_cmd::{outcome_json, print_outcome, text_style, verdict, ExecArgs};
use crate::show::hex;
use skyr_vectors::names::exit_label;

/// How a command reads a node (`exec --rpc`, `replay`): the flags besides the URL.
#[derive(clap::Args, Clone, Debug)]
pub struct NodeArgs {
    /// With `--rpc`: the node's API token (default: $SKYR_RPC_TOKEN).
    #[arg(long, value_name = "TOKEN", requires = "rpc")]
    pub rpc_token: Option<String>,
    /// With `--rpc`: the cache of the node's blocks and answers (default: one per URL in the
    /// cache folder).
    #[arg(long, value_name = "FILE", requires = "rpc")]
    pub rpc_cache: Option<PathBuf>,
    /// With `--rpc`: ask the node nothing; read only the cache.
    #[arg(long, requires = "rpc")]
    pub offline: bool,
    /// With `--rpc`: verify proofs for real (needs the proof parameters on this machine);
    /// by default they are accepted, as the chain checked them when it ran the messages.
    #[arg(long, requires = "rpc")]
    pub verify_proofs: bool,
}

impl NodeArgs {
    /// What answers proofs, as `--verify-proofs` says.
    pub fn verifier(&self) -> fn() -> Rc<dyn Verifier> {
        if self.verify_proofs {
            || Rc::new(RealProofs)
        } else {
            || Rc::new(AcceptAllProofs)
        }
    }
}

/// The node at `url` read through its cache (`--rpc-cache`, or the default one for the URL);
/// with `--offline`, the cache alone. Also gives the client's counts (online) and the cache's
/// path.
pub fn open_source(
    url: &str,
    node: &NodeArgs,
) -> Result<(Rc<NodeSource>, Option<Arc<Stats>>, PathBuf)> {
    let (source, cache) = NodeSource::connect(
        url,
        node.rpc_token.clone(),
        node.rpc_cache.as_deref(),
        node.offline,
    )?;
    let stats = source.client().map(|c| c.stats().clone());
    Ok((Rc::new(source), stats, cache))
}

/// Runs `skyr exec --rpc`. Exits 0 when the receipt is the chain's, 1 when it differs, 2 on
/// an error.
pub fn run(args: &ExecArgs, url: &str, engine: Engine) -> Result<ExitCode> {
    let message = args
        .message
        .as_ref()
        .ok_or_else(|| anyhow!("with --rpc, give the message's CID: --message CID"))?;
    let text = message.to_string_lossy();
    let cid: Cid = text
        .parse()
        .map_err(|e| anyhow!("--message {text}: not a message CID: {e}"))?;
    let (source, stats, cache) = open_source(url, &args.node)?;
    let bundles = crate::vectors_cmd::bundle_set(&args.bundles, false)?;
    let progress = stats.clone().map(Progress::start);
    let tools = Tools {
        bundles: &bundles,
        engine: &engine,
        verifier: args.node.verifier(),
    };
    let result = explain_message(&source, &cid, &tools);
    drop(progress);
    let out = result?;
    source.commit()?;
    let fetched = stats.map(|s| s.snapshot());
    let matched = out.matches();
    let mut report = GasReport::default();
    report.add(&out.outcome.trace);
    if args.json {
        let mut v = outcome_json(&out.outcome);
        v["chain"] = chain_json(&out, matched);
        v["node"] = json!({
            "url": url,
            "requests": fetched.map_or(0, |f| f.0),
            "bytes": fetched.map_or(0, |f| f.1),
            "offline": args.node.offline,
        });
        if args.trace {
            v["trace"] = out.outcome.trace.to_json();
        }
        if args.gas_report {
            v["gas_report"] = report.to_json();
        }
        println!("{v}");
    } else {
        print_outcome(&out.outcome, args.atto);
        print_chain(&out, matched);
        match fetched {
            Some((requests, bytes, retries)) => println!(
                "node     {requests} requests, {:.1} MB, {retries} retries (cache {})",
                bytes as f64 / 1e6,
                cache.display()
            ),
            None => println!(
                "node     offline: everything from the cache {}",
                cache.display()
            ),
        }
        if args.trace {
            println!("\n{}", out.outcome.trace.tree_text(text_style(args)));
        }
        if args.gas_report {
            println!("\n{}", report.to_text());
        }
    }
    Ok(if matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_chain(out: &ChainExec, matched: bool) {
    let r = &out.recorded;
    println!(
        "included {} at epoch {}, after {} messages of its tipset and {} null rounds",
        out.executed, out.outcome.epoch, out.before, out.null_rounds
    );
    println!(
        "chain    recorded exit {}, gas used {}, return {} bytes, events {}: {}",
        exit_label(r.exit_code.value()),
        r.gas_used,
        r.return_data.len(),
        r.events_root.map_or("none".to_string(), |c| c.to_string()),
        verdict(matched)
    );
}

fn chain_json(out: &ChainExec, matched: bool) -> serde_json::Value {
    let r = &out.recorded;
    json!({
        "executed": out.executed.to_string(),
        "tipset": out.tipset.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "messages_before": out.before,
        "null_rounds": out.null_rounds,
        "recorded": {
            "exit_code": r.exit_code.value(),
            "return": hex(r.return_data.bytes()),
            "gas_used": r.gas_used,
            "events_root": r.events_root.map(|c| c.to_string()),
        },
        "matches": matched,
    })
}

/// A progress line on stderr (when it is a terminal): requests and bytes so far; it ends when
/// dropped.
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts the line (nothing when stderr is not a terminal).
    pub fn start(stats: Arc<Stats>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            std::thread::spawn(move || {
                let bar = indicatif::ProgressBar::new_spinner();
                while !s.load(Ordering::Relaxed) {
                    let (requests, bytes, retries) = stats.snapshot();
                    bar.set_message(format!(
                        "node: {requests} requests, {:.1} MB, {retries} retries",
                        bytes as f64 / 1e6
                    ));
                    bar.tick();
                    std::thread::sleep(Duration::from_millis(200));
                }
                bar.finish_and_clear();
            })
        });
        Progress { stop, thread }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
