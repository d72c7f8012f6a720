//! The devnet over HTTP, as a client sees it: a server on a free port, requests sent as
//! JSON-RPC. A contract is deployed by a signed raw transaction and by eth_sendTransaction,
//! called, made to revert (reason strings and custom errors come back as code 3 with the
//! revert bytes), its events read as logs; legacy transactions (EIP-155 and Homestead) are
//! mined; value goes to a fresh address; blocks link up. Then bad input, request by request:
//! each gets a JSON-RPC error naming the problem, and the chain does not move. Needs the
//! official v18 bundle in `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use alloy_primitives::keccak256;
use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};

use common::*;

#[test]
fn a_client_deploys_calls_and_is_refused_bad_input() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 3).expect("keys");
    let me = h(&keys[0].address);

    assert_eq!(c.ok("eth_chainId", json!([])), json!("0x1df5e76"));
    assert_eq!(c.ok("net_version", json!([])), json!("31415926"));
    assert_eq!(c.ok("eth_accounts", json!([]))[0], json!(me));
    assert_eq!(c.ok("eth_blockNumber", json!([])), json!("0x0"));
    let balance = c.ok("eth_getBalance", json!([me, "latest"]));
    assert_eq!(balance, json!("0x21e19e0c9bab2400000")); // 10,000 FIL
                                                         // The CREATE2 deployer is there with its usual code.
    let deployer = c.ok(
        "eth_getCode",
        json!(["0x4e59b44847b379578588920cA78FbF26c0B4956C", "latest"]),
    );
    assert_eq!(deployer, json!("0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3"));

    // Deploy Counter(5) with a signed raw transaction, its gas from eth_estimateGas.
    let init = counter_init(5);
    let gas = num(&c.ok("eth_estimateGas", json!([{"from": me, "data": h(&init)}])));
    assert!(gas > 1_000_000, "FEVM gas, not EVM gas: {gas}");
    let raw = sign_1559(&keys[0], 0, None, init.clone(), gas, CHAIN_ID);
    let hash = c.ok("eth_sendRawTransaction", json!([h(&raw)]));
    assert_eq!(hash, json!(h(keccak256(&raw).as_slice())));
    let receipt = c.ok("eth_getTransactionReceipt", json!([hash]));
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    let counter = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    assert_eq!(receipt["contractAddress"], json!(counter));
    assert_eq!(receipt["logs"], json!([]));
    assert!(num(&receipt["gasUsed"]) <= gas);
    assert_eq!(receipt["cumulativeGasUsed"], receipt["gasUsed"]);
    let tx = c.ok("eth_getTransactionByHash", json!([hash]));
    assert_eq!(tx["from"], json!(me));
    assert_eq!(tx["to"], Value::Null);
    assert_eq!(tx["input"], json!(h(&init)));
    assert_eq!(tx["type"], json!("0x2"));
    let code = c.ok("eth_getCode", json!([counter, "latest"]));
    assert_eq!(code, json!(h(&file_hex("Counter.bin-runtime"))));
    assert_eq!(
        c.ok("eth_getTransactionCount", json!([counter, "latest"])),
        json!("0x1")
    );
    assert_eq!(
        c.ok("eth_getTransactionCount", json!([me, "latest"])),
        json!("0x1")
    );

    // Blocks: the deployment's block, linked to its parent; earliest is 0; a future one null.
    let b1 = c.ok("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(b1["number"], json!("0x1"));
    assert_eq!(b1["hash"], receipt["blockHash"]);
    assert_eq!(b1["transactions"], json!([hash]));
    let b0 = c.ok("eth_getBlockByNumber", json!(["earliest", false]));
    assert_eq!(b1["parentHash"], b0["hash"]);
    assert_eq!(
        c.ok("eth_getBlockByHash", json!([b1["hash"], true]))["transactions"][0]["hash"],
        hash
    );
    assert_eq!(
        c.ok("eth_getBlockByNumber", json!(["0x64", false])),
        Value::Null
    );

    // Calls: the count, a storage read.
    let count = selector("count()");
    let got = c.ok(
        "eth_call",
        json!([{"to": counter, "data": h(&count)}, "latest"]),
    );
    assert_eq!(got, json!(h(&word(5))));
    assert_eq!(
        c.ok("eth_getStorageAt", json!([counter, "0x0", "latest"])),
        json!(h(&word(5)))
    );

    // eth_sendTransaction with a dev key: inc(0x1234) emits Incremented.
    let mut inc = selector("inc(bytes)");
    inc.extend(word(32));
    inc.extend(word(2));
    let mut note = vec![0x12, 0x34];
    note.resize(32, 0);
    inc.extend(note);
    let sent = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": counter, "data": h(&inc)}]),
    );
    let r = c.ok("eth_getTransactionReceipt", json!([sent]));
    assert_eq!(r["status"], json!("0x1"), "{r}");
    let topic0 = h(keccak256("Incremented(address,uint256,bytes)").as_slice());
    assert_eq!(r["logs"][0]["topics"][0], json!(topic0));
    assert_eq!(r["logs"][0]["address"], json!(counter));
    let logs = c.ok(
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "latest", "topics": [topic0]}]),
    );
    assert_eq!(logs.as_array().map(Vec::len), Some(1));
    assert_eq!(logs[0]["transactionHash"], sent);
    let none = c.ok(
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "address": "0x4e59b44847b379578588920cA78FbF26c0B4956C"}]),
    );
    assert_eq!(none, json!([]));
    // The state at block 1 still says 5, the head 6.
    assert_eq!(
        c.ok(
            "eth_call",
            json!([{"to": counter, "data": h(&count)}, "0x1"])
        ),
        json!(h(&word(5)))
    );
    assert_eq!(
        c.ok("eth_call", json!([{"to": counter, "data": h(&count)}])),
        json!(h(&word(6)))
    );

    // Reverts: a reason string, a custom error, in eth_call and eth_estimateGas.
    let mut fail = selector("fail(string)");
    fail.extend(word(32));
    fail.extend(word(4));
    let mut boom = b"boom".to_vec();
    boom.resize(32, 0);
    fail.extend(boom);
    let e = c.refused(
        "eth_call",
        json!([{"to": counter, "data": h(&fail)}, "latest"]),
        "revert reason=[Error(boom)]",
    );
    assert_eq!(e["code"], json!(3));
    assert!(
        e["data"].as_str().unwrap_or("").starts_with("0x08c379a0"),
        "{e}"
    );
    let mut up_to = selector("incUpTo(uint256)");
    up_to.extend(word(1));
    let e = c.err(
        "eth_estimateGas",
        json!([{"from": me, "to": counter, "data": h(&up_to)}]),
    );
    assert_eq!(e["code"], json!(3));
    let too_high = h(&selector("TooHigh(uint256,uint256)"));
    assert!(
        e["data"].as_str().unwrap_or("").starts_with(&too_high),
        "{e}"
    );
    // A mined failing transaction: status 0.
    let sent = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": counter, "data": h(&up_to), "gas": "0x2faf080"}]),
    );
    let r = c.ok("eth_getTransactionReceipt", json!([sent]));
    assert_eq!(r["status"], json!("0x0"), "{r}");

    // Legacy transactions: EIP-155 and Homestead, sending value to fresh addresses.
    let fresh = [0x42u8; 20];
    let n = num(&c.ok("eth_getTransactionCount", json!([me, "pending"])));
    let raw = sign_legacy(&keys[0], n, fresh, 7, Some(CHAIN_ID));
    let sent = c.ok("eth_sendRawTransaction", json!([h(&raw)]));
    let r = c.ok("eth_getTransactionReceipt", json!([sent]));
    assert_eq!(r["status"], json!("0x1"), "{r}");
    assert_eq!(r["type"], json!("0x0"));
    let raw = sign_legacy(&keys[1], 0, fresh, 5, None);
    let sent = c.ok("eth_sendRawTransaction", json!([h(&raw)]));
    let r = c.ok("eth_getTransactionReceipt", json!([sent]));
    assert_eq!(r["status"], json!("0x1"), "{r}");
    assert_eq!(
        c.ok("eth_getBalance", json!([h(&fresh), "latest"])),
        json!("0xc")
    );
    assert_eq!(
        c.ok("eth_getCode", json!([h(&fresh), "latest"])),
        json!("0x")
    );
    assert_eq!(
        c.ok("eth_getTransactionCount", json!([h(&fresh), "latest"])),
        json!("0x0")
    );

    // Bad input: each named, none moves the chain.
    let height = c.ok("eth_blockNumber", json!([]));
    let (_, v) = c.raw("{not json");
    assert_eq!(v["error"]["code"], json!(-32700), "{v}");
    assert_eq!(c.err("eth_noSuchMethod", json!([]))["code"], json!(-32601));
    let (_, v) = c.raw(r#"{"jsonrpc":"2.0","id":9,"method":"eth_chainId","params":{"a":1}}"#);
    assert_eq!(v["error"]["code"], json!(-32602), "{v}");
    let (_, v) = c.raw(r#"{"jsonrpc":"2.0","id":9,"method":7}"#);
    assert_eq!(v["error"]["code"], json!(-32600), "{v}");
    assert_eq!(
        c.err("eth_getBalance", json!(["0x1234", "latest"]))["code"],
        json!(-32602)
    );
    assert_eq!(
        c.err("eth_getBalance", json!([me, "latest", 3]))["code"],
        json!(-32602)
    );
    c.refused(
        "eth_sendRawTransaction",
        json!(["0x02deadbeef"]),
        "does not decode",
    );
    c.refused("eth_sendRawTransaction", json!(["0x01c0"]), "EIP-2930");
    c.refused(
        "eth_sendRawTransaction",
        json!(["0x03c0"]),
        "unsupported transaction type",
    );
    let wrong_chain = sign_1559(&keys[2], 0, Some(fresh), Vec::new(), 3_000_000, 1);
    c.refused(
        "eth_sendRawTransaction",
        json!([h(&wrong_chain)]),
        "invalid chain id",
    );
    let stale = sign_1559(&keys[0], 0, Some(fresh), Vec::new(), 3_000_000, CHAIN_ID);
    c.refused(
        "eth_sendRawTransaction",
        json!([h(&stale)]),
        "nonce too low",
    );
    let gapped = sign_1559(&keys[2], 5000, Some(fresh), Vec::new(), 3_000_000, CHAIN_ID);
    c.refused(
        "eth_sendRawTransaction",
        json!([h(&gapped)]),
        "nonce too high",
    );
    let tiny_gas = sign_1559(&keys[2], 0, Some(fresh), Vec::new(), 21_000, CHAIN_ID);
    c.refused(
        "eth_sendRawTransaction",
        json!([h(&tiny_gas)]),
        "intrinsic gas too low",
    );
    let mut tampered = sign_1559(&keys[2], 0, Some(fresh), Vec::new(), 3_000_000, CHAIN_ID);
    let last = tampered.len() - 1;
    tampered[last] ^= 0xff;
    assert_eq!(
        c.err("eth_sendRawTransaction", json!([h(&tampered)]))["code"],
        json!(-32000)
    );
    c.refused(
        "eth_sendTransaction",
        json!([{"from": h(&fresh), "to": counter}]),
        "no key",
    );
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["{}"]}}"#,
        "a".repeat(9 << 20)
    );
    let (status, v) = c.raw(&huge);
    assert_eq!(status, 413);
    assert_eq!(v["error"]["code"], json!(-32600), "{v}");
    let (_, v) = c.raw("[]");
    assert_eq!(v["error"]["code"], json!(-32600), "{v}");
    let batch: Vec<Value> = (0..1001)
        .map(|i| json!({"jsonrpc":"2.0","id":i,"method":"eth_chainId"}))
        .collect();
    let (_, v) = c.raw(&Value::Array(batch).to_string());
    assert_eq!(v["error"]["code"], json!(-32600), "{v}");
    let (_, v) = c.raw(r#"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#);
    assert_eq!(v[0]["result"], json!("0x1df5e76"), "{v}");
    assert_eq!(v[1]["error"]["code"], json!(-32601), "{v}");
    assert_eq!(
        c.ok("eth_blockNumber", json!([])),
        height,
        "bad input moved the chain"
    );

    // Mining on request.
    c.ok("evm_mine", json!([]));
    c.ok("anvil_mine", json!(["0x3"]));
    assert_eq!(num(&c.ok("eth_blockNumber", json!([]))), num(&height) + 4);
}
