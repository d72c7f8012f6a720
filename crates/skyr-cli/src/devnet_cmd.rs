//! `skyr devnet`: a local Filecoin chain with the Ethereum JSON-RPC, on Skyr's machine.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use skyr::Engine;
use skyr_devnet::fork::ForkOptions;
use skyr_devnet::launch::{self, DevnetOptions};
use skyr_devnet::server::{self, NodeHandle};

/// The devnet's flags (Anvil's names where Anvil has the same thing).
#[derive(Args, Debug)]
pub struct DevnetArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: any free port; the banner says which).
    #[arg(short, long, default_value_t = 8545)]
    port: u16,
    /// EIP-155 chain ID (CHAINID, eth_chainId). Default: 31415926, or a fork's node's.
    #[arg(long)]
    chain_id: Option<u64>,
    /// The official v18 bundle: a CAR, or a folder holding it (e.g. ../shared/bundles).
    /// Default: the one `skyr bundle fetch v18` cached.
    #[arg(long, value_name = "DIR|CAR")]
    bundles: Option<PathBuf>,
    /// How many dev accounts to fund.
    #[arg(short, long, default_value_t = 10)]
    accounts: u32,
    /// Each dev account's balance, in whole FIL.
    #[arg(long, default_value_t = 10_000)]
    balance: u64,
    /// The dev accounts' BIP-39 mnemonic (Anvil's by default).
    #[arg(short, long, default_value = skyr_devnet::accounts::DEFAULT_MNEMONIC)]
    mnemonic: String,
    /// UNIX seconds of the genesis block (default: now).
    #[arg(long)]
    genesis_time: Option<u64>,
    /// Mine only on evm_mine / anvil_mine, not at each transaction.
    #[arg(long, alias = "no-mine")]
    no_mining: bool,
    /// Mine a block every this many seconds (interval mining; transactions then wait for it).
    #[arg(short, long, value_name = "SECONDS", conflicts_with = "no_mining")]
    block_time: Option<u64>,
    /// A fixed base fee in attoFIL (default: nv28's rule).
    #[arg(long, alias = "block-base-fee-per-gas")]
    base_fee: Option<u64>,
    /// Keep the chain in this folder (a redb database): a restart there restores it, and
    /// everything acknowledged survives a crash. Without it the chain lives in memory.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Load this dump (a CAR written by --dump-state or anvil_dumpState) at start: its chain
    /// replaces the new genesis.
    #[arg(long, value_name = "FILE")]
    load_state: Option<PathBuf>,
    /// Write the devnet to this file (a CAR) when it shuts down.
    #[arg(long, value_name = "FILE")]
    dump_state: Option<PathBuf>,
    /// Print no line per transaction.
    #[arg(long)]
    quiet: bool,
    /// Start from this node's chain instead of a genesis (a Lotus or Forest JSON-RPC URL):
    /// state is read from the node as needed, checked against its CIDs and cached; writes
    /// stay here.
    #[arg(long, alias = "rpc-url", value_name = "URL", conflicts_with_all = ["state", "load_state"])]
    fork_url: Option<String>,
    /// With --fork-url: the epoch of the tipset to fork (default: the parent of the node's
    /// head, the newest tipset whose resulting state is on chain).
    #[arg(
        long,
        alias = "fork-block-number",
        value_name = "EPOCH",
        requires = "fork_url"
    )]
    fork_height: Option<i64>,
    /// With --fork-url: the node's API token (default: $SKYR_RPC_TOKEN).
    #[arg(long, value_name = "TOKEN", requires = "fork_url")]
    rpc_token: Option<String>,
    /// With --fork-url: the cache of the node's blocks and answers (default: one per URL in
    /// the cache folder).
    #[arg(long, value_name = "FILE", requires = "fork_url")]
    rpc_cache: Option<PathBuf>,
    /// With --fork-url and --fork-height: ask the node nothing; read only the cache.
    #[arg(long, requires = "fork_height")]
    offline: bool,
}

/// Starts the devnet and serves until Ctrl-C.
pub fn run(args: DevnetArgs, engine: Engine) -> Result<ExitCode> {
    let bundles = match &args.bundles {
        Some(b) => b.clone(),
        None => skyr::engine::cache::bundle_path(18)
            .filter(|p| p.is_file())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no bundle: run `skyr bundle fetch v18` once (it downloads the official \
                     v18 bundle into the cache), or pass --bundles DIR|CAR"
                )
            })?,
    };
    let (bundle_car, origin) = launch::read_bundle(&bundles)?;
    let genesis_time = match args.genesis_time {
        Some(t) => t,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let load = match &args.load_state {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("--load-state {}", p.display()))?),
        None => None,
    };
    let opts = DevnetOptions {
        bundle_car,
        bundle_origin: origin.display().to_string(),
        chain_id: args.chain_id.unwrap_or(launch::DEFAULT_CHAIN_ID),
        accounts: args.accounts,
        balance: args.balance,
        mnemonic: args.mnemonic.clone(),
        genesis_time,
        automine: !args.no_mining && args.block_time.is_none(),
        block_time: args.block_time.filter(|s| *s > 0),
        base_fee: args.base_fee,
        verbose: !args.quiet,
        state: args.state.clone(),
        fork: args.fork_url.clone().map(|url| ForkOptions {
            url,
            height: args.fork_height,
            token: args.rpc_token.clone(),
            cache: args.rpc_cache.clone(),
            offline: args.offline,
            chain_id: args.chain_id,
        }),
    };
    if args.accounts == 0 {
        bail!("--accounts must be at least 1");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
        let address = format!("http://{}", listener.local_addr()?);
        let for_node = opts.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = NodeHandle::spawn(move || {
            let (mut node, started) = launch::build_node(&for_node, engine)?;
            if let Some(car) = load {
                node.load_dump(&car).context("--load-state")?;
                node.save()?;
            }
            let _ = tx.send(started);
            Ok(node)
        })?;
        let started = rx.recv().context("the node did not start")?;
        skyr_devnet::say(&launch::banner(&opts, &started, &address));
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
            skyr_devnet::say("\nskyr devnet: shutting down");
        };
        server::serve(listener, handle.clone(), shutdown).await?;
        if let Some(path) = &args.dump_state {
            let car = handle.run(|n| n.dump()).await??;
            std::fs::write(path, car)
                .with_context(|| format!("--dump-state {}", path.display()))?;
            skyr_devnet::say(&format!("skyr devnet: state written to {}", path.display()));
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
