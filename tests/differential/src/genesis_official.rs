//! The genesis of the nv18–28 scenarios: the official bundle of the version (v10 for nv18,
//! v11 for nv19–20, v12 to v18 for nv21–28, from `../shared/bundles`) with Skyr's test actor
//! of the version's ABI (fvm_sdk 3 or 4) added to its manifest (after the built-in types, so
//! their numbers do not move), in a version 5 state tree: system, init, reward, the EAM, the
//! burnt-funds account, key accounts and test actors. Both machines start from copies of it.
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::CborStore;
use fvm_ipld_hamt::Hamt;
use multihash_codetable::{Code, MultihashDigest};
use skyr::blockstore::BufferedStore;
use skyr::bundle::{code_cid, load_bundle, IPLD_RAW};
use skyr::rules::rules_for_number;
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::ActorID;
use skyr::state_tree::{empty_array_cid, ActorState, InitState, StateTree, HAMT_BIT_WIDTH};

use crate::genesis_skyr::{bls_key, ids, secp_key};

/// Skyr's fvm_sdk 3 test actor, built by `scripts/build-actors.sh` (its rebuild is checked).
pub const TEST_ACTOR: &[u8] = include_bytes!("../../../actors/skyr_actor_test3.wasm");

/// The same test actor importing the fvm_sdk 4 ABI (network versions 21–28).
pub const TEST_ACTOR4: &[u8] = include_bytes!("../../../actors/skyr_actor_test4.wasm");

/// The test actor whose imports the network version's ABI has.
pub fn test_actor_for(nv: u32) -> &'static [u8] {
    match rules_for_number(nv).map(|r| r.abi) {
        Some(skyr::rules::Abi::Sdk4) => TEST_ACTOR4,
        _ => TEST_ACTOR,
    }
}

/// The manifest name of the test actor.
pub const TEST_NAME: &str = "skyrtest";

/// ID of the Ethereum address manager.
pub const EAM_ID: ActorID = 10;

/// The official bundle mainnet ran at network version `nv` (18 to 28), as
/// `../shared/bundles/README.md` lists them.
pub fn bundle_folder(nv: u32) -> Option<&'static str> {
    Some(match nv {
        18 => "v10",
        19 | 20 => "v11",
        21 => "v12",
        22 => "v13",
        23 => "v14",
        24 => "v15",
        25 | 26 => "v16",
        27 => "v17",
        28 => "v18",
        _ => return None,
    })
}

/// The official bundle a network version runs, in `../shared/bundles`.
pub fn bundle_path(nv: u32) -> PathBuf {
    crate::shared_data()
        .join("bundles")
        .join(bundle_folder(nv).unwrap_or("none"))
        .join("builtin-actors-mainnet.car")
}

/// A built genesis.
pub struct OfficialGenesis {
    /// Every block of the bundle, the test actor and the state.
    pub store: Rc<MemoryBlockstore>,
    /// The state root.
    pub root: Cid,
    /// Code CIDs by manifest name.
    pub codes: Vec<(String, Cid)>,
}

impl OfficialGenesis {
    /// The code of a manifest name.
    pub fn code(&self, name: &str) -> Result<Cid> {
        self.codes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| *c)
            .ok_or_else(|| anyhow!("the manifest has no `{name}`"))
    }
}

#[derive(serde_tuple::Serialize_tuple, serde_tuple::Deserialize_tuple)]
struct AccountState {
    address: Address,
}

/// The genesis a scenario starts from.
pub fn build_for(
    s: &crate::scenario_nv18_28::OfficialScenario,
    bundle_car: &[u8],
) -> Result<OfficialGenesis> {
    let mut g = build_from(s.nv, bundle_car, s.builtins, s.test_wasm.as_deref())?;
    g.root = crate::genesis_skyr::apply_edits(&g.store, g.root, s.nv, &s.genesis_edits)?;
    Ok(g)
}

/// Builds the genesis of network version `nv` from the official bundle's bytes. Deterministic.
pub fn build(nv: u32, bundle_car: &[u8]) -> Result<OfficialGenesis> {
    build_from(nv, bundle_car, false, None)
}

