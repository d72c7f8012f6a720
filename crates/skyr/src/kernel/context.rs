//! The actor's own record and surroundings: self, send, network, randomness, gas, debug.
use cid::Cid;
use fvm_shared::address::Address;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::MethodNum;

use super::{Kernel, NO_DATA_BLOCK_ID};
use crate::call_manager::InvocationResult;
use crate::error::{fatal, syscall_err, Result};
use crate::gas::Gas;

/// What a send returns to the actor.
pub enum SendOutcome {
    /// The callee returned: handle (0 for none), codec and size of the return block.
    Return(u32, u64, u32),
    /// The callee aborted with this exit code.
    Abort(ExitCode),
}

impl Kernel {
    /// The actor's state root.
    pub fn root(&mut self) -> Result<Cid> {
        let me = self.receiver;
        match self.cm.machine.state.get_actor(me)? {
            Some(a) => Ok(a.state),
            None => Err(syscall_err(ErrorNumber::IllegalOperation, "actor deleted")),
        }
    }

    /// Replaces the actor's state root.
    pub fn set_root(&mut self, root: Cid) -> Result<()> {
        let me = self.receiver;
        let found = self.cm.machine.state.mutate_actor(me, |a| {
            a.state = root;
            Ok(())
        })?;
        if !found {
            return Err(syscall_err(ErrorNumber::IllegalOperation, "actor deleted"));
        }
        Ok(())
    }

    /// The actor's balance (zero once deleted).
    pub fn current_balance(&mut self) -> Result<TokenAmount> {
        let me = self.receiver;
        Ok(self
            .cm
            .machine
            .state
            .get_actor(me)?
            .map(|a| a.balance)
            .unwrap_or_default())
    }

    /// Deletes the actor, sending its balance to `beneficiary` first.
    pub fn self_destruct(&mut self, beneficiary: &Address) -> Result<()> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_delete_actor())?;
        let balance = self.current_balance()?;
        let me = self.receiver;
        if !balance.is_zero() {
            let to = self
                .cm
                .machine
                .state
                .lookup_id(beneficiary)?
                .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "beneficiary doesn't exist"))?;
            if to == me {
                return Err(syscall_err(
                    ErrorNumber::Forbidden,
                    "benefactor cannot be beneficiary",
                ));
            }
            self.cm.machine.state.transfer(me, to, &balance)?;
        }
        self.cm.machine.state.delete_actor(me);
        Ok(())
    }

    /// Sends a message from this actor, in a transaction that is rolled back if the callee
    /// fails.
    pub fn send(
        &mut self,
        to: &Address,
        method: MethodNum,
        params_id: u32,
        value: &TokenAmount,
    ) -> Result<SendOutcome> {
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
        let result = replace_with::replace_with_or_abort_and_return(&mut self.cm, |cm| {
            cm.send_in_transaction(from, *to, method, params, value.clone(), false)
        })?;
        Ok(match result {
            InvocationResult::Return(None) => SendOutcome::Return(NO_DATA_BLOCK_ID, 0, 0),
            InvocationResult::Return(Some(block)) => {
                let (codec, size) = (block.codec(), block.size());
                let id = self
                    .blocks
                    .put(block)
                    .map_err(|e| fatal(format!("failed to store a valid return value: {e}")))?;
                SendOutcome::Return(id, codec, size)
            }
            InvocationResult::Failure(code) => SendOutcome::Abort(code),
        })
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
        self.charge(pl.on_get_randomness(entropy.len()))?;
        let externs = &self.cm.machine.externs;
        let digest = if beacon {
            externs.beacon_randomness(round)
        } else {
            externs.chain_randomness(round)
        }
        .map_err(|e| syscall_err(ErrorNumber::IllegalArgument, e.to_string()))?;
        Ok(draw_randomness(&digest, pers, round, entropy))
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
