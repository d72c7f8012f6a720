//! Bad input through the library's front doors: a state root the store lacks or that is not
//! a state tree, network versions Skyr does not run, a state without its actors' code, WASM
//! that is not a module, bundle CARs that are not bundles, a stack limit other than the
//! engine's. Each is an error that names what was wrong (never a panic), and a refused
//! message leaves the state as it was.
use std::io::Read;
use std::rc::Rc;

use base64::Engine as _;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use multihash_codetable::{Code, MultihashDigest};
use skyr::blockstore::MemoryBlockstore;
use skyr::rules::rules_for_number;
use skyr::shared::message::Message;
use skyr::shared::version::NetworkVersion;
use skyr::{AcceptAllProofs, ApplyKind, Engine, Executor, Machine, MachineConfig, TestExterns};

/// A real nv17 mainnet state (a transfer to a multisig, which runs no actor code): its store,
/// root, epoch and message.
struct Vector {
    store: MemoryBlockstore,
    root: Cid,
    epoch: i64,
    message: Message,
    length: usize,
}

fn mainnet_send() -> Vector {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/mainnet/ext-0001-fil_9_multisig-Send-Ok-5.json"
    );
    let text = std::fs::read_to_string(path).expect("the vector is in the checkout");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let b64 = base64::engine::general_purpose::STANDARD;
    let gz = b64.decode(v["car"].as_str().expect("car")).expect("base64");
    let mut car = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut car)
        .expect("gzip");
    let store = MemoryBlockstore::new();
    fvm_ipld_car::load_car_unchecked(&store, car.as_slice()).expect("CAR");
    let root = v["preconditions"]["state_tree"]["root_cid"]["/"]
        .as_str()
        .expect("root")
        .parse()
        .expect("CID");
    let bytes = b64
        .decode(v["apply_messages"][0]["bytes"].as_str().expect("message"))
        .expect("base64");
    Vector {
        store,
        root,
        epoch: v["preconditions"]["variants"][0]["epoch"]
            .as_i64()
            .expect("epoch"),
        message: fvm_ipld_encoding::from_slice(&bytes).expect("message"),
        length: bytes.len(),
    }
}

fn config(nv: u32, epoch: i64, root: Cid) -> MachineConfig {
    let mut c = MachineConfig::new(NetworkVersion::new(nv), epoch, root);
    c.require_code = false;
    c
}

fn machine(
    engine: &Engine,
    config: MachineConfig,
    store: MemoryBlockstore,
) -> anyhow::Result<Machine> {
    Machine::new(
        engine,
        config,
        Rc::new(store),
        Rc::new(TestExterns),
        Rc::new(AcceptAllProofs),
    )
}

/// The error text of `r`, which must be an error.
fn error_of<T>(r: anyhow::Result<T>) -> String {
    match r {
        Ok(_) => panic!("accepted bad input"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn a_state_root_the_store_lacks_is_an_error_naming_it() {
    let v = mainnet_send();
    let engine = Engine::new().expect("engine");
    let absent = Cid::new_v1(0x71, Code::Blake2b256.digest(b"no such state"));
    let why = error_of(machine(&engine, config(17, v.epoch, absent), v.store));
    assert!(why.contains(&absent.to_string()), "{why}");
}

#[test]
fn a_state_root_that_is_not_a_state_tree_is_an_error() {
    let engine = Engine::new().expect("engine");
    // A DAG-CBOR block that decodes, but not as a state root; and one that does not decode.
    for bytes in [&[0x83, 1, 2, 3][..], &[0xff, 0x00, 0x13][..]] {
        let v = mainnet_send();
        let cid = Cid::new_v1(0x71, Code::Blake2b256.digest(bytes));
        v.store.put_keyed(&cid, bytes).expect("put");
        let why = error_of(machine(&engine, config(17, v.epoch, cid), v.store));
        assert!(why.contains("state"), "{bytes:?}: {why}");
    }
}

#[test]
fn network_versions_skyr_does_not_run_are_refused_by_number() {
    let engine = Engine::new().expect("engine");
    for nv in [0u32, 15, 29, u32::MAX] {
        let v = mainnet_send();
        let why = error_of(machine(&engine, config(nv, v.epoch, v.root), v.store));
        assert!(
            why.contains(&nv.to_string()) && why.contains("network version"),
            "nv{nv}: {why}"
        );
    }
}

#[test]
fn a_state_without_its_actors_code_is_refused_when_code_is_required() {
    let v = mainnet_send();
    let engine = Engine::new().expect("engine");
    let mut c = config(17, v.epoch, v.root);
    c.require_code = true;
    let why = error_of(machine(&engine, c, v.store));
    assert!(why.contains("WASM") || why.contains("code"), "{why}");
}

#[test]
fn a_stack_limit_other_than_the_engines_is_refused() {
    let v = mainnet_send();
    let engine = Engine::new().expect("engine");
    let mut c = config(17, v.epoch, v.root);
    c.max_wasm_stack = 1000;
    let why = error_of(machine(&engine, c, v.store));
    assert!(why.contains("1000") && why.contains("2048"), "{why}");
}

#[test]
fn bytes_that_are_not_a_module_do_not_compile_and_say_why() {
    let engine = Engine::new().expect("engine");
    let real = include_bytes!("../../../actors/skyr_actor_test4.wasm");
    for nv in [17, 21] {
        let metering = rules_for_number(nv).expect("rules").metering();
        for (bad, what) in [
            (&b""[..], "empty"),
            (&b"\0asm"[..], "a header cut short"),
            (&b"not wasm at all"[..], "text"),
            (&real[..real.len() / 2], "half a real module"),
        ] {
            let why = error_of(engine.compile(bad, &metering));
            assert!(why.contains("actor wasm"), "nv{nv}, {what}: {why}");
        }
        engine
            .compile(real, &metering)
            .expect("the real module compiles");
    }
}

#[test]
fn cars_that_are_not_bundles_are_refused() {
    let real = include_bytes!("../../../actors/bundle.car");
    for (bad, what) in [
        (&b""[..], "empty"),
        (&b"garbage"[..], "garbage"),
        (&real[..real.len() / 3], "a third of a bundle"),
    ] {
        let store = MemoryBlockstore::new();
        let why = error_of(skyr::bundle::load_bundle(&store, bad));
        assert!(!why.is_empty(), "{what}");
    }
    let store = MemoryBlockstore::new();
    skyr::bundle::load_bundle(&store, real).expect("the real bundle loads");
}

/// A message refused before it runs (a gas limit of zero, a sequence far ahead) changes
/// nothing: the state root after it is the one before.
#[test]
fn a_refused_message_leaves_the_state_as_it_was() {
    let v = mainnet_send();
    let (root, epoch) = (v.root, v.epoch);
    let engine = Engine::new().expect("engine");
    let m = machine(&engine, config(17, epoch, root), v.store).expect("machine");
    let mut exec = Executor::new(m);
    let mut far = v.message.clone();
    far.sequence += 1000;
    let ret = exec
        .apply_message(&far, ApplyKind::Explicit, v.length)
        .expect("a receipt");
    assert_ne!(
        ret.receipt.exit_code.value(),
        0,
        "a sequence far ahead is refused"
    );
    let mut none = v.message.clone();
    none.gas_limit = 0;
    let _ = exec.apply_message(&none, ApplyKind::Explicit, v.length);
    assert_eq!(exec.flush().expect("flush"), root);
}
