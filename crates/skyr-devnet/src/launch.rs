//! Building a devnet: the bundle chosen, the genesis built with the dev accounts funded, the
//! chain and node set up, and the banner a user reads at start (like Anvil's: accounts, keys,
//! chain ID, network version, bundle, where it listens). Shared by `skyr devnet` and the tests,
//! so both start the same thing.
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use skyr::blockstore::{BaseStore, MemoryBlockstore};
use skyr::shared::econ::TokenAmount;
use skyr::Engine;
use skyr_chain::genesis::{self, GenesisSpec};
use skyr_chain::{Chain, ChainConfig};

use crate::accounts::{dev_keys, DevKey};
use crate::fork::{ForkOptions, Forking};
use crate::node::Node;
use crate::persist;

/// The network version the devnet runs, and the official bundle it runs there (v18).
pub const NETWORK_VERSION: u32 = 28;
/// The v18 bundle's manifest CID (what the CAR's root must be).
pub const V18_MANIFEST: &str = "bafy2bzacedxsqapxwj5znwy4leem5gsuenhhfyqcntews3yis5iek67thy6lc";
/// The default chain ID (Lotus's 2k devnet and the FEVM localnet).
pub const DEFAULT_CHAIN_ID: u64 = 31415926;

/// How to start a devnet.
#[derive(Clone, Debug)]
pub struct DevnetOptions {
    /// The bundle CAR's bytes.
    pub bundle_car: Vec<u8>,
    /// Where the bundle came from (for the banner).
    pub bundle_origin: String,
    /// EIP-155 chain ID.
    pub chain_id: u64,
    /// How many dev accounts.
    pub accounts: u32,
    /// Each one's balance in whole FIL.
    pub balance: u64,
    /// Their mnemonic.
    pub mnemonic: String,
    /// UNIX seconds of the genesis.
    pub genesis_time: u64,
    /// Mine each transaction at once.
    pub automine: bool,
    /// Mine a block every this many seconds.
    pub block_time: Option<u64>,
    /// A fixed base fee in attoFIL; None follows nv28's rule.
    pub base_fee: Option<u64>,
    /// Print a line per transaction.
    pub verbose: bool,
    /// Where to keep the chain (`--state`); None keeps it in memory.
    pub state: Option<PathBuf>,
    /// Start from a node's chain instead of a genesis (`--fork-url`).
    pub fork: Option<ForkOptions>,
}

impl DevnetOptions {
    /// Anvil's defaults (ten dev accounts of Anvil's mnemonic with 10,000 FIL each, automine,
    /// the nv28 base fee rule, in memory) on the bundle `bundle_car`, at genesis time 0.
    pub fn new(bundle_car: Vec<u8>, bundle_origin: String) -> DevnetOptions {
        DevnetOptions {
            bundle_car,
            bundle_origin,
            chain_id: DEFAULT_CHAIN_ID,
            accounts: 10,
            balance: 10_000,
            mnemonic: crate::accounts::DEFAULT_MNEMONIC.into(),
            genesis_time: 0,
            automine: true,
            block_time: None,
            base_fee: None,
            verbose: false,
            state: None,
            fork: None,
        }
    }
}

impl DevnetOptions {
    /// Sets how `node` runs (mining, output), which a restored devnet takes from the flags
    /// too.
    fn run_as(&self, node: &mut Node) {
        node.automine = self.automine;
        node.verbose = self.verbose;
        node.interval_mining = self.block_time.map(|s| s.saturating_mul(1000));
    }
}

/// Reads a bundle from `path`: a CAR file, or a folder holding the v18 bundle (as
/// `v18/builtin-actors-mainnet.car`, or any `.car` whose root is v18's manifest).
pub fn read_bundle(path: &Path) -> Result<(Vec<u8>, PathBuf)> {
    if path.is_file() {
        let b = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok((b, path.to_path_buf()));
    }
    if !path.is_dir() {
        bail!(
            "{} is neither a bundle CAR nor a folder of bundles",
            path.display()
        );
    }
    let usual = path.join("v18").join("builtin-actors-mainnet.car");
    if usual.is_file() {
        return Ok((std::fs::read(&usual)?, usual));
    }
    let want: Cid = V18_MANIFEST.parse()?;
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.extension().and_then(|e| e.to_str()) == Some("car") {
            let b = std::fs::read(&p)?;
            if car_root(&b) == Some(want) {
                return Ok((b, p));
            }
        }
    }
    bail!(
        "{} holds no v18 bundle (manifest {V18_MANIFEST}): the devnet runs nv28 on the official v18 actors",
        path.display()
    )
}

