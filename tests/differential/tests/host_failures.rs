//! Failures of the host rather than of the actors.
//!
//! - A panic inside the machine, or in what its embedder gave it (externs here), ends that
//!   message fatally — SYS_ASSERTION_FAILED, the whole gas limit paid, its changes rolled
//!   back — and nothing else: the process lives, and the next message runs on the same
//!   executor. This holds even two sends deep, where the call manager is out on loan.
//! - Counters at the end of their range behave as the reference's release build (as nodes
//!   run it), checked against the reference and in the state both machines agreed on.
use std::rc::Rc;

use anyhow::Result;
use cid::Cid;
use fvm_ipld_blockstore::MemoryBlockstore;
use skyr::shared::address::Address;
use skyr::shared::clock::ChainEpoch;
use skyr::shared::consensus::ConsensusFault;
use skyr::shared::econ::TokenAmount;
use skyr::shared::error::ExitCode;
use skyr::shared::message::Message;
use skyr::shared::version::NetworkVersion;
use skyr::{ApplyKind, ApplyRet, Executor, Externs, Machine, MachineConfig, TestExterns};
use skyr_differential::genesis_skyr::ids;
use skyr_differential::keys::SecpKey;
use skyr_differential::programs::{callv, encode, imm, ptr};
use skyr_differential::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg};
use skyr_differential::{genesis_official, genesis_skyr, run_nv16_17, run_nv18_28, table_nv16_17};
use skyr_test_program::{Op, METHOD_RUN};

/// Externs of a node with a bug: chain randomness panics; the rest are the test externs.
struct PanickingExterns;

const PANIC_TEXT: &str = "the node's chain randomness fell over";

impl Externs for PanickingExterns {
    fn chain_randomness(&self, _round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        panic!("{PANIC_TEXT}")
    }
    fn beacon_randomness(&self, round: ChainEpoch) -> anyhow::Result<[u8; 32]> {
        TestExterns.beacon_randomness(round)
    }
    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> anyhow::Result<(Option<ConsensusFault>, i64)> {
        TestExterns.verify_consensus_fault(h1, h2, extra)
    }
}

/// What the messages did, and the state after them.
struct Applied {
    rets: Vec<ApplyRet>,
    root: Cid,
    store: Rc<MemoryBlockstore>,
}

fn apply(
    nv: u32,
    store: Rc<MemoryBlockstore>,
    root: Cid,
    externs: Rc<dyn Externs>,
    messages: &[(Message, usize)],
) -> Result<Applied> {
    apply_on(nv, store.clone(), store, root, externs, messages, || {})
}

/// [`apply`] on the machine's view `view` of `store`; `started` runs once the machine has.
fn apply_on(
    nv: u32,
    view: Rc<dyn skyr::blockstore::BaseStore>,
    store: Rc<MemoryBlockstore>,
    root: Cid,
    externs: Rc<dyn Externs>,
    messages: &[(Message, usize)],
    started: impl FnOnce(),
) -> Result<Applied> {
    let engine = skyr_differential::skyr_engine()?;
    let mut config = MachineConfig::new(NetworkVersion::new(nv), 1000, root);
    config.base_fee = TokenAmount::from_atto(100);
    let machine = Machine::new(&engine, config, view, externs, Rc::new(skyr::RealProofs))?;
    started();
    let mut exec = Executor::new(machine);
    let mut rets = Vec::new();
    for (m, len) in messages {
        rets.push(exec.apply_message(m, ApplyKind::Explicit, *len)?);
    }
    let root = exec.flush()?;
    Ok(Applied { rets, root, store })
}

/// The first message of `bad` failed fatally — SYS_ASSERTION_FAILED, its whole gas limit
/// paid, a failure naming each of `said` — and the executor went on: the second message ran
/// as it did in the `honest` run.
fn assert_contained(
    nv: u32,
    bad: &Applied,
    honest: &Applied,
    msgs: &[(Message, usize)],
    said: &[&str],
) {
    skyr_differential::outcome::assert_failed_alone(
        nv,
        &bad.rets,
        &honest.rets,
        msgs[0].0.gas_limit,
        said,
    );
}

/// The state tree at `root` (laid out for network version `nv`).
fn state_at(nv: u32, store: &Rc<MemoryBlockstore>, root: &Cid) -> skyr::state_tree::StateTree {
    let rules = skyr::rules::rules_for_number(nv).expect("rules");
    let buf = skyr::blockstore::BufferedStore::new(store.clone());
    skyr::state_tree::StateTree::load(buf, root, rules).expect("state")
}

fn balance_of(a: &Applied, nv: u32, id: u64) -> Result<TokenAmount> {
    let st = state_at(nv, &a.store, &a.root);
    Ok(st.get_actor(id)?.map(|x| x.balance).unwrap_or_default())
}