/// [`build`], with `builtins` also the cron, power, market, verified registry and datacap
/// actors at their IDs (3 to 7) holding the empty state (scenarios construct them with
/// implicit messages from the system actor, on both machines), and `test_wasm` (when given)
/// as the test actors' module.
pub fn build_from(
    nv: u32,
    bundle_car: &[u8],
    builtins: bool,
    test_wasm: Option<&[u8]>,
) -> Result<OfficialGenesis> {
    let store = Rc::new(MemoryBlockstore::new());
    let bundle = load_bundle(&*store, bundle_car).context("loading the official bundle")?;
    let test_actor = test_wasm.unwrap_or(test_actor_for(nv));
    let test_code = code_cid(test_actor);
    store.put_keyed(&test_code, test_actor)?;
    let mut codes: Vec<(String, Cid)> = bundle.manifest.entries().to_vec();
    codes.push((TEST_NAME.to_string(), test_code));
    let manifest_data = store.put_cbor(&codes, Code::Blake2b256)?;
    let code = |name: &str| {
        codes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| *c)
            .ok_or_else(|| anyhow!("the bundle has no `{name}`"))
    };
    let empty = empty_array_cid();
    store.put_keyed(&empty, &[0x80])?;
    let buf = BufferedStore::new(store.clone());
    let rules = rules_for_number(nv).ok_or_else(|| anyhow!("nv{nv} has no rules"))?;
    let mut st = StateTree::new_empty(buf.clone(), rules)?;
    let mut map: Hamt<&BufferedStore, ActorID> = Hamt::new_with_bit_width(&buf, HAMT_BIT_WIDTH);
    let mut put = |id: ActorID, code: Cid, state: Cid, balance: TokenAmount| {
        st.set_actor(id, ActorState::new_empty(code, None));
        st.mutate_actor(id, |a| {
            a.state = state;
            a.balance = balance;
            Ok(())
        })
        .map(|_| ())
    };
    let sys_state = buf.put_cbor(&(manifest_data,), Code::Blake2b256)?;
    put(0, code("system")?, sys_state, TokenAmount::default())?;
    put(2, code("reward")?, empty, TokenAmount::default())?;
    put(EAM_ID, code("eam")?, empty, TokenAmount::default())?;
    if builtins {
        for (id, name) in [
            (3, "cron"),
            (4, "storagepower"),
            (5, "storagemarket"),
            (6, "verifiedregistry"),
            (7, "datacap"),
        ] {
            put(id, code(name)?, empty, TokenAmount::default())?;
        }
    }
    let burnt = buf.put_cbor(
        &AccountState {
            address: Address::new_id(99),
        },
        Code::Blake2b256,
    )?;
    put(99, code("account")?, burnt, TokenAmount::default())?;
    let mut keys: Vec<(ActorID, Address)> = Vec::new();
    for (i, id) in ids::SECP.iter().enumerate() {
        keys.push((*id, key_address(&secp_key(i).address())?));
    }
    for (i, id) in ids::BLS.iter().enumerate() {
        keys.push((*id, key_address(&bls_key(i).address())?));
    }
    let balance = TokenAmount::from_whole(1_000_000);
    for (id, addr) in &keys {
        let state = buf.put_cbor(&AccountState { address: *addr }, Code::Blake2b256)?;
        put(*id, code("account")?, state, balance.clone())?;
        map.set(addr.to_bytes().into(), *id)?;
    }
    for id in ids::TEST {
        put(id, test_code, empty, TokenAmount::from_whole(1_000))?;
    }
    let init = InitState {
        address_map: map.flush()?,
        next_id: ids::FIRST_NEW,
        network_name: "skyr-differential".into(),
    };
    let init_state = buf.put_cbor(&init, Code::Blake2b256)?;
    put(1, code("init")?, init_state, TokenAmount::default())?;
    let root = st.flush()?;
    buf.flush(&root, skyr::blockstore::FlushWalk::Fvm3)?;
    Ok(OfficialGenesis { store, root, codes })
}

/// A key address of the scenario keys (their type is the reference's), in Skyr's types.
fn key_address(a: &fvm_shared::address::Address) -> Result<Address> {
    Ok(Address::from_bytes(&a.to_bytes())?)
}

/// The code CID of the test actor of network version `nv`.
pub fn test_code(nv: u32) -> Cid {
    Cid::new_v1(IPLD_RAW, Code::Blake2b256.digest(test_actor_for(nv)))
}
