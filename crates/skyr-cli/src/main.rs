//! `skyr`: the command line of the Skyr Filecoin VM.
mod bundle_cmd;
mod cache_cmd;
mod cache_warm;
mod devnet_cmd;
mod engine_args;
mod exec_cmd;
mod exec_rpc;
mod fetch;
mod params;
mod replay_cmd;
mod show;
mod vectors_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Skyr: an independent Filecoin Virtual Machine (network versions 16 to 28).
#[derive(Parser)]
#[command(name = "skyr", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    engine: engine_args::EngineArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Build and inspect actor bundles.
    #[command(subcommand)]
    Bundle(bundle_cmd::BundleCmd),
    /// Run and inspect conformance test vectors.
    #[command(subcommand)]
    Vectors(vectors_cmd::VectorsCmd),
    /// Run one message on a state (a vector's pre-state, a CAR, or with --rpc a node's chain
    /// where the message ran): its receipt, and with --trace its calls and where its gas went.
    Exec(Box<exec_cmd::ExecArgs>),
    /// Execute a node's tipsets again (`--rpc URL --from EPOCH --to EPOCH`) and compare every
    /// receipt and state root with the chain's.
    Replay(Box<replay_cmd::ReplayArgs>),
    /// Inspect and clear the module cache (compiled actors kept between runs).
    #[command(subcommand)]
    Cache(cache_cmd::CacheCmd),
    /// A local Filecoin chain serving the Ethereum JSON-RPC (nv28, official v18 actors).
    Devnet(Box<devnet_cmd::DevnetArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Bundle(cmd) => bundle_cmd::run(cmd),
        Command::Vectors(cmd) => vectors_cmd::run(cmd, &cli.engine),
        Command::Exec(args) => cli.engine.engine().and_then(|e| exec_cmd::run(*args, e)),
        Command::Replay(args) => cli.engine.engine().and_then(|e| replay_cmd::run(*args, e)),
        Command::Cache(cmd) => cache_cmd::run(cmd, &cli.engine),
        Command::Devnet(args) => cli.engine.engine().and_then(|e| devnet_cmd::run(*args, e)),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("skyr: {e:#}");
            ExitCode::from(2)
        }
    }
}