/// From `sender`, test actor 0 sends 1 FIL (with `method` and `params`) to `to`; then a plain
/// transfer of 2 FIL from the same sender.
fn send_then_transfer(
    sender: From,
    to: Address,
    method: u64,
    params: Vec<u8>,
) -> Vec<(Message, usize)> {
    let outer = vec![Op::Send(
        to.to_bytes(),
        method,
        params,
        TokenAmount::from_whole(1).atto().to_bytes_be().1,
    )];
    OfficialBuilder::new("a send, then a transfer")
        .msg(OfficialMsg::program(sender, 0, outer))
        .msg(OfficialMsg::new(sender, Address::new_id(ids::SECP[1]), 0).value_whole(2))
        .build()
        .messages
        .into_iter()
        .map(|m| (m.message, m.raw_length))
        .collect()
}

/// Test actor 0 sends 1 FIL and a program to test actor 1, which asks for chain randomness
/// (`randomness`: its ops); then a plain transfer from the same sender.
fn messages(randomness: Vec<Op>) -> Vec<(Message, usize)> {
    let test1 = Address::new_id(ids::TEST[1]);
    send_then_transfer(From::Secp(0), test1, METHOD_RUN, encode(&randomness))
}

fn check_panic_contained(nv: u32, store: Rc<MemoryBlockstore>, root: Cid, rand: Vec<Op>) {
    let msgs = messages(rand);
    let before = apply(nv, store.clone(), root, Rc::new(TestExterns), &[]).expect("empty run");
    let honest = apply(nv, store.clone(), root, Rc::new(TestExterns), &msgs).expect("runs");
    assert_eq!(
        honest.rets[0].receipt.exit_code,
        ExitCode::OK,
        "nv{nv}: honest run"
    );
    let bad = apply(nv, store, root, Rc::new(PanickingExterns), &msgs).expect("no panic escapes");
    assert_contained(nv, &bad, &honest, &msgs, &["panic", PANIC_TEXT]);
    // The nested send's value came back: test actor 1 holds what it held at genesis.
    let test1 = ids::TEST[1];
    assert_eq!(
        balance_of(&bad, nv, test1).expect("state"),
        balance_of(&before, nv, test1).expect("state"),
        "nv{nv}: rolled back"
    );
    assert_ne!(
        balance_of(&honest, nv, test1).expect("state"),
        balance_of(&before, nv, test1).expect("state"),
        "nv{nv}: the honest run moved the value"
    );
    // The executor went on: the transfer after it ran, as it does after an honest message.
    let secp1 = ids::SECP[1];
    assert_eq!(
        balance_of(&bad, nv, secp1).expect("state"),
        balance_of(&honest, nv, secp1).expect("state"),
        "nv{nv}: the transfer landed"
    );
}

#[test]
fn a_panicking_extern_two_sends_deep_fails_only_its_message() {
    // fvm_sdk 2 (nv17): round, personalisation, entropy.
    let g = genesis_skyr::build(None).expect("genesis");
    let sdk2 = callv(
        "rand",
        "get_chain_randomness",
        32,
        vec![imm(1), imm(10), ptr(0), imm(0)],
    );
    check_panic_contained(17, g.store, g.root, sdk2);
    // fvm_sdk 3 (nv18) and 4 (nv21) on the official bundles, when they are at hand.
    let Some(bundles) = run_nv18_28::Bundles::load_for(18..=21) else {
        eprintln!("!! SKIPPED nv18 and nv21: the official bundles are not in ../shared/bundles");
        return;
    };
    for (nv, rand) in [
        (
            18,
            callv(
                "rand",
                "get_chain_randomness",
                32,
                vec![imm(1), imm(10), ptr(0), imm(0)],
            ),
        ),
        (21, callv("rand", "get_chain_randomness", 32, vec![imm(10)])),
    ] {
        let g = genesis_official::build(nv, bundles.for_nv(nv)).expect("genesis");
        check_panic_contained(nv, g.store, g.root, rand);
    }
}

/// A blockstore with a bug: once armed, reading one block panics.
struct PanickingStore {
    inner: Rc<MemoryBlockstore>,
    block: Cid,
    armed: std::cell::Cell<bool>,
}

impl skyr::blockstore::BaseStore for PanickingStore {
    fn get(&self, k: &Cid) -> anyhow::Result<Option<Vec<u8>>> {
        if self.armed.get() && *k == self.block {
            panic!("the node's blockstore fell over reading {k}");
        }
        skyr::blockstore::BaseStore::get(&*self.inner, k)
    }
    fn put_keyed(&self, k: &Cid, data: &[u8]) -> anyhow::Result<()> {
        skyr::blockstore::BaseStore::put_keyed(&*self.inner, k, data)
    }
    fn has(&self, k: &Cid) -> anyhow::Result<bool> {
        skyr::blockstore::BaseStore::has(&*self.inner, k)
    }
}

/// The init actor's state block at `root`.
fn init_state_block(nv: u32, store: &Rc<MemoryBlockstore>, root: Cid) -> Cid {
    let st = state_at(nv, store, &root);
    st.get_actor(1).expect("state").expect("init").state
}

