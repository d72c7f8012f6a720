//! The state tree: every actor's record in a HAMT keyed by ID address, behind a stack of
//! change layers so a failed call can be rolled back without touching the HAMT.
//!
//! Changes only reach the HAMT at [`StateTree::flush`]; until then the bottom layer holds
//! them. Address resolution goes through the init actor's address map (as stored in the
//! layers, so it also rolls back) and caches what it finds.
use std::collections::BTreeMap;

use cid::Cid;
use fvm_ipld_encoding::tuple::*;
use fvm_ipld_encoding::CborStore;
use fvm_ipld_hamt::Hamt;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use fvm_shared::state::{StateInfo0, StateRoot, StateTreeVersion};
use fvm_shared::ActorID;
use multihash_codetable::Code;

use crate::blockstore::BufferedStore;
use crate::error::{fatal, OrErr, Result};
use crate::rules::NetworkRules;

/// Bit width of the actors HAMT and of the init actor's address map.
pub const HAMT_BIT_WIDTH: u32 = 5;

/// ID of the init actor, keeper of the address map.
pub const INIT_ACTOR_ID: ActorID = 1;

/// One actor's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorState {
    /// Code CID: which WASM module runs this actor.
    pub code: Cid,
    /// Root of the actor's own state.
    pub state: Cid,
    /// Messages sent (for accounts), the nonce.
    pub sequence: u64,
    /// Balance in attoFIL.
    pub balance: TokenAmount,
    /// The actor's f4 address, if it has one. Only state trees of version 5 and later can
    /// hold it; older trees refuse to store a record that has one.
    pub delegated_address: Option<Address>,
}

impl ActorState {
    /// A new actor of `code`: empty state (the CID of an empty list, whose block is not
    /// stored), no messages, no balance.
    pub fn fresh(code: Cid) -> Self {
        Self::new_empty(code, None)
    }

    /// A new actor of `code` with an f4 address.
    pub fn new_empty(code: Cid, delegated_address: Option<Address>) -> Self {
        ActorState {
            code,
            state: empty_array_cid(),
            sequence: 0,
            balance: TokenAmount::default(),
            delegated_address,
        }
    }
}

/// An actor record as the HAMT stores it. Its shape depends on the state tree version:
/// `[code, state, sequence, balance]` up to version 4, `[code, state, sequence, balance,
/// delegated address or null]` from version 5. Decoding accepts either and remembers which,
/// so the tree can refuse a record of the other version's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    actor: ActorState,
    five_fields: bool,
}

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeTuple};
        let a = &self.actor;
        if !self.five_fields && a.delegated_address.is_some() {
            return Err(S::Error::custom(
                "an actor with an f4 address in a state tree older than version 5",
            ));
        }
        let mut t = s.serialize_tuple(if self.five_fields { 5 } else { 4 })?;
        t.serialize_element(&a.code)?;
        t.serialize_element(&a.state)?;
        t.serialize_element(&a.sequence)?;
        t.serialize_element(&a.balance)?;
        if self.five_fields {
            t.serialize_element(&a.delegated_address)?;
        }
        t.end()
    }
}

impl<'de> serde::Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Record;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an actor record of four or five fields")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Record, A::Error> {
                use serde::de::Error;
                let missing = |what| A::Error::custom(format!("actor record without {what}"));
                let code = seq.next_element()?.ok_or_else(|| missing("code"))?;
                let state = seq.next_element()?.ok_or_else(|| missing("state"))?;
                let sequence = seq.next_element()?.ok_or_else(|| missing("sequence"))?;
                let balance = seq.next_element()?.ok_or_else(|| missing("balance"))?;
                // A fifth field (the f4 address, or null) marks a version 5 record.
                let fifth: Option<Option<Address>> = seq.next_element()?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::custom("actor record with more than five fields"));
                }
                Ok(Record {
                    actor: ActorState {
                        code,
                        state,
                        sequence,
                        balance,
                        delegated_address: fifth.flatten(),
                    },
                    five_fields: fifth.is_some(),
                })
            }
        }
        d.deserialize_seq(Visit)
    }
}

/// CID of the empty DAG-CBOR list: the state of a freshly created actor. The block itself is
/// not stored.
pub fn empty_array_cid() -> Cid {
    use multihash_codetable::MultihashDigest;
    Cid::new_v1(
        fvm_ipld_encoding::DAG_CBOR,
        Code::Blake2b256.digest(&[0x80]),
    )
}

/// The init actor's state, as builtin-actors v9 lays it out.
#[derive(Clone, Debug, Serialize_tuple, Deserialize_tuple)]
pub struct InitState {
    /// HAMT: address bytes -> actor ID.
    pub address_map: Cid,
    /// The next ID to hand out.
    pub next_id: ActorID,
    /// The network's name.
    pub network_name: String,
}

