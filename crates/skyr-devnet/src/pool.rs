//! The pool: what a transaction must pass to wait for a block (as Lotus's message pool checks
//! it: gas limit against the inclusion cost, fee cap, sender, nonce, balance), and which
//! waiting transactions a block can take. A transaction whose nonce leaves a gap waits until
//! the gap is filled (a burst sent concurrently arrives out of order), as Anvil's pool keeps
//! such transactions queued; a block takes each sender's transactions in nonce order from the
//! sender's state.
use std::collections::{BTreeMap, BTreeSet};

use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::state_tree::StateTree;
use skyr_chain::{ChainMessage, BLOCK_GAS_LIMIT};

use crate::error::{RpcError, RpcResult};
use crate::node::{Node, Pending, MIN_FEE_CAP};

/// How far past its next nonce a sender's transaction may wait.
pub const MAX_NONCE_GAP: u64 = 1024;
/// The most transactions the pool holds.
pub const MAX_POOL: usize = 10_000;

/// Senders' nonces in the head's state, from one load of it (the pool asks for many).
struct StateNonces {
    tree: StateTree,
}

impl StateNonces {
    /// The nonce of `addr` (0 for an address with no actor).
    fn of(&mut self, addr: &Address) -> RpcResult<u64> {
        let state = |e| RpcError::internal(format!("reading the head's state: {e}"));
        let Some(id) = self.tree.lookup_id(addr).map_err(state)? else {
            return Ok(0);
        };
        let actor = self.tree.get_actor(id).map_err(state)?;
        Ok(actor.map(|a| a.sequence).unwrap_or(0))
    }
}

impl Node {
    fn state_nonces(&self) -> RpcResult<StateNonces> {
        Ok(StateNonces {
            tree: self.chain.state_at(self.chain.head().height())?,
        })
    }

    /// The nonce the sender's next transaction must have: its state's, past the run of its
    /// waiting transactions that follow on from it (one after a gap does not count).
    pub fn next_nonce(&self, addr: &Address) -> RpcResult<u64> {
        let waiting: BTreeSet<u64> = self
            .pool
            .iter()
            .map(|p| p.message.message())
            .filter(|m| &m.from == addr)
            .map(|m| m.sequence)
            .collect();
        let mut n = self.state_nonces()?.of(addr)?;
        while waiting.contains(&n) {
            n += 1;
        }
        Ok(n)
    }

    /// Checks a message as the pool does.
    pub(crate) fn check(&self, message: &ChainMessage) -> RpcResult<()> {
        let m = message.message();
        if m.gas_limit == 0 || m.gas_limit > BLOCK_GAS_LIMIT {
            return Err(RpcError::rejected(format!(
                "gas limit {} is out of range (1 to {BLOCK_GAS_LIMIT})",
                m.gas_limit
            )));
        }
        let rules = skyr::rules::rules_for(self.chain.network_version())
            .ok_or_else(|| RpcError::internal("no rules for the chain's version"))?;
        let inclusion = rules
            .prices
            .on_chain_message(message.chain_length()?)
            .total()
            .round_up();
        if (m.gas_limit as i64) < inclusion {
            return Err(RpcError::rejected(format!(
                "intrinsic gas too low: gas limit {} is below the {inclusion} gas that including \
                 the message costs (Filecoin gas: use eth_estimateGas)",
                m.gas_limit
            )));
        }
        if m.gas_fee_cap < TokenAmount::from_atto(MIN_FEE_CAP) {
            return Err(RpcError::rejected(format!(
                "max fee per gas {} is below the minimum of {MIN_FEE_CAP}",
                m.gas_fee_cap.atto()
            )));
        }
        if m.gas_premium > m.gas_fee_cap {
            return Err(RpcError::rejected(
                "max priority fee per gas higher than max fee per gas",
            ));
        }
        let base_fee = self.chain.next_base_fee();
        if m.gas_fee_cap < base_fee {
            return Err(RpcError::rejected(format!(
                "max fee per gas less than block base fee: {} < {}",
                m.gas_fee_cap.atto(),
                base_fee.atto()
            )));
        }
        let Some((_, sender)) = self.head_actor(&m.from)? else {
            return Err(RpcError::rejected(format!(
                "sender {} does not exist: fund it first",
                m.from
            )));
        };
        let expected = self.next_nonce(&m.from)?;
        if m.sequence < expected
            || self.pool.iter().any(|p| {
                p.message.message().from == m.from && p.message.message().sequence == m.sequence
            })
        {
            return Err(RpcError::rejected(format!(
                "nonce too low: next nonce {expected}, tx nonce {} (a transaction with it is \
                 mined or waiting; replacing one is not supported)",
                m.sequence
            )));
        }
        if m.sequence > expected + MAX_NONCE_GAP {
            return Err(RpcError::rejected(format!(
                "nonce too high: next nonce {expected}, tx nonce {} (at most {MAX_NONCE_GAP} \
                 ahead may wait)",
                m.sequence
            )));
        }
        if self.pool.len() >= MAX_POOL {
            return Err(RpcError::rejected(format!(
                "the pool is full ({MAX_POOL} transactions wait): mine or drop some"
            )));
        }
        let cost = &m.value + &m.gas_fee_cap * m.gas_limit;
        if sender.balance < cost {
            return Err(RpcError::rejected(format!(
                "insufficient funds for gas * price + value: balance {}, cost {}",
                sender.balance.atto(),
                cost.atto()
            )));
        }
        Ok(())
    }

    /// Whether a waiting transaction can be mined now.
    pub(crate) fn has_executable(&self) -> RpcResult<bool> {
        let mut nonces = self.state_nonces()?;
        for p in &self.pool {
            let m = p.message.message();
            if m.sequence == nonces.of(&m.from)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Takes from the pool what a block can hold now, at most `limit`: each sender's
    /// transactions in nonce order from its state's nonce, senders in arrival order. What
    /// waits behind a gap stays; what a nonce already passed (a state edit moved it) is
    /// dropped.
    pub(crate) fn take_executable(&mut self, limit: usize) -> RpcResult<Vec<Pending>> {
        let mut nonces = self.state_nonces()?;
        let mut next: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        let mut taken = Vec::new();
        loop {
            let mut progressed = false;
            let mut i = 0;
            while i < self.pool.len() && taken.len() < limit {
                let m = self.pool[i].message.message();
                let key = m.from.to_bytes();
                let expected = match next.get(&key) {
                    Some(n) => *n,
                    None => nonces.of(&m.from)?,
                };
                next.insert(key, expected);
                if m.sequence == expected {
                    next.insert(m.from.to_bytes(), expected + 1);
                    taken.push(self.pool.remove(i));
                    progressed = true;
                } else if m.sequence < expected
                    && !taken
                        .iter()
                        .any(|t: &Pending| t.message.message().from == m.from)
                {
                    self.pool.remove(i);
                } else {
                    i += 1;
                }
            }
            if !progressed || taken.len() >= limit {
                return Ok(taken);
            }
        }
    }
}
