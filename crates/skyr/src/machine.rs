//! The machine: a state tree, the bundle it runs, the engine, and the node's externs, set up
//! for one epoch of one network version. Messages are applied to it by the
//! [`Executor`](crate::Executor).
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_encoding::CborStore;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::version::NetworkVersion;

use crate::blockstore::{BaseStore, BufferedStore};
use crate::bundle::Manifest;
use crate::engine::metering::Metering;
use crate::engine::Engine;
use crate::externs::{Externs, Verifier};
use crate::rules::{rules_for, supported_versions, NetworkRules};
use crate::state_tree::StateTree;

/// ID of the system actor, whose state names the bundle.
pub const SYSTEM_ACTOR_ID: u64 = 0;
/// Where miner tips go.
pub const REWARD_ACTOR_ID: u64 = 2;
/// FIL that will ever exist, in whole FIL: what actors see circulating unless told otherwise.
pub const TOTAL_FILECOIN: i64 = 2_000_000_000;
/// Where burnt funds go.
pub const BURNT_FUNDS_ACTOR_ID: u64 = 99;

/// Everything that fixes how messages execute, besides the state itself.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    /// Network version.
    pub network_version: NetworkVersion,
    /// The epoch messages execute at.
    pub epoch: ChainEpoch,
    /// The tipset's UNIX timestamp in seconds (fvm_sdk 3's network context).
    pub timestamp: u64,
    /// The chain's EIP-155 ID (fvm_sdk 3's network context; 314 on mainnet).
    pub chain_id: u64,
    /// The state root to start from.
    pub state_root: Cid,
    /// Base fee per gas unit.
    pub base_fee: TokenAmount,
    /// Circulating supply, as actors see it.
    pub circ_supply: TokenAmount,
    /// Nested sends allowed below the top-level call.
    pub max_call_depth: u32,
    /// Stack slots a WASM call chain may use (counted by instrumentation). The engine
    /// instruments code for one limit, so it must be the engine's
    /// ([`Engine::with_stack_limit`]); a machine refuses to start on another.
    pub max_wasm_stack: u32,
    /// Whether actors' debug logs are kept (`debug.enabled` answers yes).
    pub actor_debugging: bool,
    /// True (the default, as the reference): every actor of the bundle must be in the store
    /// and is compiled at start. False: code the store lacks is tolerated until a call needs
    /// it; that call then fails fatally and the code is listed in [`Machine::missing_code`].
    /// For tools that check messages running no actor code when the bundle is not at hand.
    pub require_code: bool,
    /// When actor code is compiled: all of the bundle when the machine starts (the default,
    /// as the reference), or each actor when a call first runs it.
    pub compile: Compile,
    /// Whether messages are traced: each [`ApplyRet`](crate::ApplyRet) then carries its
    /// calls and charges ([`crate::trace`]). Off by default; off, nothing is recorded.
    pub trace: bool,
}

/// When a machine has its actors' code compiled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compile {
    /// Every actor of the bundle as the machine starts, on all cores (modules in the engine
    /// or its disk cache are not compiled again). A bundle with a module that does not
    /// compile is refused there, as the reference refuses it.
    #[default]
    AtStart,
    /// Each actor when a call first runs it: a run that touches three actors of a bundle
    /// compiles three. The code must still be in the store when the machine starts (unless
    /// `require_code` is off). A module that does not compile fails the call that needs it
    /// as a machine failure (fatal), where the reference would have refused to start: the
    /// official bundles all compile, so this only matters for hand-made bundles.
    OnFirstUse,
}

impl MachineConfig {
    /// The defaults of the reference: call depth 1024, WASM stack 2048, zero base fee, the
    /// whole FIL supply circulating, no debugging, timestamp and chain ID 0.
    pub fn new(network_version: NetworkVersion, epoch: ChainEpoch, state_root: Cid) -> Self {
        MachineConfig {
            network_version,
            epoch,
            timestamp: 0,
            chain_id: 0,
            state_root,
            base_fee: TokenAmount::default(),
            circ_supply: TokenAmount::from_whole(TOTAL_FILECOIN),
            max_call_depth: 1024,
            max_wasm_stack: 2048,
            actor_debugging: false,
            require_code: true,
            compile: Compile::AtStart,
            trace: false,
        }
    }
}

