//! Actor syscalls: resolve addresses, look up code, make new actor addresses and actors.
use cid::Cid;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ErrorNumber;
use fvm_shared::ActorID;

use super::Kernel;
use crate::error::{fatal, syscall_err, OrErr, Result};
use crate::state_tree::ActorState;

/// State of an account actor: its key address.
#[derive(serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
struct AccountState {
    address: Address,
}

impl Kernel {
    /// A lookup syscall's zero charge, under its name, where the schedule names them
    /// ([`PriceList::names_free_lookups`](crate::gas::PriceList::names_free_lookups)).
    pub fn charge_free_lookup(&mut self, name: &'static str) -> Result<()> {
        self.charge_lookup(|pl| pl.on_free_lookup(name))
    }

    /// A lookup syscall's charge (`charge` of the schedule), where the schedule names
    /// lookups; every schedule prices them at zero.
    pub fn charge_lookup(
        &mut self,
        charge: impl FnOnce(&crate::gas::PriceList) -> crate::gas::GasCharge,
    ) -> Result<()> {
        let pl = self.cm.machine.rules.prices;
        if pl.names_free_lookups {
            self.cm.gas.apply(&charge(pl))?;
        }
        Ok(())
    }

    /// The ID behind an address, if any.
    pub fn resolve_address(&mut self, addr: &Address) -> Result<Option<ActorID>> {
        self.cm.resolve_address(addr)
    }

    /// The code CID of an actor, if it exists.
    pub fn get_actor_code_cid(&mut self, id: ActorID) -> Result<Option<Cid>> {
        Ok(self.cm.get_actor(id)?.map(|a| a.code))
    }

    /// An actor's balance (fvm_sdk 3).
    pub fn balance_of(&mut self, id: ActorID) -> Result<TokenAmount> {
        self.cm
            .get_actor(id)?
            .map(|a| a.balance)
            .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "actor not found"))
    }

    /// An actor's f4 address, if it has one (fvm_sdk 3).
    pub fn lookup_delegated_address(&mut self, id: ActorID) -> Result<Option<Address>> {
        self.cm
            .get_actor(id)?
            .map(|a| a.delegated_address)
            .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "actor not found"))
    }

    /// The robust address the next actor this message creates will get (fvm_sdk 3).
    pub fn next_actor_address(&self) -> Result<Address> {
        self.cm.next_actor_address()
    }

    /// Creates an actor of `code` under `id`, with an f4 address if given (fvm_sdk 3): only
    /// the init actor may, and not in a read-only call.
    pub fn create_actor_with_address(
        &mut self,
        code: Cid,
        id: ActorID,
        delegated: Option<Address>,
    ) -> Result<()> {
        if self.receiver != crate::state_tree::INIT_ACTOR_ID {
            return Err(syscall_err(
                ErrorNumber::Forbidden,
                format!(
                    "create_actor is restricted to InitActor. Called by {}",
                    self.receiver
                ),
            ));
        }
        self.check_writable("create actors")?;
        self.cm.create_actor(code, id, delegated)
    }

    /// The key address behind an address: itself for f1/f3, else the account actor's state.
    /// Gas is charged for reading the account state when `charge` is set.
    pub fn resolve_to_key_addr(&mut self, addr: &Address, charge: bool) -> Result<Address> {
        if matches!(addr.protocol(), Protocol::BLS | Protocol::Secp256k1) {
            return Ok(*addr);
        }
        let state = &mut self.cm.machine.state;
        let act = match state.lookup_id(addr)? {
            Some(id) => state.get_actor(id)?,
            None => None,
        }
        .ok_or_else(|| syscall_err(ErrorNumber::NotFound, "state tree doesn't contain actor"))?;
        if !self.cm.machine.manifest.is_account(&act.code) {
            return Err(syscall_err(
                ErrorNumber::IllegalArgument,
                "target actor is not an account",
            ));
        }
        let pl = self.cm.machine.rules.prices;
        if charge {
            self.charge(pl.on_block_open_base())?;
        }
        let store = self.cm.machine.state.store();
        let bytes = fvm_ipld_blockstore::Blockstore::get(store, &act.state)
            .or_fatal()?
            .ok_or_else(|| fatal("account actor state not found"))?;
        if charge {
            self.charge(pl.on_block_open_per_byte(bytes.len(), 0))?;
        }
        let st: AccountState = fvm_ipld_encoding::from_slice(&bytes)
            .map_err(|e| fatal(format!("failed to decode actor state as an account: {e}")))?;
        self.cm
            .machine
            .rules
            .check_address(&st.address)
            .map_err(|e| fatal(format!("failed to decode actor state as an account: {e}")))?;
        Ok(st.address)
    }

    /// A fresh robust (f2) address (fvm_sdk 2): hash of the origin's key address, the
    /// message nonce and the number of addresses asked for so far in the message.
    pub fn new_actor_address(&mut self) -> Result<Address> {
        let origin = self.cm.origin.address;
        let key = self
            .resolve_to_key_addr(&origin, false)
            .map_err(|e| match e {
                crate::error::ExecError::Syscall(s) => fatal(s.message),
                other => other,
            })?;
        let mut b = fvm_ipld_encoding::to_vec(&key).or_fatal()?;
        b.extend_from_slice(&self.cm.origin.nonce.to_be_bytes());
        b.extend_from_slice(&self.cm.next_actor_index().to_be_bytes());
        Ok(Address::new_actor(&b))
    }

    /// Creates an actor of a built-in, non-singleton type under a new ID.
    pub fn create_actor(&mut self, code: Cid, id: ActorID) -> Result<()> {
        let manifest = &self.cm.machine.manifest;
        if manifest.type_of(&code) == 0 {
            return Err(syscall_err(
                ErrorNumber::Forbidden,
                "can only create built-in actors",
            ));
        }
        if manifest.is_singleton(&code) {
            return Err(syscall_err(
                ErrorNumber::Forbidden,
                "can only have one instance of singleton actors",
            ));
        }
        if let Ok(Some(_)) = self.cm.get_actor(id) {
            return Err(syscall_err(
                ErrorNumber::Forbidden,
                "Actor address already exists",
            ));
        }
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_create_actor(true))?;
        self.cm.set_actor(id, ActorState::fresh(code))
    }

    /// The built-in type number of a code CID (0 when not built in).
    pub fn get_builtin_actor_type(&self, code: &Cid) -> u32 {
        self.cm.machine.manifest.type_of(code)
    }

    /// The code CID of a built-in type number.
    pub fn get_code_cid_for_type(&self, typ: u32) -> Result<Cid> {
        self.cm
            .machine
            .manifest
            .code_of(typ)
            .copied()
            .ok_or_else(|| {
                syscall_err(
                    ErrorNumber::IllegalArgument,
                    "tried to resolve CID of unrecognized actor type",
                )
            })
    }
}