#[derive(Default)]
struct Layer {
    /// `None` marks a deleted actor.
    actors: BTreeMap<ActorID, Option<ActorState>>,
    /// Address bytes -> ID, as resolved through the init actor.
    resolved: BTreeMap<Vec<u8>, ActorID>,
}

/// The actors of a state root, with uncommitted changes in layers.
pub struct StateTree {
    hamt: Hamt<BufferedStore, Record>,
    version: StateTreeVersion,
    info: Cid,
    layers: Vec<Layer>,
    /// The init actor's address map last read, by its root: a map's content never changes
    /// under one CID, so the nodes it loaded serve every later lookup until the init actor
    /// points elsewhere. (Address lookups charge no gas: this changes only speed.)
    address_map: Option<(Cid, Hamt<BufferedStore, ActorID>)>,
}

impl StateTree {
    /// Opens the tree at `root`, a versioned state root of a version the rules accept.
    pub fn load(store: BufferedStore, root: &Cid, rules: &NetworkRules) -> Result<Self> {
        let sr: StateRoot = store
            .get_cbor(root)
            .map_err(|e| fatal(format!("state root {root} is not a valid state root: {e}")))?
            .ok_or_else(|| fatal(format!("state root {root} is not in the blockstore")))?;
        if !rules.accepts_state_tree(sr.version) {
            return Err(fatal(format!(
                "unsupported state tree version {:?} (network versions {}–{} open {:?})",
                sr.version,
                rules.versions.start(),
                rules.versions.end(),
                rules.state_tree_versions
            )));
        }
        let hamt = Hamt::load_with_bit_width(&sr.actors, store, HAMT_BIT_WIDTH)
            .map_err(|e| fatal(format!("actors HAMT {} does not load: {e}", sr.actors)))?;
        Ok(StateTree {
            hamt,
            version: sr.version,
            info: sr.info,
            layers: vec![Layer::default()],
            address_map: None,
        })
    }

    /// A new, empty tree of the version the rules create.
    pub fn new_empty(store: BufferedStore, rules: &NetworkRules) -> Result<Self> {
        let info = store
            .put_cbor(&StateInfo0::default(), Code::Blake2b256)
            .or_fatal()?;
        let hamt = Hamt::new_with_bit_width(store, HAMT_BIT_WIDTH);
        Ok(StateTree {
            hamt,
            version: rules.new_state_tree_version,
            info,
            layers: vec![Layer::default()],
            address_map: None,
        })
    }

    /// Whether records have the fifth field (the f4 address): state tree version 5 on.
    fn five_field_records(&self) -> bool {
        self.version >= StateTreeVersion::V5
    }

    /// The blockstore under the tree.
    pub fn store(&self) -> &BufferedStore {
        self.hamt.store()
    }

    /// An actor by ID, or None when it does not exist.
    pub fn get_actor(&self, id: ActorID) -> Result<Option<ActorState>> {
        for layer in self.layers.iter().rev() {
            if let Some(entry) = layer.actors.get(&id) {
                return Ok(entry.clone());
            }
        }
        let record = self
            .hamt
            .get(&Address::new_id(id).to_bytes())
            .map_err(|e| fatal(format!("failed to read actor {id} from the HAMT: {e}")))?;
        match record {
            None => Ok(None),
            Some(r) if r.five_fields == self.five_field_records() => Ok(Some(r.actor.clone())),
            Some(r) => Err(fatal(format!(
                "actor {id}: a record of {} fields in a state tree of version {:?}",
                if r.five_fields { 5 } else { 4 },
                self.version
            ))),
        }
    }

    /// Writes an actor's record (in the top layer).
    pub fn set_actor(&mut self, id: ActorID, actor: ActorState) {
        self.top().actors.insert(id, Some(actor));
    }

    /// Deletes an actor (in the top layer).
    pub fn delete_actor(&mut self, id: ActorID) {
        self.top().actors.insert(id, None);
    }

    /// Applies `f` to an existing actor; false when there is no such actor.
    pub fn mutate_actor(
        &mut self,
        id: ActorID,
        f: impl FnOnce(&mut ActorState) -> Result<()>,
    ) -> Result<bool> {
        let Some(mut act) = self.get_actor(id)? else {
            return Ok(false);
        };
        f(&mut act)?;
        self.set_actor(id, act);
        Ok(true)
    }

    fn top(&mut self) -> &mut Layer {
        // The bottom layer is never popped, so there is always a top.
        let last = self.layers.len() - 1;
        &mut self.layers[last]
    }

    /// The init actor's state.
    pub fn init_state(&self) -> Result<(InitState, ActorState)> {
        let act = self
            .get_actor(INIT_ACTOR_ID)?
            .ok_or_else(|| fatal("the state has no init actor"))?;
        let st: InitState = self
            .store()
            .get_cbor(&act.state)
            .map_err(|e| fatal(format!("init actor state does not decode: {e}")))?
            .ok_or_else(|| fatal("init actor state is missing"))?;
        Ok((st, act))
    }

