//! `skyr replay --rpc URL --from EPOCH --to EPOCH`: a node's tipsets executed again, each from
//! its parent state, their receipts and states compared with what the chain recorded.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use serde_json::json;
use skyr::Engine;
use skyr_lotus::execute::Tools;
use skyr_lotus::replay::{replay_range, tipsets_between};

use crate::exec_rpc::{open_source, NodeArgs, Progress};

/// `skyr replay`.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The node's JSON-RPC URL (Lotus or Forest, `http://HOST:1234/rpc/v1`).
    #[arg(long, value_name = "URL")]
    pub rpc: String,
    /// The first epoch replayed.
    #[arg(long)]
    pub from: i64,
    /// The last epoch replayed (its child tipset must be on the chain: it records the result).
    #[arg(long)]
    pub to: i64,
    /// How the node is read.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Folders of bundle CARs, or bundle CAR files: the actors' code (else the node's).
    #[arg(long = "bundles", value_name = "DIR|CAR")]
    pub bundles: Vec<PathBuf>,
    /// Replay this many disjoint ranges at once, on as many threads.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Print one JSON object per tipset, then a summary object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `skyr replay`. Exits 0 when every tipset agrees with the chain, 1 when one differs
/// (the first difference is explained), 2 on an error.
pub fn run(args: ReplayArgs, engine: Engine) -> Result<ExitCode> {
    let (source, stats, _) = open_source(&args.rpc, &args.node)?;
    let bundles = crate::vectors_cmd::bundle_set(&args.bundles, false)?;
    let progress = stats.clone().map(Progress::start);
    let start = Instant::now();
    let pairs = tipsets_between(&source, args.from, args.to)?;
    let tools = Tools {
        bundles: &bundles,
        engine: &engine,
        verifier: args.node.verifier(),
    };
    let replayed = replay_range(&source, &tools, pairs, args.jobs)?;
    source.commit()?;
    let (mut tipsets, mut messages, mut nulls) = (0usize, 0usize, 0i64);
    let mut first_difference = None;
    for r in replayed {
        tipsets += 1;
        messages += r.messages;
        nulls += r.null_rounds;
        if args.json {
            println!(
                "{}",
                json!({
                    "height": r.height,
                    "messages": r.messages,
                    "null_rounds": r.null_rounds,
                    "state": r.state.0.to_string(),
                    "chain_state": r.state.1.to_string(),
                    "receipts": r.receipts.0.to_string(),
                    "chain_receipts": r.receipts.1.to_string(),
                    "difference": r.difference,
                })
            );
        }
        if let Some(d) = r.difference {
            first_difference = Some((r.height, d));
            break;
        }
    }
    drop(progress);
    let seconds = start.elapsed().as_secs_f64();
    let fetched = stats.map(|s| s.snapshot());
    if args.json {
        println!(
            "{}",
            json!({
                "tipsets": tipsets,
                "messages": messages,
                "null_rounds": nulls,
                "seconds": seconds,
                "requests": fetched.map_or(0, |f| f.0),
                "bytes": fetched.map_or(0, |f| f.1),
                "first_difference": first_difference.as_ref().map(|(h, d)| json!({"height": h, "what": d})),
            })
        );
    } else {
        println!(
            "replayed {tipsets} tipsets ({messages} messages, {nulls} null rounds) in {seconds:.1} s: {:.1} tipsets/s",
            tipsets as f64 / seconds.max(1e-9)
        );
        if let Some((requests, bytes, _)) = fetched {
            println!("node     {requests} requests, {:.1} MB", bytes as f64 / 1e6);
        }
        match &first_difference {
            None => println!("every receipt and state root agrees with the chain"),
            Some((h, d)) => println!("DIFFERS at epoch {h}: {d}"),
        }
    }
    Ok(if first_difference.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
