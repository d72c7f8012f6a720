//! The genesis every scenario starts from: Skyr's own bundle, the system and init actors,
//! a reward actor, the burnt-funds account, key-addressed accounts and test actors.
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

/// Builds the genesis into a fresh store, optionally with another test actor module.
/// Deterministic: the same root every time.
pub fn build(test_wasm: Option<&[u8]>) -> Result<Genesis> {
    let store = Rc::new(MemoryBlockstore::new());
    let car = match test_wasm {
        Some(w) => bundle_with_test_module(w)?,
        None => BUNDLE.to_vec(),
    };
    let bundle = load_bundle(&*store, &car)?;
    let m = &bundle.manifest;
    let code = |name: &str| {
        m.code_by_name(name)
            .copied()
            .ok_or_else(|| anyhow!("bundle lacks {name}"))
    };
    let empty = empty_array_cid();
    store.put_keyed(&empty, &[0x80])?;

    let buf = BufferedStore::new(store.clone());
    // The scenarios' genesis is a network version 16–17 state (tree version 4).
    let rules = rules_for(skyr::shared::version::NetworkVersion::V17)
        .ok_or_else(|| anyhow!("nv17 has no rules"))?;
    let mut st = StateTree::new_empty(buf.clone(), rules)?;
    let mut map: Hamt<&BufferedStore, ActorID> = Hamt::new_with_bit_width(&buf, HAMT_BIT_WIDTH);
    let mut put = |id: ActorID, code: Cid, state: Cid, balance: TokenAmount| {
        st.set_actor(
            id,
            ActorState {
                code,
                state,
                sequence: 0,
                balance: crate::bridge::tokens(&balance),
                delegated_address: None,
            },
        );
    };

    let sys_state = buf.put_cbor(&(bundle.manifest_data,), Code::Blake2b256)?;
    put(0, code("system")?, sys_state, TokenAmount::default());
    put(2, code("reward")?, empty, TokenAmount::default());
    let burnt = buf.put_cbor(
        &AccountState {
            address: Address::new_id(99),
        },
        Code::Blake2b256,
    )?;
    put(99, code("account")?, burnt, TokenAmount::default());

    let mut keys: Vec<(ActorID, Address)> = Vec::new();
    for (i, id) in ids::SECP.iter().enumerate() {
        keys.push((*id, secp_key(i).address()));
    }
    for (i, id) in ids::BLS.iter().enumerate() {
        keys.push((*id, bls_key(i).address()));
    }
    for (id, addr) in &keys {
        let state = buf.put_cbor(&AccountState { address: *addr }, Code::Blake2b256)?;
        put(*id, code("account")?, state, account_balance());
    }
    for id in ids::TEST {
        put(id, code("skyrtest")?, empty, test_actor_balance());
    }
    for (id, addr) in &keys {
        map.set(addr.to_bytes().into(), *id)?;
    }
    let init = InitState {
        address_map: map.flush()?,
        next_id: ids::FIRST_NEW,
        network_name: "skyr-differential".into(),
    };
    let init_state = buf.put_cbor(&init, Code::Blake2b256)?;
    put(1, code("init")?, init_state, TokenAmount::default());
    let root = st.flush()?;
    buf.flush(&root, skyr::blockstore::FlushWalk::Fvm2)?;
    Ok(Genesis {
        store,
        root,
        bundle,
    })
}