/// From an ID-addressed sender (so nothing reads the init actor before), test actor 0
/// sends 1 FIL to a new f1 address: resolving it reads the init actor's state, and the
/// blockstore panics there — inside the nested send, while the call manager travels by
/// value (where a panic used to abort the process). Then a plain transfer.
fn check_store_panic_contained(nv: u32, store: Rc<MemoryBlockstore>, root: Cid) {
    let sender = From::Addr(Address::new_id(ids::SECP[0]));
    let fresh = SecpKey::from_seed(174).address().to_bytes();
    let fresh = Address::from_bytes(&fresh).expect("address");
    let msgs = send_then_transfer(sender, fresh, 0, vec![]);
    let honest = apply(nv, store.clone(), root, Rc::new(TestExterns), &msgs).expect("runs");
    assert_eq!(
        honest.rets[0].receipt.exit_code,
        ExitCode::OK,
        "nv{nv}: honest run"
    );
    let view = Rc::new(PanickingStore {
        inner: store.clone(),
        block: init_state_block(nv, &store, root),
        armed: std::cell::Cell::new(false),
    });
    let armed = view.clone();
    let bad = apply_on(nv, view, store, root, Rc::new(TestExterns), &msgs, || {
        armed.armed.set(true)
    })
    .expect("no panic escapes");
    assert_contained(
        nv,
        &bad,
        &honest,
        &msgs,
        &[
            "panic while resolving the receiver",
            "the node's blockstore fell over",
        ],
    );
}

#[test]
fn a_panicking_blockstore_in_a_nested_send_fails_only_its_message() {
    let g = genesis_skyr::build(None).expect("genesis");
    check_store_panic_contained(17, g.store, g.root);
    let Some(bundles) = run_nv18_28::Bundles::load_for(18..=21) else {
        eprintln!("!! SKIPPED nv18 and nv21: the official bundles are not in ../shared/bundles");
        return;
    };
    for nv in [18, 21] {
        let g = genesis_official::build(nv, bundles.for_nv(nv)).expect("genesis");
        check_store_panic_contained(nv, g.store, g.root);
    }
}

/// Runs `s` on both machines, which must agree, and gives Skyr's state after it (each
/// message must have run its program).
fn agreed_state_after(
    s: &skyr_differential::scenario_nv16_17::Scenario,
) -> skyr::state_tree::StateTree {
    let engines = run_nv16_17::Engines::new().expect("engines");
    let verdict = run_nv16_17::compare(&engines, s).expect("both machines agree");
    assert!(
        matches!(verdict, run_nv16_17::Verdict::Same(_)),
        "both machines must run it"
    );
    let g = genesis_skyr::build_for(s).expect("genesis");
    let out = run_nv16_17::run_skyr(&engines.skyr, s, g.store.clone(), g.root).expect("runs");
    for (i, o) in out.iter().enumerate() {
        assert_eq!(o.exit_code, 0, "message {i} ran its program");
    }
    let root = out.last().expect("messages").root;
    state_at(17, &g.store, &root)
}

fn scenario_named(name: &str) -> skyr_differential::scenario_nv16_17::Scenario {
    table_nv16_17::all()
        .into_iter()
        .find(|s| s.name == name)
        .expect("the scenario is in the table")
}

#[test]
fn the_init_counter_wraps_as_the_reference_does() {
    let mut st = agreed_state_after(&scenario_named(table_nv16_17::sends::INIT_COUNTER_WRAPS));
    // What both machines agreed on is the wrap: u64::MAX, then 0, and 1 next.
    let mut id = |seed: u8| -> u64 {
        let bytes = SecpKey::from_seed(seed).address().to_bytes();
        let a = Address::from_bytes(&bytes).expect("address");
        st.lookup_id(&a)
            .expect("lookup")
            .expect("the new account exists")
    };
    assert_eq!([id(172), id(173)], [u64::MAX, 0]);
    assert_eq!(st.init_state().expect("init").0.next_id, 1);
}

#[test]
fn the_sequence_wraps_as_the_reference_does() {
    let st = agreed_state_after(&scenario_named(table_nv16_17::messages::SEQUENCE_WRAPS));
    // Both messages ran (each at its sequence, u64::MAX and then 0): the sender is at 1.
    let sender = st.get_actor(ids::SECP[0]).expect("state").expect("sender");
    assert_eq!(sender.sequence, 1);
}

#[test]
fn a_fatal_failure_under_a_9e17_limit_charges_it_all_in_every_build() {
    let s = scenario_named(table_nv16_17::ipld::FATAL_WITH_A_HUGE_LIMIT);
    let engines = run_nv16_17::Engines::new().expect("engines");
    let run_nv16_17::Verdict::Same(c) =
        run_nv16_17::compare(&engines, &s).expect("both machines agree")
    else {
        panic!("both machines must run it");
    };
    // Both reached the fatal path: SYS_ASSERTION_FAILED with the whole 9e17 charged.
    for o in [&c.skyr[0], &c.oracle[0]] {
        assert_eq!(o.exit_code, ExitCode::SYS_ASSERTION_FAILED.value());
        assert_eq!(o.gas_used, 900_000_000_000_000_000);
    }
}