/// The first root of a CAR, if its header reads.
fn car_root(car: &[u8]) -> Option<Cid> {
    let reader = fvm_ipld_car::CarReader::new(car).ok()?;
    reader.header.roots.first().copied()
}

/// What a started devnet reports.
pub struct Started {
    /// The dev keys.
    pub keys: Vec<DevKey>,
    /// The genesis state root.
    pub state_root: Cid,
    /// The bundle's manifest CID.
    pub manifest: Cid,
    /// The height it starts at: 0, or the saved head's when it was restored.
    pub height: i64,
    /// Whether it was restored from `--state`.
    pub restored: bool,
    /// Its chain ID (a restored chain keeps its own; a fork's is its node's).
    pub chain_id: u64,
    /// The network version it runs.
    pub network_version: u32,
    /// When it forked a node's chain: the node's URL and the height forked.
    pub forked: Option<(String, i64)>,
}

/// Builds the node: keys, genesis, chain; or, when `--state` holds a saved devnet, restores it
/// (the genesis flags then say nothing: the saved chain is what it is). Runs on the node's
/// thread.
pub fn build_node(opts: &DevnetOptions, engine: Engine) -> Result<(Node, Started)> {
    let keys = dev_keys(&opts.mnemonic, opts.accounts)?;
    let balance = TokenAmount::from_whole(
        i64::try_from(opts.balance)
            .map_err(|_| anyhow!("--balance {} is too large", opts.balance))?,
    );
    let mut forking = Forking {
        bundle: Some((PathBuf::from(&opts.bundle_origin), opts.bundle_car.clone())),
        balance: balance.clone(),
        base_fee: opts.base_fee.map(TokenAmount::from_atto),
        current: None,
    };
    if let Some(fork) = &opts.fork {
        if opts.state.is_some() {
            bail!(
                "--fork-url and --state do not go together: the forked state lives on the \
                 node, and --state keeps whole chains"
            );
        }
        let (chain, f) = forking.fork(engine, fork.clone(), &keys)?;
        let chain_id = chain.config().chain_id;
        let started = Started {
            keys: keys.clone(),
            state_root: chain.head().state_root,
            manifest: f.manifest,
            height: chain.head().height(),
            restored: false,
            chain_id,
            network_version: f.network_version,
            forked: Some((f.options.url.clone(), f.height)),
        };
        let mut node = Node::new(chain, chain_id, keys);
        forking.current = Some(f);
        node.forking = forking;
        opts.run_as(&mut node);
        return Ok((node, started));
    }
    let db = opts.state.as_deref().map(persist::open).transpose()?;
    if let Some(db) = &db {
        if let Some(saved) = persist::saved_chain(db)? {
            let genesis_state = saved.genesis_state;
            let mut node = persist::restore(db.clone(), saved, engine, keys.clone())?;
            opts.run_as(&mut node);
            let started = Started {
                keys,
                state_root: genesis_state,
                manifest: node.saved_bundle().unwrap_or_default(),
                height: node.chain.head().height(),
                restored: true,
                chain_id: node.chain_id,
                network_version: u32::from(node.chain.network_version()),
                forked: None,
            };
            return Ok((node, started));
        }
    }
    let spec = GenesisSpec {
        network_version: NETWORK_VERSION,
        bundle_car: opts.bundle_car.clone(),
        network_name: "skyr-devnet".into(),
        chain_id: opts.chain_id,
        timestamp: opts.genesis_time,
        eth_accounts: keys.iter().map(|k| (k.address, balance.clone())).collect(),
        key_accounts: keys
            .iter()
            .map(|k| Ok((k.filecoin_address()?, balance.clone())))
            .collect::<Result<_>>()?,
        create2_deployer: true,
    };
    let store: Rc<dyn BaseStore> = match &db {
        Some(db) => db.clone(),
        None => Rc::new(MemoryBlockstore::new()),
    };
    let g = genesis::build(&engine, store.clone(), &spec)?;
    if g.bundle_manifest.to_string() != V18_MANIFEST {
        bail!(
            "the bundle's manifest is {}, not v18's ({V18_MANIFEST}): the devnet runs nv28 on the official v18 actors",
            g.bundle_manifest
        );
    }
    let config = ChainConfig {
        chain_id: opts.chain_id,
        block_delay: 30,
        fixed_base_fee: opts.base_fee.map(TokenAmount::from_atto),
    };
    let chain = Chain::new(engine, store, &g, opts.genesis_time, config)?;
    let mut node = Node::new(chain, opts.chain_id, keys.clone());
    node.forking = forking;
    opts.run_as(&mut node);
    if let Some(db) = db {
        node.persist_to(db, g.bundle_manifest);
        node.save()?;
    }
    Ok((
        node,
        Started {
            keys,
            state_root: g.state_root,
            manifest: g.bundle_manifest,
            height: 0,
            restored: false,
            chain_id: opts.chain_id,
            network_version: NETWORK_VERSION,
            forked: None,
        },
    ))
}