/// The state of the system actor: the manifest data CID of the bundle in use.
#[derive(serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
pub struct SystemState {
    /// Manifest data CID.
    pub builtin_actors: Cid,
}

/// A machine ready to apply messages.
pub struct Machine {
    /// How it was configured.
    pub config: MachineConfig,
    /// What this network version decides: ABI, prices, layouts, executor rules.
    pub rules: &'static NetworkRules,
    /// How actor code is metered under these rules (derived once: every invocation asks).
    pub metering: Metering,
    /// The actors.
    pub state: StateTree,
    /// The bundle's actors by name and type.
    pub manifest: Manifest,
    /// Compiles and runs actor code.
    pub engine: Engine,
    /// The node's randomness and fault checks.
    pub externs: Rc<dyn Externs>,
    /// Proof verification.
    pub verifier: Rc<dyn Verifier>,
    /// With `require_code` off: code a call needed that the engine did not have (the call
    /// failed fatally), in order.
    pub missing_code: Vec<Cid>,
}

impl Machine {
    /// Opens the state at `config.state_root` in `store`, finds its bundle through the system
    /// actor, and compiles every actor of the bundle (once per engine; with
    /// `require_code` off, every actor whose code is in the store).
    pub fn new(
        engine: &Engine,
        config: MachineConfig,
        store: Rc<dyn BaseStore>,
        externs: Rc<dyn Externs>,
        verifier: Rc<dyn Verifier>,
    ) -> Result<Self> {
        let rules = rules_for(config.network_version).ok_or_else(|| {
            anyhow!(
                "unsupported network version {} (Skyr runs {})",
                config.network_version,
                supported_versions()
            )
        })?;
        if engine.max_wasm_stack() != config.max_wasm_stack {
            bail!(
                "the engine instruments code for a WASM stack of {} slots, the configuration asks \
                 for {} (make the engine with Engine::with_stack_limit)",
                engine.max_wasm_stack(),
                config.max_wasm_stack
            );
        }
        if !store.has(&config.state_root)? {
            bail!(
                "the blockstore does not have the state root {}",
                config.state_root
            );
        }
        let buffered = BufferedStore::new(store);
        let state = StateTree::load(buffered.clone(), &config.state_root, rules)?;
        let system = state
            .get_actor(SYSTEM_ACTOR_ID)?
            .ok_or_else(|| anyhow!("the state has no system actor"))?;
        let sys: SystemState = buffered
            .get_cbor(&system.state)
            .context("system actor state does not decode")?
            .ok_or_else(|| anyhow!("system actor state {} is missing", system.state))?;
        let metering = rules.metering();
        let manifest = Manifest::load(&buffered, &sys.builtin_actors)?;
        let mut codes = Vec::new();
        for (name, code) in manifest.entries() {
            if !buffered.has(code)? {
                if config.require_code {
                    bail!("actor `{name}` ({code}): no WASM in the blockstore for {code}");
                }
                continue;
            }
            codes.push((name.clone(), *code));
        }
        if config.compile == Compile::AtStart {
            engine.prepare_all(&buffered, &codes, &metering)?;
        }
        Ok(Machine {
            config,
            rules,
            metering,
            state,
            manifest,
            engine: engine.clone(),
            externs,
            verifier,
            missing_code: Vec::new(),
        })
    }

    /// Writes the state tree and copies what the new root reaches into the base store.
    pub fn flush(&mut self) -> Result<Cid> {
        let root = self.state.flush()?;
        self.state.store().flush(&root, self.rules.flush_walk)?;
        Ok(root)
    }
}
