//! The genesis every scenario starts from: Skyr's own bundle, the system and init actors,
//! a reward actor, the burnt-funds account, key-addressed accounts and test actors.
use std::collections::BTreeSet;
use std::rc::Rc;

use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::CborStore;
use fvm_ipld_hamt::Hamt;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::ActorID;
use multihash_codetable::Code;
use skyr::blockstore::BufferedStore;
use skyr::bundle::{load_bundle, Bundle};
use skyr::rules::rules_for;
use skyr::state_tree::{empty_array_cid, ActorState, InitState, StateTree, HAMT_BIT_WIDTH};

use crate::keys::{BlsKey, SecpKey};

/// The bundle the scenarios run: built from `actors/` by `scripts/build-bundle.sh`.
pub const BUNDLE: &[u8] = include_bytes!("../../../actors/bundle.car");

/// IDs of the genesis actors.
pub mod ids {
    use fvm_shared::ActorID;
    /// secp256k1 accounts.
    pub const SECP: [ActorID; 4] = [100, 101, 102, 103];
    /// BLS accounts.
    pub const BLS: [ActorID; 2] = [104, 105];
    /// Test actors.
    pub const TEST: [ActorID; 3] = [1000, 1001, 1002];
    /// The first ID the init actor hands out.
    pub const FIRST_NEW: ActorID = 2000;
}

/// Balance of each genesis account: one million FIL.
pub fn account_balance() -> TokenAmount {
    TokenAmount::from_whole(1_000_000)
}

/// Balance of each genesis test actor: one thousand FIL.
pub fn test_actor_balance() -> TokenAmount {
    TokenAmount::from_whole(1_000)
}

/// The secp256k1 key of genesis account `i` (0..4).
pub fn secp_key(i: usize) -> SecpKey {
    SecpKey::from_seed(i as u8 + 1)
}

/// The BLS key of genesis account `i` (0..2).
pub fn bls_key(i: usize) -> BlsKey {
    BlsKey::from_seed(i as u8 + 1)
}

/// The code CID of a name in the committed bundle.
pub fn bundle_code(name: &str) -> Cid {
    let store = MemoryBlockstore::new();
    let b = load_bundle(&store, BUNDLE).expect("the committed bundle loads");
    *b.manifest
        .code_by_name(name)
        .expect("the bundle has this name")
}

/// A built genesis: the store holding it and its state root.
pub struct Genesis {
    /// Every block of the bundle and the state.
    pub store: Rc<MemoryBlockstore>,
    /// The state root.
    pub root: Cid,
    /// The bundle.
    pub bundle: Bundle,
}

impl Genesis {
    /// The bundle's blocks (its code and manifest data), which vectors leave out: the vector
    /// runner adds the bundle itself.
    pub fn bundle_blocks(&self) -> BTreeSet<Cid> {
        let mut out: BTreeSet<Cid> = self
            .bundle
            .manifest
            .entries()
            .iter()
            .map(|(_, c)| *c)
            .collect();
        out.insert(self.bundle.manifest_data);
        out
    }
}

#[derive(serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
struct AccountState {
    address: Address,
}

/// The bundle with the test actor's module replaced by `test_wasm`.
pub fn bundle_with_test_module(test_wasm: &[u8]) -> Result<Vec<u8>> {
    let store = MemoryBlockstore::new();
    let b = load_bundle(&store, BUNDLE)?;
    let mut entries = Vec::new();
    for (name, code) in b.manifest.entries() {
        let wasm = if name == "skyrtest" {
            test_wasm.to_vec()
        } else {
            store
                .get(code)?
                .ok_or_else(|| anyhow!("bundle lacks the code of {name}"))?
        };
        entries.push((name.clone(), wasm));
    }
    Ok(skyr::bundle::write_bundle(&entries)?.0)
}

/// An nv16–17 state (tree version 4) being built on a bundle: the system actor naming the
/// bundle's manifest, the reward actor and the burnt-funds account are in from the start;
/// [`StateBuilder::finish`] adds the init actor and flushes.
pub struct StateBuilder {
    store: Rc<MemoryBlockstore>,
    buf: BufferedStore,
    st: StateTree,
    bundle: Bundle,
}

impl StateBuilder {
    /// A state on the bundle `car`, in a fresh store.
    pub fn new(car: &[u8]) -> Result<StateBuilder> {
        let store = Rc::new(MemoryBlockstore::new());
        let bundle = load_bundle(&*store, car)?;
        store.put_keyed(&empty_array_cid(), &[0x80])?;
        let buf = BufferedStore::new(store.clone());
        let rules = rules_for(skyr::shared::version::NetworkVersion::V17)
            .ok_or_else(|| anyhow!("nv17 has no rules"))?;
        let st = StateTree::new_empty(buf.clone(), rules)?;
        let mut b = StateBuilder {
            store,
            buf,
            st,
            bundle,
        };
        let sys_state = b.put_state(&(b.bundle.manifest_data,))?;
        b.put(0, b.code("system")?, sys_state, TokenAmount::default());
        b.put(
            2,
            b.code("reward")?,
            empty_array_cid(),
            TokenAmount::default(),
        );
        let burnt = b.put_state(&AccountState {
            address: Address::new_id(99),
        })?;
        b.put(99, b.code("account")?, burnt, TokenAmount::default());
        Ok(b)
    }

