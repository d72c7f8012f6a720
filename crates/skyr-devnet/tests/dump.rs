//! A devnet dumped (`anvil_dumpState`: a CAR of its chain, state, pool and snapshots, without
//! the bundle's code) and loaded into another (`anvil_loadState`): the second has the same
//! blocks, receipts, contract state and snapshots, and goes on exactly as the first. Broken
//! dumps are refused by name and change nothing. Needs the official v18 bundle in
//! `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};

use common::*;

#[test]
fn a_dump_loads_into_another_devnet() {
    let (Some(mut a), Some(mut b)) = (devnet(), devnet()) else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 1).expect("keys");
    let me = h(&keys[0].address);
    let init = counter_init(5);
    let deploy = a.ok(
        "eth_sendTransaction",
        json!([{"from": me, "data": h(&init)}]),
    );
    let snap = a.ok("evm_snapshot", json!([]));
    let first = a.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    a.ok(
        "anvil_setStorageAt",
        json!([COUNTER, "0x0", format!("0x{:064x}", 40)]),
    );
    a.ok("evm_setAutomine", json!([false]));
    let pending = a.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );

    let dump = a.ok("anvil_dumpState", json!([]));
    let car = hex::decode(&dump.as_str().expect("hex")[2..]).expect("hex");
    let bundles = shared_bundles().expect("the bundles (the devnets run on them)");
    let bundle =
        std::fs::metadata(bundles.join("v18/builtin-actors-mainnet.car")).expect("the bundle");
    assert!(
        (car.len() as u64) < bundle.len() / 4,
        "the bundle's code is left out: a dump of {} bytes",
        car.len()
    );

    // Broken dumps: refused, and b is untouched.
    b.refused("anvil_loadState", json!(["0x1234"]), "does not load");
    b.refused(
        "anvil_loadState",
        json!([h(&car[..car.len() / 2])]),
        "does not load",
    );
    assert_eq!(b.ok("eth_blockNumber", json!([])), json!("0x0"));

    assert_eq!(b.ok("anvil_loadState", json!([dump])), json!(true));
    assert_eq!(
        b.ok("eth_blockNumber", json!([])),
        a.ok("eth_blockNumber", json!([]))
    );
    for hash in [&deploy, &first] {
        assert_eq!(
            b.ok("eth_getTransactionReceipt", json!([hash])),
            a.ok("eth_getTransactionReceipt", json!([hash]))
        );
    }
    let latest = |c: &mut Client| c.ok("eth_getBlockByNumber", json!(["latest", true]));
    assert_eq!(latest(&mut b), latest(&mut a));
    let count = |c: &mut Client| {
        c.ok(
            "eth_call",
            json!([{"to": COUNTER, "data": h(&selector("count()"))}, "latest"]),
        )
    };
    assert_eq!(
        count(&mut b),
        json!(h(&word(40))),
        "the hand-set storage came along"
    );
    // The pending transaction came along: mined on both, the same block.
    b.ok("evm_setAutomine", json!([false]));
    a.ok("evm_mine", json!([]));
    b.ok("evm_mine", json!([]));
    assert_eq!(
        b.ok("eth_getTransactionReceipt", json!([pending])),
        a.ok("eth_getTransactionReceipt", json!([pending]))
    );
    assert_eq!(latest(&mut b), latest(&mut a));
    assert_eq!(count(&mut b), json!(h(&word(41))));
    // And the snapshot: both go back past the first increment.
    assert_eq!(b.ok("evm_revert", json!([snap])), json!(true));
    assert_eq!(a.ok("evm_revert", json!([snap])), json!(true));
    assert_eq!(count(&mut b), json!(h(&word(5))));
    assert_eq!(
        b.ok("eth_getTransactionReceipt", json!([first])),
        Value::Null
    );
    assert_eq!(latest(&mut b), latest(&mut a));
}
