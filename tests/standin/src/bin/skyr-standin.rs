//! `skyr-standin --vectors DIR --bundles DIR [--port N]`: serves mainnet vectors as a Lotus
//! node would, for trying `skyr exec --rpc` without a node.
use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// A folder of message-class vectors (searched in depth).
    #[arg(long)]
    vectors: PathBuf,
    /// A folder of bundle folders (`v16/builtin-actors-mainnet.car`, …).
    #[arg(long)]
    bundles: PathBuf,
    /// The port (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let chain = skyr_standin::from_vectors(&args.vectors, &args.bundles)?;
    let n = chain.executed.len();
    let node = skyr_standin::Standin::start(chain, args.port)?;
    println!("serving {n} messages at {}", node.url());
    loop {
        std::thread::park();
    }
}
