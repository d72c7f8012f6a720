//! `skyr devnet --fork-url URL [--fork-height N]`: the devnet started on a tipset of a node's
//! chain, as `anvil --fork-url` starts on a block of a live network. Reads of the state go
//! through the node source (`skyr-lotus`: every block checked against its CID and kept in an
//! on-disk cache); writes stay in the devnet. The dev accounts are funded on the forked
//! state, the node's miner mines the devnet's blocks, and the network version, chain ID,
//! block delay, base fee and circulating supply are the node's at the fork.
//!
//! `anvil_reset` with `forking` forks again: at another height, or from another node.
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use skyr::shared::econ::TokenAmount;
use skyr::shared::version::NetworkVersion;
use skyr::Engine;
use skyr_chain::fork::ForkBase;
use skyr_chain::{Chain, ChainConfig};
use skyr_lotus::chain::fork_point;
use skyr_lotus::execute::{circulating_supply, network_params, network_version};
use skyr_lotus::externs::NodeExterns;
use skyr_lotus::store::state_store;
use skyr_lotus::NodeSource;
use skyr_vectors::BundleSet;

use crate::accounts::DevKey;
use crate::cheats::AccountCodes;
use crate::error::{RpcError, RpcResult};
use crate::node::Node;

/// The first network version a devnet forks: the FEVM's (nv18), whose Ethereum accounts and
/// contracts the devnet serves.
pub const FIRST_FORKABLE: u32 = 18;

/// How a devnet reads the node it forks.
#[derive(Clone, Debug, Default)]
pub struct ForkOptions {
    /// The node's JSON-RPC URL.
    pub url: String,
    /// The height of the tipset to fork; `None`: the parent of the node's head.
    pub height: Option<i64>,
    /// The node's API token (`None`: `$SKYR_RPC_TOKEN`, if set).
    pub token: Option<String>,
    /// The cache of the node's blocks (`None`: one per URL in Skyr's cache folder).
    pub cache: Option<PathBuf>,
    /// Read only the cache.
    pub offline: bool,
    /// A chain ID other than the node's.
    pub chain_id: Option<u64>,
}

/// Where a forked devnet stands.
pub struct Fork {
    /// How it reads its node (what `anvil_reset` forks again with).
    pub options: ForkOptions,
    /// The height of the tipset forked.
    pub height: i64,
    /// The network version there.
    pub network_version: u32,
    /// The bundle's manifest the forked state names (the CID a bundle CAR's root is).
    pub manifest: cid::Cid,
    /// The cache in use.
    pub cache: PathBuf,
    /// The node source (its cache is written as blocks arrive).
    pub source: Rc<NodeSource>,
}

/// What a devnet keeps to fork (at start, and again on `anvil_reset`): its bundle, whose code
/// spares fetching the node's when the forked state names the same one, and the dev accounts'
/// balance.
#[derive(Default)]
pub struct Forking {
    /// The devnet's bundle CAR: where it came from, and its bytes (parsed only to fork).
    pub bundle: Option<(PathBuf, Vec<u8>)>,
    /// Each dev account's balance on a fork.
    pub balance: TokenAmount,
    /// The devnet's fixed base fee (`--base-fee`), if any: a fork keeps it.
    pub base_fee: Option<TokenAmount>,
    /// The current fork, when the devnet is one.
    pub current: Option<Fork>,
}

/// The chain forked as `options` say, on `engine`, with `bundles`' code where it serves and
/// `fixed_base_fee` if any; through `open` when it reads the same node through the same cache
/// (a cache is opened once at a time), else through a source opened here.
fn fork_chain(
    engine: Engine,
    options: ForkOptions,
    bundles: &BundleSet,
    fixed_base_fee: Option<TokenAmount>,
    open: Option<&Fork>,
) -> Result<(Chain, Fork)> {
    let (source, cache) = match open {
        Some(f)
            if f.options.url == options.url
                && f.options.offline == options.offline
                && options.cache.as_ref().is_none_or(|c| c == &f.cache) =>
        {
            (f.source.clone(), f.cache.clone())
        }
        _ => {
            let (source, cache) = NodeSource::connect(
                &options.url,
                options.token.clone(),
                options.cache.as_deref(),
                options.offline,
            )?;
            (Rc::new(source), cache)
        }
    };
    let (ts, child) = fork_point(&source, options.height)?;
    let nv = network_version(&source, &ts)?;
    if nv < FIRST_FORKABLE || skyr::rules::rules_for_number(nv).is_none() {
        bail!(
            "the tipset at {} runs at nv{nv}: a devnet forks nv{FIRST_FORKABLE} (the FEVM) and \
             later ({})",
            ts.height,
            skyr::rules::supported_versions()
        );
    }
    let params = network_params(&source)?;
    let state_root = child.parent_state();
    let state = state_store(&source, bundles, &state_root).context("the state at the fork")?;
    if let Some(why) = state.missing {
        bail!("the actors' code of the state at the fork is not at hand: {why}");
    }
    let base = ForkBase {
        network_version: NetworkVersion::new(nv),
        blocks: ts
            .key
            .iter()
            .copied()
            .zip(ts.headers.iter().cloned())
            .collect(),
        state_root,
        receipts_root: child.headers[0].parent_message_receipts,
        next_base_fee: child.headers[0].parent_base_fee.clone(),
        circ_supply: circulating_supply(&source, &child)?,
        history: Rc::new(NodeExterns::new(source.clone(), ts.key.clone())),
    };
    let config = ChainConfig {
        chain_id: options.chain_id.unwrap_or(params.chain_id),
        block_delay: params.block_delay,
        fixed_base_fee,
    };
    let manifest = skyr::bundle::manifest_cid(&state.manifest)?;
    let chain = Chain::fork(engine, Rc::new(state.store), base, config)?;
    source.commit()?;
    let fork = Fork {
        options,
        height: ts.height,
        network_version: nv,
        manifest,
        cache,
        source,
    };
    Ok((chain, fork))
}

