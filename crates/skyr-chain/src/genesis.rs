//! A genesis built from an official bundle, with every singleton a Filecoin network starts
//! with: system, init, reward, cron, storage power, storage market, verified registry, datacap,
//! the Ethereum address manager and the burnt-funds account. The storage actors are
//! constructed by the system actor with implicit messages, as on a real network's genesis, so
//! their states are the bundle's own. Then one storage miner (the block producer the block
//! reward pays), EthAccounts for the given Ethereum addresses (and the null address, as Lotus
//! places one), and, when asked, the CREATE2 deployer every Ethereum dev chain has.
//!
//! The same constructor messages ([`storage_constructors`], [`create_miner_params`]) start the
//! differential tables' storage scenarios, where both machines run them.
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_encoding::{CborStore, RawBytes};
use multihash_codetable::Code;
use skyr::blockstore::{BaseStore, BufferedStore};
use skyr::bundle::{load_bundle, manifest_cid};
use skyr::rules::rules_for_number;
use skyr::shared::address::{Address, Protocol};
use skyr::shared::bigint::bigint_ser::BigIntSer;
use skyr::shared::bigint::BigInt;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr::shared::version::NetworkVersion;
use skyr::shared::ActorID;
use skyr::state_tree::{empty_array_cid, ActorState, InitState, StateTree};
use skyr::{ApplyKind, Engine, Executor, Machine, MachineConfig, RealProofs};

use crate::externs::ChainExterns;
use crate::store::StoreRef;
use crate::BLOCK_GAS_LIMIT;

/// The singletons' IDs (builtin-actors `singletons.rs`).
pub mod ids {
    use skyr::shared::ActorID;
    /// The system actor.
    pub const SYSTEM: ActorID = 0;
    /// The init actor: IDs and addresses.
    pub const INIT: ActorID = 1;
    /// The reward actor: block rewards.
    pub const REWARD: ActorID = 2;
    /// The cron actor: end-of-epoch work.
    pub const CRON: ActorID = 3;
    /// The storage power actor.
    pub const POWER: ActorID = 4;
    /// The storage market actor.
    pub const MARKET: ActorID = 5;
    /// The verified registry actor.
    pub const VERIFREG: ActorID = 6;
    /// The datacap token actor.
    pub const DATACAP: ActorID = 7;
    /// The Ethereum address manager.
    pub const EAM: ActorID = 10;
    /// Where burnt funds go.
    pub const BURNT_FUNDS: ActorID = 99;
    /// The first ID init hands out after the genesis singletons (as Lotus's genesis).
    pub const FIRST_NON_SINGLETON: ActorID = 100;
}

/// Methods the genesis calls.
const CONSTRUCTOR: u64 = 1;
const CREATE_MINER: u64 = 2;
const EXEC4: u64 = 3;
/// Power's end-of-epoch tick and market's cron tick: what cron calls each epoch.
const POWER_ON_EPOCH_TICK_END: u64 = 5;
const MARKET_CRON_TICK: u64 = 9;
/// Window PoSt of 32 GiB sectors, version 1.1 (what the v12+ miners accept).
pub const WINDOW_POST_32G: i64 = 13;

/// One implicit message of a genesis: the system actor (or another) calling `method` of
/// actor `to` with CBOR `params`.
#[derive(Clone, Debug)]
pub struct Construct {
    /// The actor called.
    pub to: ActorID,
    /// Its method.
    pub method: u64,
    /// CBOR parameters.
    pub params: Vec<u8>,
}

fn cbor<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    Ok(fvm_ipld_encoding::to_vec(v)?)
}

/// The system actor's constructor calls of the storage actors, in order: reward (no power
/// yet), power, cron (calling power's and market's end-of-epoch ticks), market, verified
/// registry (with `root_key` as its root) and datacap (governed by the verified registry).
pub fn storage_constructors(root_key: &Address) -> Result<Vec<Construct>> {
    let id = Address::new_id;
    let cron_entries = (
        (id(ids::POWER), POWER_ON_EPOCH_TICK_END),
        (id(ids::MARKET), MARKET_CRON_TICK),
    );
    Ok(vec![
        Construct {
            to: ids::REWARD,
            method: CONSTRUCTOR,
            params: cbor(&BigIntSer(&BigInt::from(0)))?,
        },
        Construct {
            to: ids::POWER,
            method: CONSTRUCTOR,
            params: Vec::new(),
        },
        Construct {
            to: ids::CRON,
            method: CONSTRUCTOR,
            params: cbor(&(cron_entries,))?,
        },
        Construct {
            to: ids::MARKET,
            method: CONSTRUCTOR,
            params: Vec::new(),
        },
        Construct {
            to: ids::VERIFREG,
            method: CONSTRUCTOR,
            params: cbor(root_key)?,
        },
        Construct {
            to: ids::DATACAP,
            method: CONSTRUCTOR,
            params: cbor(&id(ids::VERIFREG))?,
        },
    ])
}