/// The start-up banner.
pub fn banner(opts: &DevnetOptions, started: &Started, address: &str) -> String {
    let mut s = String::new();
    s.push_str("skyr devnet: a Filecoin chain on Skyr's machine (official actors, exact FEVM)\n\n");
    s.push_str("Available Accounts\n==================\n");
    for (i, k) in started.keys.iter().enumerate() {
        s.push_str(&format!(
            "({i}) 0x{} ({} FIL)\n",
            hex::encode(k.address),
            opts.balance
        ));
    }
    s.push_str("\nFilecoin Accounts (the same keys, secp256k1; as funded)\n==================\n");
    for (i, k) in started.keys.iter().enumerate() {
        if let Ok(a) = k.filecoin_address() {
            s.push_str(&format!("({i}) {a}\n"));
        }
    }
    s.push_str("\nPrivate Keys\n==================\n");
    for (i, k) in started.keys.iter().enumerate() {
        s.push_str(&format!("({i}) {}\n", k.private_key_hex()));
    }
    s.push_str(&format!(
        "\nWallet\n==================\nMnemonic:          {}\nDerivation path:   m/44'/60'/0'/0/\n",
        opts.mnemonic
    ));
    let version = match started.network_version {
        NETWORK_VERSION => format!("{NETWORK_VERSION} (FireHorse)"),
        nv => nv.to_string(),
    };
    let origin = match &started.forked {
        Some((url, height)) => format!(
            "Forked:            {url} at epoch {height} (reads go to the node, through its \
             cache; writes stay here)\nFork state:        {}\n",
            started.state_root
        ),
        None => format!(
            "Genesis state:     {}\nGenesis timestamp: {}\n",
            started.state_root, opts.genesis_time
        ),
    };
    s.push_str(&format!(
        "\nChain ID:          {}\nNetwork version:   {version}\nBundle:            {}{}\n\
         {origin}Base fee:          {}\nMining:            {}\n\
         State:             {}\n\nListening on {address}\n",
        started.chain_id,
        started.manifest,
        match &started.forked {
            Some(_) => String::new(),
            None => format!(" ({})", opts.bundle_origin),
        },
        match (opts.base_fee, &started.forked) {
            (Some(f), _) => format!("{f} attoFIL (fixed)"),
            (None, Some(_)) => "the network's rule, from the node's at the fork".into(),
            (None, None) => "nv28 rule, from 100000000 attoFIL".into(),
        },
        match (opts.automine, opts.block_time) {
            (true, _) => "automine (a tipset per transaction)".to_string(),
            (false, Some(s)) => format!("every {s} s"),
            (false, None) => "on evm_mine only".to_string(),
        },
        match (&opts.state, started.restored) {
            (None, _) => "in memory (nothing is kept after exit)".to_string(),
            (Some(d), false) => format!("{} (new; saved before each answer)", d.display()),
            (Some(d), true) => format!(
                "{} (restored at height {}; the genesis flags were not used)",
                d.display(),
                started.height
            ),
        },
    ));
    s
}