    /// Resolves any address to an actor ID; None when the address is unknown.
    pub fn lookup_id(&mut self, addr: &Address) -> Result<Option<ActorID>> {
        if let Payload::ID(id) = addr.payload() {
            return Ok(Some(*id));
        }
        let key = addr.to_bytes();
        for layer in self.layers.iter().rev() {
            if let Some(id) = layer.resolved.get(&key) {
                return Ok(Some(*id));
            }
        }
        let (st, _) = self.init_state()?;
        let found = self
            .address_map(&st.address_map)?
            .get(&key)
            .map_err(|e| fatal(format!("init address map lookup failed: {e}")))?
            .copied();
        if let Some(id) = found {
            self.top().resolved.insert(key, id);
        }
        Ok(found)
    }

    /// The init actor's address map at `root`, loaded once per root.
    fn address_map(&mut self, root: &Cid) -> Result<&mut Hamt<BufferedStore, ActorID>> {
        if self.address_map.as_ref().map(|(c, _)| c) != Some(root) {
            let map = Hamt::load_with_bit_width(root, self.store().clone(), HAMT_BIT_WIDTH)
                .map_err(|e| fatal(format!("init address map does not load: {e}")))?;
            self.address_map = Some((*root, map));
        }
        match &mut self.address_map {
            Some((_, map)) => Ok(map),
            None => Err(fatal("the init address map was not kept")),
        }
    }

    /// Gives `addr` the next free ID in the init actor's map and returns it.
    pub fn register_new_address(&mut self, addr: &Address) -> Result<ActorID> {
        let (mut st, mut init) = self.init_state()?;
        let id = st.next_id;
        // As the reference's release build: past u64::MAX the counter wraps to 0.
        st.next_id = st.next_id.wrapping_add(1);
        let map = self.address_map(&st.address_map)?;
        let added = map
            .set(addr.to_bytes().into(), id)
            .and_then(|_| map.flush());
        let root = match added {
            Ok(root) => root,
            Err(e) => {
                // A map left half-changed must not serve lookups of its old root.
                self.address_map = None;
                return Err(fatal(format!("init address map update failed: {e}")));
            }
        };
        // The map now holds the new root's content: keep it under that root.
        if let Some((c, _)) = &mut self.address_map {
            *c = root;
        }
        st.address_map = root;
        init.state = self.store().put_cbor(&st, Code::Blake2b256).or_fatal()?;
        self.set_actor(INIT_ACTOR_ID, init);
        Ok(id)
    }

    /// Opens a layer for a call; its changes vanish if it is reverted.
    pub fn begin_transaction(&mut self) {
        self.layers.push(Layer::default());
    }

    /// Closes the top layer: merged into the one below, or dropped when `revert`.
    pub fn end_transaction(&mut self, revert: bool) -> Result<()> {
        if self.layers.len() < 2 {
            return Err(fatal("ended a transaction that was never begun"));
        }
        let top = self.layers.pop().ok_or_else(|| fatal("no layer"))?;
        if !revert {
            let below = self.top();
            below.actors.extend(top.actors);
            below.resolved.extend(top.resolved);
        }
        Ok(())
    }

    /// Drops what a message left uncommitted when it failed fatally: every transaction
    /// still open (a panic may have skipped closing them) and the init address map last
    /// read, which a failed update may have left half-changed. What earlier messages
    /// committed stays.
    pub fn discard_uncommitted(&mut self) {
        self.layers.truncate(1);
        self.address_map = None;
    }

    /// Writes all changes into the HAMT and returns the new state root.
    pub fn flush(&mut self) -> Result<Cid> {
        if self.layers.len() != 1 {
            return Err(fatal("flush with a transaction open"));
        }
        for (id, entry) in &self.layers[0].actors {
            let key = Address::new_id(*id).to_bytes();
            match entry {
                Some(act) => {
                    let record = Record {
                        actor: act.clone(),
                        five_fields: self.five_field_records(),
                    };
                    self.hamt.set(key.into(), record).or_fatal()?;
                }
                None => {
                    self.hamt.delete(&key).or_fatal()?;
                }
            }
        }
        let actors = self.hamt.flush().or_fatal()?;
        let root = StateRoot {
            version: self.version,
            actors,
            info: self.info,
        };
        self.store().put_cbor(&root, Code::Blake2b256).or_fatal()
    }

    /// Visits every actor in the flushed HAMT (call [`StateTree::flush`] first).
    pub fn for_each(&self, mut f: impl FnMut(ActorID, &ActorState)) -> Result<()> {
        let five = self.five_field_records();
        self.hamt
            .for_each(|k, v| {
                if v.five_fields != five {
                    anyhow::bail!("a record of the wrong shape for the tree's version");
                }
                if let Ok(addr) = Address::from_bytes(k) {
                    if let Payload::ID(id) = addr.payload() {
                        f(*id, &v.actor);
                    }
                }
                Ok(())
            })
            .or_fatal()
    }
}