/// Power's `CreateMiner` parameters: owner, worker (a BLS account), 32 GiB window PoSt, a peer
/// ID and no multiaddresses.
pub fn create_miner_params(owner: &Address, worker: &Address, peer: &[u8]) -> Result<Vec<u8>> {
    cbor(&(
        owner,
        worker,
        WINDOW_POST_32G,
        serde_bytes::Bytes::new(peer),
        Vec::<serde_bytes::ByteBuf>::new(),
    ))
}

/// The CREATE2 deployer's address (Arachnid's deterministic deployment proxy).
pub const CREATE2_DEPLOYER: [u8; 20] = [
    0x4e, 0x59, 0xb4, 0x48, 0x47, 0xb3, 0x79, 0x57, 0x85, 0x88, 0x92, 0x0c, 0xa7, 0x8f, 0xbf, 0x26,
    0xc0, 0xb4, 0x95, 0x6c,
];
/// Who deployed it on Ethereum (the signer of its keyless deployment transaction).
const CREATE2_DEPLOYER_CREATOR: [u8; 20] = [
    0x3f, 0xab, 0x18, 0x46, 0x22, 0xdc, 0x19, 0xb6, 0x10, 0x93, 0x49, 0xb9, 0x48, 0x11, 0x49, 0x3b,
    0xf2, 0xa4, 0x53, 0x62,
];
/// Its init code: it returns the 69-byte runtime that CREATE2s its calldata past a 32-byte salt.
const CREATE2_DEPLOYER_INITCODE: &str = "604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3";

/// A BLS public key for the genesis miner's owner and worker: the G1 generator, compressed,
/// whose secret key is 1 (a dev key, like Anvil's: not a secret). The devnet's blocks carry
/// no signatures; a BLS message from this account can be signed with it.
pub const MINER_KEY: [u8; 48] = [
    0x97, 0xf1, 0xd3, 0xa7, 0x31, 0x97, 0xd7, 0x94, 0x26, 0x95, 0x63, 0x8c, 0x4f, 0xa9, 0xac, 0x0f,
    0xc3, 0x68, 0x8c, 0x4f, 0x97, 0x74, 0xb9, 0x05, 0xa1, 0x4e, 0x3a, 0x3f, 0x17, 0x1b, 0xac, 0x58,
    0x6c, 0x55, 0xe8, 0x3f, 0xf9, 0x7a, 0x1a, 0xef, 0xfb, 0x3a, 0xf0, 0x0a, 0xdb, 0x22, 0xc6, 0xbb,
];

/// What the miner's creation sends it, in whole FIL (FIP-0077's deposit, from v17 on, is
/// taken from it).
const MINER_FUNDS: i64 = 10_000;
/// The reward actor's balance at genesis, in whole FIL: what block rewards are paid from.
const REWARD_FUNDS: i64 = 1_100_000_000;

/// What a genesis is built from.
#[derive(Clone, Debug)]
pub struct GenesisSpec {
    /// The network version (the bundle must be the one it runs).
    pub network_version: u32,
    /// The official bundle, as a CAR.
    pub bundle_car: Vec<u8>,
    /// The network's name (init's state).
    pub network_name: String,
    /// The EIP-155 chain ID the machine reports.
    pub chain_id: u64,
    /// UNIX seconds of the genesis block.
    pub timestamp: u64,
    /// Ethereum addresses to fund as EthAccounts, with their balances.
    pub eth_accounts: Vec<([u8; 20], TokenAmount)>,
    /// Key addresses (f1 or f3) to fund as accounts, with their balances.
    pub key_accounts: Vec<(Address, TokenAmount)>,
    /// Whether to deploy the CREATE2 deployer at its usual address.
    pub create2_deployer: bool,
}

/// A built genesis: its state in `store`.
pub struct Genesis {
    /// The network version it runs.
    pub network_version: u32,
    /// The state root.
    pub state_root: Cid,
    /// The miner that produces the chain's blocks.
    pub miner: ActorID,
    /// The ID of each funded Ethereum address, in the order given.
    pub eth_account_ids: Vec<ActorID>,
    /// The ID of each funded key address, in the order given.
    pub key_account_ids: Vec<ActorID>,
    /// The bundle's manifest CID (the CAR's root).
    pub bundle_manifest: Cid,
    /// The bundle's actors by name.
    pub manifest: skyr::bundle::Manifest,
}