    /// The code CID of a name in the bundle.
    pub fn code(&self, name: &str) -> Result<Cid> {
        self.bundle
            .manifest
            .code_by_name(name)
            .copied()
            .ok_or_else(|| anyhow!("bundle lacks {name}"))
    }

    /// Stores an actor state (or any CBOR) and returns its CID.
    pub fn put_state(&self, state: &impl serde::Serialize) -> Result<Cid> {
        self.buf.put_cbor(state, Code::Blake2b256)
    }

    /// An account actor of `address`, its state stored.
    pub fn account(&mut self, id: ActorID, address: Address, balance: TokenAmount) -> Result<()> {
        let state = self.put_state(&AccountState { address })?;
        let code = self.code("account")?;
        self.put(id, code, state, balance);
        Ok(())
    }

    /// An actor at `id` with sequence 0.
    pub fn put(&mut self, id: ActorID, code: Cid, state: Cid, balance: TokenAmount) {
        self.st.set_actor(
            id,
            ActorState {
                code,
                state,
                sequence: 0,
                balance: crate::bridge::tokens(&balance),
                delegated_address: None,
            },
        );
    }

    /// A new address map for the init actor, in this state's store.
    pub fn address_map(&self) -> Hamt<&BufferedStore, ActorID> {
        Hamt::new_with_bit_width(&self.buf, HAMT_BIT_WIDTH)
    }

    /// Adds the init actor with `init` as its state, flushes, and gives the store, the root
    /// and the bundle.
    pub fn finish(mut self, init: &InitState) -> Result<Genesis> {
        let init_state = self.put_state(init)?;
        let code = self.code("init")?;
        self.put(1, code, init_state, TokenAmount::default());
        let root = self.st.flush()?;
        self.buf.flush(&root, skyr::blockstore::FlushWalk::Fvm2)?;
        Ok(Genesis {
            store: self.store,
            root,
            bundle: self.bundle,
        })
    }
}

/// A change to a scenario's genesis: a state at an edge no honest chain reaches soon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenesisEdit {
    /// The init actor hands out this ID next.
    InitNextId(ActorID),
    /// This actor's sequence (its next message's).
    Sequence(ActorID, u64),
}

/// Applies `edits` to the state at `root` (laid out for network version `nv`), writing the
/// changed blocks into `store`; gives the new root.
pub fn apply_edits(
    store: &Rc<MemoryBlockstore>,
    root: Cid,
    nv: u32,
    edits: &[GenesisEdit],
) -> Result<Cid> {
    if edits.is_empty() {
        return Ok(root);
    }
    let rules = skyr::rules::rules_for_number(nv).ok_or_else(|| anyhow!("nv{nv} has no rules"))?;
    let buf = BufferedStore::new(store.clone());
    let mut st = StateTree::load(buf.clone(), &root, rules)?;
    for e in edits {
        match e {
            GenesisEdit::InitNextId(next) => {
                let (mut init, mut actor) = st.init_state()?;
                init.next_id = *next;
                actor.state = buf.put_cbor(&init, Code::Blake2b256)?;
                st.set_actor(1, actor);
            }
            GenesisEdit::Sequence(id, sequence) => {
                st.mutate_actor(*id, |a| {
                    a.sequence = *sequence;
                    Ok(())
                })?;
            }
        }
    }
    let root = st.flush()?;
    buf.flush(&root, rules.flush_walk)?;
    Ok(root)
}

/// The genesis scenario `s` starts from: its test actor module, then its edits.
pub fn build_for(s: &crate::scenario_nv16_17::Scenario) -> Result<Genesis> {
    let mut g = build(s.test_wasm.as_deref())?;
    g.root = apply_edits(&g.store, g.root, s.nv as u32, &s.genesis_edits)?;
    Ok(g)
}

/// Builds the genesis into a fresh store, optionally with another test actor module.
/// Deterministic: the same root every time.
pub fn build(test_wasm: Option<&[u8]>) -> Result<Genesis> {
    let car = match test_wasm {
        Some(w) => bundle_with_test_module(w)?,
        None => BUNDLE.to_vec(),
    };
    let mut b = StateBuilder::new(&car)?;
    let mut keys: Vec<(ActorID, Address)> = Vec::new();
    for (i, id) in ids::SECP.iter().enumerate() {
        keys.push((*id, secp_key(i).address()));
    }
    for (i, id) in ids::BLS.iter().enumerate() {
        keys.push((*id, bls_key(i).address()));
    }
    for (id, addr) in &keys {
        b.account(*id, *addr, account_balance())?;
    }
    let test = b.code("skyrtest")?;
    for id in ids::TEST {
        b.put(id, test, empty_array_cid(), test_actor_balance());
    }
    let address_map = {
        let mut map = b.address_map();
        for (id, addr) in &keys {
            map.set(addr.to_bytes().into(), *id)?;
        }
        map.flush()?
    };
    b.finish(&InitState {
        address_map,
        next_id: ids::FIRST_NEW,
        network_name: "skyr-differential".into(),
    })
}