/// `chain` with each of `keys` given `balance` at both its addresses, and that state kept as
/// the one `anvil_reset` without `forking` goes back to.
fn funded(mut chain: Chain, keys: &[DevKey], balance: &TokenAmount) -> Result<Chain> {
    let code = |name: &str| {
        chain
            .manifest()
            .code_by_name(name)
            .copied()
            .ok_or_else(|| anyhow!("the forked state's bundle has no {name} actor"))
    };
    let codes = AccountCodes {
        placeholder: code("placeholder")?,
        account: code("account")?,
    };
    chain.edit_head_state(|tree| {
        for k in keys {
            codes.fund(tree, &k.address, &k.filecoin_address()?, balance)?;
        }
        Ok(())
    })?;
    chain.keep_first_state()?;
    Ok(chain)
}

impl Forking {
    /// The chain `options` fork on `engine`, `keys` funded there, and where it stands: what
    /// a devnet starts on (`--fork-url`) and moves to (`anvil_reset` with `forking`). Reads
    /// through the current fork's source when it is the same node and cache.
    pub fn fork(
        &self,
        engine: Engine,
        options: ForkOptions,
        keys: &[DevKey],
    ) -> Result<(Chain, Fork)> {
        // The devnet's bundle: its code spares fetching the node's when the state names it.
        let mut bundles = BundleSet::default();
        if let Some((origin, car)) = &self.bundle {
            bundles.add(origin.clone(), car.clone())?;
        }
        let base_fee = self.base_fee.clone();
        let (chain, fork) = fork_chain(engine, options, &bundles, base_fee, self.current.as_ref())?;
        Ok((funded(chain, keys, &self.balance)?, fork))
    }
}

impl Node {
    /// Puts the devnet on the chain `options` fork, its dev accounts funded. Pool, snapshots
    /// and time moves start over. On an error nothing changes.
    pub fn fork(&mut self, options: ForkOptions) -> Result<()> {
        if self.persist.is_some() {
            bail!(
                "a devnet kept in --state does not fork: the forked state lives on the node, \
                 and --state keeps whole chains"
            );
        }
        let engine = self.chain.engine().clone();
        let (chain, fork) = self.forking.fork(engine, options, &self.keys)?;
        self.chain_id = chain.config().chain_id;
        self.chain = chain;
        self.forking.current = Some(fork);
        self.pool.clear();
        self.snapshots.clear();
        self.time = Default::default();
        Ok(())
    }

    /// `anvil_reset` with `forking`: forks again, from `url` (default: the node forked now)
    /// at `height` (default: the parent of the node's head, as Anvil forks its latest block).
    pub fn reset_fork(&mut self, url: Option<String>, height: Option<i64>) -> RpcResult<()> {
        let mut options = match (&self.forking.current, url) {
            (Some(f), None) => f.options.clone(),
            (Some(f), Some(url)) => ForkOptions {
                url,
                cache: None,
                ..f.options.clone()
            },
            (None, Some(url)) => ForkOptions {
                url,
                chain_id: None,
                ..ForkOptions::default()
            },
            (None, None) => {
                return Err(RpcError::params(
                    "forking needs a jsonRpcUrl: this devnet was not started from a node",
                ))
            }
        };
        options.height = height;
        self.fork(options)
            .map_err(|e| RpcError::rejected(format!("the fork failed: {e:#}")))
    }

    /// Whether the devnet is a fork of a node's chain.
    pub fn is_fork(&self) -> bool {
        self.forking.current.is_some()
    }
}
