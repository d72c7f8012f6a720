//! The actor's own record and surroundings: self, send, network, randomness, gas, debug.
use cid::Cid;
use fvm_shared::address::Address;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::{ActorID, MethodNum};

use super::{Kernel, NO_DATA_BLOCK_ID};
use crate::call_manager::SendOptions;
use crate::error::{fatal, syscall_err, OrErr, Result};
use crate::gas::Gas;

/// What a send returns to the actor: the exit code and the returned block's handle (0 for
/// none), codec and size.
#[derive(Clone, Copy, Debug)]
pub struct SendOutcome {
    /// The callee's exit code.
    pub exit_code: ExitCode,
    /// Handle of the returned block, 0 for none.
    pub id: u32,
    /// Its codec.
    pub codec: u64,
    /// Its size.
    pub size: u32,
}

/// What `vm.message_context` tells an actor (fvm_sdk 3).
#[derive(Clone, Debug)]
pub struct MessageContext {
    /// The message's sender.
    pub origin: ActorID,
    /// The message's sequence.
    pub nonce: u64,
    /// Who called.
    pub caller: ActorID,
    /// The actor running.
    pub receiver: ActorID,
    /// The method running.
    pub method: MethodNum,
    /// Value received.
    pub value_received: TokenAmount,
    /// The message's effective gas premium.
    pub gas_premium: TokenAmount,
    /// Whether the call is read-only.
    pub read_only: bool,
}

/// What `network.context` tells an actor (fvm_sdk 3).
#[derive(Clone, Debug)]
pub struct NetworkContext {
    /// The current epoch.
    pub epoch: ChainEpoch,
    /// The tipset's timestamp.
    pub timestamp: u64,
    /// The base fee.
    pub base_fee: TokenAmount,
    /// The chain ID.
    pub chain_id: u64,
    /// The network version.
    pub network_version: u32,
}

/// The burnt funds actor, where self-destructing actors burn what they hold (fvm_sdk 4).
const BURNT_FUNDS_ACTOR_ID: ActorID = 99;

impl Kernel {
    /// The actor's own record, paying for the lookup where priced.
    fn get_self(&mut self) -> Result<Option<crate::state_tree::ActorState>> {
        let me = self.receiver;
        self.cm.get_actor(me)
    }

    /// The actor's state root (which becomes reachable).
    pub fn root(&mut self) -> Result<Cid> {
        if let Some(charge) = self.cm.machine.rules.prices.on_get_root() {
            self.charge(charge)?;
        }
        match self.get_self()? {
            Some(a) => {
                self.blocks.mark_reachable(&a.state);
                Ok(a.state)
            }
            None => Err(syscall_err(ErrorNumber::IllegalOperation, "actor deleted")),
        }
    }

    /// Replaces the actor's state root with a reachable CID.
    pub fn set_root(&mut self, root: Cid) -> Result<()> {
        self.check_writable("update the state root")?;
        if let Some(charge) = self.cm.machine.rules.prices.on_set_root() {
            self.charge(charge)?;
        }
        if !self.blocks.is_reachable(&root) {
            return Err(syscall_err(
                ErrorNumber::NotFound,
                format!("new root cid not reachable: {root}"),
            ));
        }
        let mut me = self
            .get_self()?
            .ok_or_else(|| syscall_err(ErrorNumber::IllegalOperation, "actor deleted"))?;
        me.state = root;
        let id = self.receiver;
        self.cm.set_actor(id, me)
    }

    /// The actor's balance (zero once deleted).
    pub fn current_balance(&mut self) -> Result<TokenAmount> {
        self.charge_free_lookup("OnSelfBalance")?;
        Ok(self.get_self()?.map(|a| a.balance).unwrap_or_default())
    }

