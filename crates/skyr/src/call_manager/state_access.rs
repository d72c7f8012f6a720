//! Charges for reading and writing actors in the state tree (FIP-0057), once per actor per
//! message, and the call manager's actor accessors that apply them.
//!
//! Under a price list without state access prices (before Hygge) the accessors are plain
//! state tree operations. With them, the first read of an actor in a message pays a lookup
//! and the first write an update (plus the lookup, if it was never read); actors the price
//! list preloads, the message's sender and its top-level receiver are free. What a call
//! records is forgotten when the call fails, as its state changes are.
use std::collections::BTreeMap;

use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ErrorNumber;
use fvm_shared::ActorID;

use super::CallManager;
use crate::error::{fatal, syscall_err, Result};
use crate::gas::StateAccessPrices;
use crate::state_tree::ActorState;

/// How far a message has touched an actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Looked up.
    Read,
    /// Written.
    Updated,
}

/// Which actors a message has paid to touch, with an undo log per open call.
#[derive(Debug)]
pub struct StateAccess {
    prices: StateAccessPrices,
    actors: BTreeMap<ActorID, Access>,
    /// Every change as (actor, what it was before), oldest first.
    undo: Vec<(ActorID, Option<Access>)>,
    /// Undo log lengths at the start of each open call.
    layers: Vec<usize>,
}

impl StateAccess {
    /// A tracker for one message: preloaded actors count as written already.
    pub fn new(prices: StateAccessPrices) -> Self {
        let actors = prices
            .preloaded
            .iter()
            .map(|id| (*id, Access::Updated))
            .collect();
        StateAccess {
            prices,
            actors,
            undo: Vec::new(),
            layers: Vec::new(),
        }
    }

    /// How far `id` has been touched.
    pub fn get(&self, id: ActorID) -> Option<Access> {
        self.actors.get(&id).copied()
    }

    fn set(&mut self, id: ActorID, access: Access) {
        let before = self.actors.insert(id, access);
        if before != Some(access) {
            self.undo.push((id, before));
        }
    }

    /// Records a read (a write stays a write).
    pub fn record_read(&mut self, id: ActorID) {
        if self.get(id).is_none() {
            self.set(id, Access::Read);
        }
    }

    /// Records a write.
    pub fn record_update(&mut self, id: ActorID) {
        self.set(id, Access::Updated);
    }

    /// Opens a call.
    pub fn begin(&mut self) {
        self.layers.push(self.undo.len());
    }

    /// Closes a call, forgetting what it recorded when it failed.
    pub fn end(&mut self, revert: bool) -> Result<()> {
        let mark = self
            .layers
            .pop()
            .ok_or_else(|| fatal("state access tracker not in a call"))?;
        if revert {
            while self.undo.len() > mark {
                let Some((id, before)) = self.undo.pop() else {
                    break;
                };
                match before {
                    Some(a) => self.actors.insert(id, a),
                    None => self.actors.remove(&id),
                };
            }
        }
        Ok(())
    }
}

impl CallManager {
    /// Charges for reading `id` if the message has not read it yet.
    fn charge_read(&mut self, id: ActorID) -> Result<()> {
        let Some(access) = &self.access else {
            return Ok(());
        };
        if access.get(id).is_none() {
            let charge = access.prices.on_actor_lookup();
            self.gas.apply(&charge)?;
        }
        Ok(())
    }

    /// Charges for writing `id` if the message has not written it yet.
    fn charge_write(&mut self, id: ActorID) -> Result<()> {
        let Some(access) = &self.access else {
            return Ok(());
        };
        let state = access.get(id);
        let (lookup, update) = (
            access.prices.on_actor_lookup(),
            access.prices.on_actor_update(),
        );
        if state.is_none() {
            self.gas.apply(&lookup)?;
        }
        if state < Some(Access::Updated) {
            self.gas.apply(&update)?;
        }
        Ok(())
    }

    /// An actor, paying for the lookup where the rules price it.
    pub fn get_actor(&mut self, id: ActorID) -> Result<Option<ActorState>> {
        self.charge_read(id)?;
        let actor = self.machine.state.get_actor(id)?;
        if let Some(access) = &mut self.access {
            access.record_read(id);
        }
        Ok(actor)
    }

    /// Writes an actor, paying for the update where the rules price it.
    pub fn set_actor(&mut self, id: ActorID, actor: ActorState) -> Result<()> {
        self.charge_write(id)?;
        self.machine.state.set_actor(id, actor);
        if let Some(access) = &mut self.access {
            access.record_update(id);
        }
        Ok(())
    }

    /// Deletes an actor, paying as for an update.
    pub fn delete_actor(&mut self, id: ActorID) -> Result<()> {
        self.charge_write(id)?;
        self.machine.state.delete_actor(id);
        if let Some(access) = &mut self.access {
            access.record_update(id);
        }
        Ok(())
    }

    /// The ID behind an address (address lookups are not priced).
    pub fn resolve_address(&mut self, addr: &Address) -> Result<Option<ActorID>> {
        self.machine.state.lookup_id(addr)
    }

    /// Moves `value` from one actor to another.
    pub fn transfer(&mut self, from: ActorID, to: ActorID, value: &TokenAmount) -> Result<()> {
        if value.is_negative() {
            return Err(syscall_err(
                ErrorNumber::IllegalArgument,
                "negative transfer",
            ));
        }
        let mut sender = self
            .get_actor(from)?
            .ok_or_else(|| syscall_err(ErrorNumber::InsufficientFunds, "sender does not exist"))?;
        if &sender.balance < value {
            return Err(syscall_err(
                ErrorNumber::InsufficientFunds,
                format!("balance {} below transfer {}", sender.balance, value),
            ));
        }
        if from == to {
            return Ok(());
        }
        let mut receiver = self
            .get_actor(to)?
            .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "receiver does not exist"))?;
        sender.balance -= value;
        receiver.balance += value;
        self.set_actor(from, sender)?;
        self.set_actor(to, receiver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gas::Gas;

    fn tracker() -> StateAccess {
        StateAccess::new(StateAccessPrices {
            lookup: Gas::new(1),
            update: Gas::new(2),
            preloaded: &[1],
        })
    }

    #[test]
    fn failed_calls_forget_what_they_touched() {
        let mut t = tracker();
        assert_eq!(t.get(1), Some(Access::Updated));
        t.begin();
        t.record_read(101);
        t.begin();
        t.record_update(101);
        t.record_read(102);
        t.end(true).expect("end");
        assert_eq!(t.get(101), Some(Access::Read));
        assert_eq!(t.get(102), None);
        t.end(false).expect("end");
        assert_eq!(t.get(101), Some(Access::Read));
        assert!(t.end(false).is_err());
    }

    #[test]
    fn a_write_stays_a_write() {
        let mut t = tracker();
        t.record_update(5);
        t.record_read(5);
        assert_eq!(t.get(5), Some(Access::Updated));
    }
}
