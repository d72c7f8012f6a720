//! Explaining transactions: `skyr_traceTransaction` gives the call tree with every Filecoin
//! gas charge (what `skyr exec --trace` prints, as JSON and text, and the gas report), whose
//! charges add up to the receipt's gas; `skyr_traceCall` the same for a call; `trace_transaction`
//! and `trace_block` Lotus's Parity-style entries, with nested calls and a CREATE from a
//! contract (its plumbing through the EAM and init folded into one create entry). Needs the
//! official v18 bundle in `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};

use common::*;

const CALLER: &str = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";

fn addr_word(a: &str) -> Vec<u8> {
    let mut w = vec![0u8; 12];
    w.extend(hex::decode(&a[2..]).expect("hex"));
    w
}

#[test]
fn transactions_are_explained() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 1).expect("keys");
    let me = h(&keys[0].address);
    let init = counter_init(5);
    c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "data": h(&init)}]),
    );
    let r = {
        let hash = c.ok(
            "eth_sendTransaction",
            json!([{"from": me, "data": h(&file_hex("Caller.bin"))}]),
        );
        c.ok("eth_getTransactionReceipt", json!([hash]))
    };
    assert_eq!(r["contractAddress"], json!(CALLER), "{r}");

    // Caller.callInc(counter): a call that calls Counter.inc.
    let mut data = selector("callInc(address)");
    data.extend(addr_word(COUNTER));
    let hash = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": CALLER, "data": h(&data)}]),
    );
    let receipt = c.ok("eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], json!("0x1"));

    let t = c.ok("skyr_traceTransaction", json!([hash]));
    assert_eq!(
        json!(format!("0x{:x}", t["gas_used"].as_u64().expect("gas"))),
        receipt["gasUsed"]
    );
    let call = &t["trace"]["call"];
    assert_eq!(call["actor"], json!("evm"));
    assert_eq!(call["method_name"], json!("InvokeEVM"), "{call}");
    let inner = &call["calls"];
    assert!(
        inner.as_array().is_some_and(|a| a
            .iter()
            .any(|c| c["actor"] == json!("evm") && c["method_name"] == json!("InvokeEVM"))),
        "Caller calls Counter: {inner}"
    );
    // Every charge, outside and inside the calls, adds up to the gas used (milligas, rounded up).
    fn sum(v: &Value) -> i128 {
        let own: i128 = v["charges"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| c["applied"].as_i64().unwrap_or(0) as i128)
                    .sum()
            })
            .unwrap_or(0);
        own + v["calls"]
            .as_array()
            .map(|cs| cs.iter().map(sum).sum())
            .unwrap_or(0)
    }
    let total = sum(&t["trace"]) + sum(&t["trace"]["call"]);
    assert_eq!(
        (total + 999) / 1000,
        t["gas_used"].as_u64().unwrap_or(0) as i128
    );
    let text = t["text"].as_str().expect("text");
    assert!(text.contains("InvokeEVM"), "{text}");
    assert!(t["gas_report"].is_object());
    let every = c.ok("skyr_traceTransaction", json!([hash, {"charges": true}]));
    assert!(every["text"].as_str().unwrap_or("").len() > text.len());

    // Parity style: the top call, and Counter.inc under it.
    let p = c.ok("trace_transaction", json!([hash]));
    let entries = p.as_array().expect("entries");
    assert!(entries.len() >= 2, "{p}");
    assert_eq!(entries[0]["type"], json!("call"));
    assert_eq!(entries[0]["action"]["from"], json!(me));
    assert_eq!(entries[0]["action"]["to"], json!(CALLER));
    assert_eq!(entries[0]["action"]["input"], json!(h(&data)));
    assert_eq!(entries[0]["traceAddress"], json!([]));
    assert_eq!(entries[0]["transactionHash"], hash);
    assert_eq!(entries[0]["blockNumber"], json!(3));
    let counter_call = entries
        .iter()
        .find(|e| e["action"]["to"] == json!(COUNTER))
        .expect("the call into Counter");
    assert_eq!(
        counter_call["traceAddress"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(counter_call["action"]["from"], json!(CALLER));
    assert_eq!(counter_call["action"]["callType"], json!("call"));
    let inc_selector = h(&selector("inc(bytes)"));
    assert!(counter_call["action"]["input"]
        .as_str()
        .unwrap_or("")
        .starts_with(&inc_selector));
    // inc returns the new count (6).
    assert_eq!(counter_call["result"]["output"], json!(h(&word(6))));
    assert_eq!(c.ok("trace_block", json!(["0x3"])), p);

    // Caller.create(7): a CREATE from a contract, its EAM and init plumbing folded away.
    let mut data = selector("create(uint256)");
    data.extend(word(7));
    let hash = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": CALLER, "data": h(&data)}]),
    );
    let p = c.ok("trace_transaction", json!([hash]));
    let create = p
        .as_array()
        .and_then(|a| a.iter().find(|e| e["type"] == json!("create")).cloned())
        .unwrap_or_else(|| panic!("a create entry: {p}"));
    assert_eq!(create["action"]["from"], json!(CALLER));
    assert!(create["action"]["init"].as_str().unwrap_or("").len() > 100);
    let created = create["result"]["address"]
        .as_str()
        .expect("an address")
        .to_string();
    let code = c.ok("eth_getCode", json!([created, "latest"]));
    assert_eq!(code, json!(h(&file_hex("Counter.bin-runtime"))));
    assert!(
        p.as_array().is_some_and(|a| a
            .iter()
            .all(|e| e["action"]["to"] != json!("0xff00000000000000000000000000000000000001"))),
        "init is plumbing: {p}"
    );

    // A call, traced without a transaction.
    let t = c.ok(
        "skyr_traceCall",
        json!([{"from": me, "to": COUNTER, "data": h(&selector("count()"))}, "latest"]),
    );
    assert_eq!(t["exit_code"], json!(0));
    assert!(t["text"].as_str().unwrap_or("").contains("InvokeEVM"));

    c.refused("skyr_traceTransaction", json!([h(&[9u8; 32])]), "not mined");
    c.refused("trace_transaction", json!(["0x12"]), "32 bytes");
    c.refused("skyr_traceTransaction", json!([hash, 5]), "trace options");
    assert_eq!(c.ok("trace_block", json!(["0x99"])), Value::Null);
}