    /// Deletes the actor once `pay_out` has disposed of what it holds (called only when it
    /// holds something): the checks and charge every generation shares.
    fn destruct(
        &mut self,
        pay_out: impl FnOnce(&mut Self, ActorID, TokenAmount) -> Result<()>,
    ) -> Result<()> {
        self.check_writable("self-destruct")?;
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_delete_actor())?;
        let balance = self.current_balance()?;
        let me = self.receiver;
        if !balance.is_zero() {
            pay_out(self, me, balance)?;
        }
        self.cm.delete_actor(me)
    }

    /// Deletes the actor, sending its balance to `beneficiary` first.
    pub fn self_destruct(&mut self, beneficiary: &Address) -> Result<()> {
        self.destruct(|k, me, balance| {
            let to = k
                .cm
                .resolve_address(beneficiary)?
                .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "beneficiary doesn't exist"))?;
            if to == me {
                return Err(syscall_err(
                    ErrorNumber::Forbidden,
                    "benefactor cannot be beneficiary",
                ));
            }
            k.cm.transfer(me, to, &balance)
        })
    }

    /// Deletes the actor (fvm_sdk 4). What it still holds is burnt when `burn`; otherwise
    /// holding anything refuses the deletion.
    pub fn self_destruct_burning(&mut self, burn: bool) -> Result<()> {
        self.destruct(|k, me, balance| {
            if !burn {
                return Err(syscall_err(
                    ErrorNumber::IllegalOperation,
                    "self-destruct with unspent funds",
                ));
            }
            // The balance was just read: a failing transfer is the machine's fault.
            k.cm.transfer(me, BURNT_FUNDS_ACTOR_ID, &balance)
                .map_err(|e| match e {
                    crate::error::ExecError::Syscall(s) => fatal(s.message),
                    other => other,
                })
        })
    }

    /// Sends a message from this actor, in a transaction that is rolled back if the callee
    /// fails.
    pub fn send(
        &mut self,
        to: &Address,
        method: MethodNum,
        params_id: u32,
        value: &TokenAmount,
        options: SendOptions,
    ) -> Result<SendOutcome> {
        let read_only = self.read_only || options.read_only;
        if read_only && !value.is_zero() {
            return Err(syscall_err(
                ErrorNumber::ReadOnly,
                "cannot transfer value when read-only",
            ));
        }
        let params = if params_id == NO_DATA_BLOCK_ID {
            None
        } else {
            Some(self.blocks.get(params_id)?.clone())
        };
        if self.blocks.is_full() {
            return Err(syscall_err(
                ErrorNumber::LimitExceeded,
                "cannot store return block",
            ));
        }
        let from = self.receiver;
        let options = SendOptions {
            read_only,
            ..options
        };
        // The call manager turns a panic in any of its steps into a fatal error (see
        // `CallManager::send_traced`), so the abort here is a last resort, not a path.
        let result = replace_with::replace_with_or_abort_and_return(&mut self.cm, |cm| {
            cm.send(from, *to, method, params, value, options)
        })?;
        let exit_code = result.exit_code();
        Ok(match result.value() {
            None => SendOutcome {
                exit_code,
                id: NO_DATA_BLOCK_ID,
                codec: 0,
                size: 0,
            },
            Some(block) => {
                let (codec, size) = (block.codec(), block.size());
                let id = self
                    .blocks
                    .put(block.clone())
                    .map_err(|e| fatal(format!("failed to store a valid return value: {e}")))?;
                SendOutcome {
                    exit_code,
                    id,
                    codec,
                    size,
                }
            }
        })
    }

    /// The message and call this invocation runs in.
    pub fn message_context(&mut self) -> Result<MessageContext> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_message_context())?;
        Ok(MessageContext {
            origin: self.cm.origin.id,
            nonce: self.cm.origin.nonce,
            caller: self.caller,
            receiver: self.receiver,
            method: self.method,
            value_received: self.value_received.clone(),
            gas_premium: self.cm.origin.gas_premium.clone(),
            read_only: self.read_only,
        })
    }

    /// The chain's current epoch, time, base fee, ID and version.
    pub fn network_context(&mut self) -> Result<NetworkContext> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_network_context())?;
        let c = &self.cm.machine.config;
        Ok(NetworkContext {
            epoch: c.epoch,
            timestamp: c.timestamp,
            base_fee: c.base_fee.clone(),
            chain_id: c.chain_id,
            network_version: u32::from(c.network_version),
        })
    }

    /// The CID of the tipset at `epoch`: strictly before the current epoch, within a
    /// finality.
    pub fn tipset_cid(&mut self, epoch: ChainEpoch) -> Result<Cid> {
        let bad = |m: String| syscall_err(ErrorNumber::IllegalArgument, m);
        if epoch < 0 {
            return Err(bad("epoch is negative".into()));
        }
        let offset = self.cm.machine.config.epoch.saturating_sub(epoch);
        if offset < 0 {
            return Err(bad(format!("epoch {epoch} is in the future")));
        }
        if offset == 0 {
            return Err(bad(
                "cannot lookup the tipset cid for the current epoch".into()
            ));
        }
        if let Some(limit) = self.cm.machine.rules.tipset_lookback_limit {
            if offset >= limit {
                return Err(bad(format!("epoch {epoch} is too far in the past")));
            }
        }
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_tipset_cid(offset))?;
        self.cm.machine.externs.tipset_cid(epoch).or_fatal()
    }

    /// Gas the message has left, in whole gas (rounded down).
    pub fn gas_available(&self) -> u64 {
        let milligas = self.cm.gas.available().as_milligas().max(0);
        u64::try_from(milligas / crate::gas::MILLIGAS_PER_GAS).unwrap_or(0)
    }

    /// Randomness drawn for this actor from the chain's tickets or, with `beacon`, from the
    /// drand beacon.
    pub fn randomness(
        &mut self,
        beacon: bool,
        pers: i64,
        round: ChainEpoch,
        entropy: &[u8],
    ) -> Result<[u8; 32]> {
        let pl = self.cm.machine.rules.prices;
        let lookback = self.cm.machine.config.epoch.wrapping_sub(round);
        self.charge(pl.on_get_randomness(entropy.len(), lookback))?;
        let digest = self.node_randomness(beacon, round)?;
        Ok(draw_randomness(&digest, pers, round, entropy))
    }

    /// The node's randomness digest for `round` (fvm_sdk 4: the actor mixes in its tag and
    /// entropy itself), charged by how far back it lies. A round past the current epoch is
    /// charged as a huge lookback, and so runs out of gas, as in the reference (ref-fvm
    /// #2056); only a lookback that overflows is refused outright.
    pub fn randomness_digest(&mut self, beacon: bool, round: ChainEpoch) -> Result<[u8; 32]> {
        let lookback = self
            .cm
            .machine
            .config
            .epoch
            .checked_sub(round)
            .ok_or_else(|| {
                syscall_err(
                    ErrorNumber::IllegalArgument,
                    format!("randomness epoch {round} is in the future"),
                )
            })?;
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_get_randomness(0, lookback))?;
        self.node_randomness(beacon, round)
    }

    fn node_randomness(&self, beacon: bool, round: ChainEpoch) -> Result<[u8; 32]> {
        let externs = &self.cm.machine.externs;
        if beacon {
            externs.beacon_randomness(round)
        } else {
            externs.chain_randomness(round)
        }
        .map_err(|e| syscall_err(ErrorNumber::IllegalArgument, e.to_string()))
    }

    /// Charges gas the actor asked to be charged.
    pub fn charge_named(&mut self, name: &str, gas: Gas) -> Result<()> {
        self.cm.gas.charge(name, gas)
    }

    /// True when the machine runs with actor debugging on.
    pub fn debug_enabled(&self) -> bool {
        self.cm.machine.config.actor_debugging
    }

    /// A debug log line from the actor (only with debugging on).
    pub fn log(&mut self, msg: String) {
        tracing::info!(target: "skyr::actor", actor = self.receiver, "{msg}");
        self.cm.logs.push(msg);
    }

    /// Checks a debug artifact's name. Skyr keeps artifacts nowhere (the reference writes them
    /// to a folder named by an environment variable); the checks and errors are the same.
    pub fn store_artifact(&mut self, name: &str, _data: &[u8]) -> Result<()> {
        let bad = |m: &str| syscall_err(ErrorNumber::IllegalArgument, m);
        if name.len() > 256 {
            return Err(bad("debug artifact name should not exceed 256 bytes"));
        }
        if name.chars().any(std::path::is_separator) {
            return Err(bad(
                "debug artifact name should not include any path separators",
            ));
        }
        match name.chars().next() {
            None => Err(bad("debug artifact name should be at least one character")),
            Some('.') => Err(bad(
                "debug artifact name should not start with a decimal '.'",
            )),
            Some(_) => Ok(()),
        }
    }
}

/// Mixes the actor's personalisation, the epoch and its entropy into a node digest.
fn draw_randomness(digest: &[u8; 32], pers: i64, round: ChainEpoch, entropy: &[u8]) -> [u8; 32] {
    let h = blake2b_simd::Params::new()
        .hash_length(32)
        .to_state()
        .update(&pers.to_be_bytes())
        .update(digest)
        .update(&round.to_be_bytes())
        .update(entropy)
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(h.as_bytes());
    out
}