/// An f410 address of an Ethereum address.
pub fn f410(eth: &[u8; 20]) -> Address {
    // 10 is the EAM's ID, the namespace of Ethereum addresses; 20 bytes always fit.
    Address::new_delegated(ids::EAM, eth).unwrap_or_else(|_| Address::new_id(0))
}

#[derive(serde_tuple::Serialize_tuple)]
struct AccountState {
    address: Address,
}

/// A new account actor in `st` for key address `addr` (f1 or f3; not yet in the tree),
/// holding `balance`: registered with the init actor, its state (the address) stored, the
/// bundle's account `code`. What the genesis makes for its key accounts, and a forked devnet
/// for its dev keys. Gives its ID.
pub fn new_key_account(
    st: &mut StateTree,
    code: Cid,
    addr: &Address,
    balance: TokenAmount,
) -> Result<ActorID> {
    let id = st.register_new_address(addr)?;
    let state = st
        .store()
        .put_cbor(&AccountState { address: *addr }, Code::Blake2b256)?;
    let mut a = ActorState::new_empty(code, None);
    a.state = state;
    a.balance = balance;
    st.set_actor(id, a);
    Ok(id)
}

/// Builds the genesis described by `spec` into `store`. Deterministic: the same spec gives
/// the same root.
pub fn build(engine: &Engine, store: Rc<dyn BaseStore>, spec: &GenesisSpec) -> Result<Genesis> {
    let nv = spec.network_version;
    let rules = rules_for_number(nv).ok_or_else(|| anyhow!("Skyr does not run nv{nv}"))?;
    let bundle =
        load_bundle(&StoreRef(store.clone()), &spec.bundle_car).context("loading the bundle")?;
    let manifest = &bundle.manifest;
    let code = |name: &str| {
        manifest
            .code_by_name(name)
            .copied()
            .ok_or_else(|| anyhow!("the bundle has no `{name}` actor"))
    };
    let buf = BufferedStore::new(store.clone());
    let empty = empty_array_cid();
    buf.put_keyed(&empty, &[0x80])?;
    let mut st = StateTree::new_empty(buf.clone(), rules)?;
    let mut put =
        |id: ActorID, code: Cid, state: Cid, balance: TokenAmount, f4: Option<Address>| {
            let mut a = ActorState::new_empty(code, f4);
            a.state = state;
            a.balance = balance;
            st.set_actor(id, a);
        };
    let sys_state = buf.put_cbor(&(bundle.manifest_data,), Code::Blake2b256)?;
    put(
        ids::SYSTEM,
        code("system")?,
        sys_state,
        TokenAmount::default(),
        None,
    );
    let reward_funds = TokenAmount::from_whole(REWARD_FUNDS);
    put(ids::REWARD, code("reward")?, empty, reward_funds, None);
    for (id, name) in [
        (ids::CRON, "cron"),
        (ids::POWER, "storagepower"),
        (ids::MARKET, "storagemarket"),
        (ids::VERIFREG, "verifiedregistry"),
        (ids::DATACAP, "datacap"),
        (ids::EAM, "eam"),
    ] {
        put(id, code(name)?, empty, TokenAmount::default(), None);
    }
    let burnt = buf.put_cbor(
        &AccountState {
            address: Address::new_id(ids::BURNT_FUNDS),
        },
        Code::Blake2b256,
    )?;
    put(
        ids::BURNT_FUNDS,
        code("account")?,
        burnt,
        TokenAmount::default(),
        None,
    );
    let init = InitState {
        address_map: fvm_ipld_hamt_empty(&buf)?,
        next_id: ids::FIRST_NON_SINGLETON,
        network_name: spec.network_name.clone(),
    };
    let init_state = buf.put_cbor(&init, Code::Blake2b256)?;
    put(
        ids::INIT,
        code("init")?,
        init_state,
        TokenAmount::default(),
        None,
    );

    // The miner's owner and worker: a BLS account.
    let key = Address::new_bls(&MINER_KEY)?;
    let owner = new_key_account(
        &mut st,
        code("account")?,
        &key,
        TokenAmount::from_whole(MINER_FUNDS),
    )?;

    // EthAccounts: the null address, then the funded ones.
    let eth_code = code("ethaccount")?;
    let mut eth_account_ids = Vec::new();
    let null = [0u8; 20];
    let mut eth = vec![(null, TokenAmount::default())];
    eth.extend(spec.eth_accounts.iter().cloned());
    for (i, (addr, balance)) in eth.iter().enumerate() {
        let f4 = f410(addr);
        if i > 0 && st.lookup_id(&f4)?.is_some() {
            bail!(
                "the Ethereum address 0x{} is funded twice",
                hex::encode(addr)
            );
        }
        let id = st.register_new_address(&f4)?;
        let mut a = ActorState::new_empty(eth_code, Some(f4));
        a.balance = balance.clone();
        st.set_actor(id, a);
        if i > 0 {
            eth_account_ids.push(id);
        }
    }
    // Key accounts (f1, f3), after the Ethereum ones.
    let mut key_account_ids = Vec::new();
    for (addr, balance) in &spec.key_accounts {
        if !matches!(addr.protocol(), Protocol::Secp256k1 | Protocol::BLS) {
            bail!("{addr} is not a key address (f1 or f3)");
        }
        if st.lookup_id(addr)?.is_some() {
            bail!("the address {addr} is funded twice");
        }
        let id = new_key_account(&mut st, code("account")?, addr, balance.clone())?;
        key_account_ids.push(id);
    }
    let base_root = st.flush()?;
    buf.flush(&base_root, rules.flush_walk)?;

    // The storage actors construct themselves, then the miner is created, as implicit
    // messages at epoch 0.
    let mut config = MachineConfig::new(NetworkVersion::from(nv), 0, base_root);
    config.timestamp = spec.timestamp;
    config.chain_id = spec.chain_id;
    let externs = Rc::new(ChainExterns {
        tipsets: Default::default(),
        history: None,
    });
    let machine = Machine::new(engine, config, store, externs, Rc::new(RealProofs))?;
    let mut exec = Executor::new(machine);
    let system = Address::new_id(ids::SYSTEM);
    let owner_addr = Address::new_id(owner);
    let mut calls: Vec<(Address, Construct, TokenAmount)> = storage_constructors(&owner_addr)?
        .into_iter()
        .map(|c| (system, c, TokenAmount::default()))
        .collect();
    calls.push((
        owner_addr,
        Construct {
            to: ids::POWER,
            method: CREATE_MINER,
            params: create_miner_params(&owner_addr, &owner_addr, b"skyr-devnet")?,
        },
        TokenAmount::from_whole(MINER_FUNDS),
    ));
    if spec.create2_deployer {
        let ctor = cbor(&(
            serde_bytes::Bytes::new(&CREATE2_DEPLOYER_CREATOR),
            serde_bytes::Bytes::new(&hex::decode(CREATE2_DEPLOYER_INITCODE)?),
        ))?;
        let exec4 = cbor(&(
            code("evm")?,
            RawBytes::new(ctor),
            RawBytes::new(CREATE2_DEPLOYER.to_vec()),
        ))?;
        calls.push((
            Address::new_id(ids::EAM),
            Construct {
                to: ids::INIT,
                method: EXEC4,
                params: exec4,
            },
            TokenAmount::default(),
        ));
    }
    let mut miner = None;
    for (i, (from, c, value)) in calls.iter().enumerate() {
        let msg = Message {
            version: 0,
            from: *from,
            to: Address::new_id(c.to),
            sequence: i as u64,
            value: value.clone(),
            method_num: c.method,
            params: RawBytes::new(c.params.clone()),
            gas_limit: BLOCK_GAS_LIMIT,
            gas_fee_cap: TokenAmount::default(),
            gas_premium: TokenAmount::default(),
        };
        let ret = exec.apply_message(&msg, ApplyKind::Implicit, 0)?;
        if !ret.receipt.exit_code.is_success() {
            bail!(
                "genesis: actor {} method {} failed with exit {}: {}",
                c.to,
                c.method,
                skyr::exit_names::exit_label(ret.receipt.exit_code.value()),
                ret.failure.unwrap_or_default()
            );
        }
        if c.to == ids::POWER && c.method == CREATE_MINER {
            // CreateMinerReturn: [ID address, robust address].
            let (id_addr, _robust): (Address, Address) =
                fvm_ipld_encoding::from_slice(ret.receipt.return_data.bytes())?;
            miner = Some(id_addr.id()?);
        }
    }
    let state_root = exec.flush()?;
    Ok(Genesis {
        network_version: nv,
        state_root,
        miner: miner.ok_or_else(|| anyhow!("genesis: no miner was created"))?,
        eth_account_ids,
        key_account_ids,
        bundle_manifest: manifest_cid(&bundle.manifest_data)?,
        manifest: bundle.manifest,
    })
}

/// The root of an empty init address map.
fn fvm_ipld_hamt_empty(buf: &BufferedStore) -> Result<Cid> {
    let mut map: fvm_ipld_hamt::Hamt<&BufferedStore, ActorID> =
        fvm_ipld_hamt::Hamt::new_with_bit_width(buf, skyr::state_tree::HAMT_BIT_WIDTH);
    Ok(map.flush()?)
}
