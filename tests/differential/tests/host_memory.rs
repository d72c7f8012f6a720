//! The host's memory budget (`EngineOptions::host_memory_budget`): a message whose call
//! stack grows WASM memory past it fails fatally — SYS_ASSERTION_FAILED, its whole gas
//! limit paid, its changes rolled back — and the executor goes on; under the budget the
//! same message runs as the reference runs it. nv17 (which sets no memory limit of its
//! own) always; nv21 when the official bundles are beside the checkout.
use std::rc::Rc;

use cid::Cid;
use fvm_ipld_blockstore::MemoryBlockstore;
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::error::ExitCode;
use skyr::shared::message::Message;
use skyr::shared::version::NetworkVersion;
use skyr::{ApplyKind, ApplyRet, Engine, EngineOptions, Executor, Machine, MachineConfig};
use skyr_differential::genesis_skyr::ids;
use skyr_differential::programs::encode;
use skyr_differential::scenario_nv16_17::{Builder, Msg, Sender};
use skyr_differential::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg};
use skyr_differential::{genesis_official, genesis_skyr, run_nv16_17, run_nv18_28};
use skyr_test_program::{Op, METHOD_RUN};

/// Pages the nested call grows: 1,100 (68.75 MiB), past a 64 MiB budget, well under 256 MiB.
const PAGES: u32 = 1_100;

/// Test actor 0 sends test actor 1 a program growing its memory by [`PAGES`]; then a plain
/// transfer from the same sender.
fn messages() -> Vec<(Message, usize)> {
    let inner = encode(&[Op::Grow(PAGES)]);
    let test1 = Address::new_id(ids::TEST[1]);
    let outer = vec![Op::Send(test1.to_bytes(), METHOD_RUN, inner, Vec::new())];
    OfficialBuilder::new("grow in a nested call, then a transfer")
        .msg(OfficialMsg::program(From::Secp(0), 0, outer))
        .msg(OfficialMsg::new(From::Secp(0), Address::new_id(ids::SECP[1]), 0).value_whole(2))
        .build()
        .messages
        .into_iter()
        .map(|m| (m.message, m.raw_length))
        .collect()
}

/// Applies `msgs` at `nv` on an engine with `budget` bytes; the receipts and the root.
fn apply(
    nv: u32,
    budget: usize,
    store: Rc<MemoryBlockstore>,
    root: Cid,
    msgs: &[(Message, usize)],
) -> (Vec<ApplyRet>, Cid) {
    let engine = Engine::with_options(EngineOptions {
        host_memory_budget: budget,
        ..EngineOptions::default()
    })
    .expect("engine");
    let mut config = MachineConfig::new(NetworkVersion::new(nv), 1000, root);
    config.base_fee = TokenAmount::from_atto(100);
    let machine = Machine::new(
        &engine,
        config,
        store,
        Rc::new(skyr::TestExterns),
        Rc::new(skyr::RealProofs),
    )
    .expect("machine");
    let mut exec = Executor::new(machine);
    let rets = msgs
        .iter()
        .map(|(m, len)| {
            exec.apply_message(m, ApplyKind::Explicit, *len)
                .expect("a spent budget fails the message, not the executor")
        })
        .collect();
    (rets, exec.flush().expect("flush"))
}

/// The nested growth: under a 256 MiB budget it runs (the nested call returns its old size
/// as its output); under 64 MiB the message fails fatally, naming the budget, and the
/// transfer after it runs as it does after the honest message.
fn check(nv: u32, start: impl Fn() -> (Rc<MemoryBlockstore>, Cid)) {
    let msgs = messages();
    let (store, root) = start();
    let (honest, _) = apply(nv, 256 << 20, store, root, &msgs);
    assert_eq!(
        honest[0].receipt.exit_code,
        ExitCode::OK,
        "nv{nv}: {:?}",
        honest[0].failure
    );
    let (store, root) = start();
    let (spent, _) = apply(nv, 64 << 20, store, root, &msgs);
    skyr_differential::outcome::assert_failed_alone(
        nv,
        &spent,
        &honest,
        msgs[0].0.gas_limit,
        &["memory budget"],
    );
    // The default budget is far above what consensus lets nv18-28 hold.
    const { assert!(skyr::engine::DEFAULT_HOST_MEMORY_BUDGET > 2 << 30) };
}

#[test]
fn nv17_a_growth_past_the_host_budget_fails_only_its_message() {
    check(17, || {
        let g = genesis_skyr::build(None).expect("genesis");
        (g.store, g.root)
    });
}

#[test]
fn nv17_under_the_budget_the_growth_runs_as_the_reference_runs_it() {
    let inner = encode(&[Op::Grow(PAGES)]);
    let test1 = fvm_shared::address::Address::new_id(ids::TEST[1]);
    let s = Builder::new("host memory: a nested growth of 1,100 pages")
        .msg(Msg::program(
            0,
            vec![Op::Send(test1.to_bytes(), METHOD_RUN, inner, Vec::new())],
        ))
        .msg(Msg::new(
            Sender::Secp(0),
            fvm_shared::address::Address::new_id(ids::SECP[1]),
            0,
        ))
        .build();
    let engines = run_nv16_17::Engines::new().expect("engines");
    match run_nv16_17::check(&engines, &s).expect("both machines agree") {
        run_nv16_17::Verdict::Same(c) => assert_eq!(c.skyr[0].exit_code, 0, "it ran"),
        run_nv16_17::Verdict::BothRefused(a, _) => panic!("refused: {a}"),
    }
}

#[test]
fn nv21_a_growth_past_the_host_budget_fails_only_its_message() {
    let Some(bundles) = run_nv18_28::Bundles::load_for(21..=21) else {
        println!(
            "!! SKIPPED: nv21 (the official bundles in ../shared are not beside this checkout)"
        );
        return;
    };
    check(21, || {
        let g = genesis_official::build(21, bundles.for_nv(21)).expect("genesis");
        (g.store, g.root)
    });
}
