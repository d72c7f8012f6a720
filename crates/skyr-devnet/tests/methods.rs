//! Every method the other tests do not call by name, over raw JSON-RPC, with what it must
//! answer: the small Ethereum ones (client and chain facts, counts and transactions by block,
//! block receipts, fee history and prices), the pool's removal by sender, and the Filecoin
//! chain and state methods a tool reads (network parameters, tipsets by key, a block's parent
//! messages and receipts, StateCall, robust addresses, the pending pool). Needs the official
//! v18 bundle in `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use base64::Engine as _;
use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};

use common::*;

#[test]
fn the_remaining_methods_answer() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 2).expect("keys");
    let me = h(&keys[0].address);
    c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "data": h(&counter_init(5))}]),
    );
    let tx = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    let receipt = c.ok("eth_getTransactionReceipt", json!([tx]));
    let number = receipt["blockNumber"].clone();
    let hash = receipt["blockHash"].clone();

    assert_eq!(c.ok("net_listening", json!([])), json!(true));
    assert_eq!(
        c.ok("web3_sha3", json!(["0x68656c6c6f"])),
        json!("0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")
    );
    let version = c.ok("web3_clientVersion", json!([]));
    assert!(
        version.as_str().unwrap_or("").starts_with("skyr-devnet/"),
        "{version}"
    );
    assert_eq!(c.ok("eth_protocolVersion", json!([])), json!("0x1c"));
    assert_eq!(c.ok("eth_syncing", json!([])), json!(false));
    assert_eq!(c.ok("eth_mining", json!([])), json!(true));
    assert_eq!(c.ok("eth_hashrate", json!([])), json!("0x0"));

    // A block's transactions, by number and by hash.
    for (m, b) in [
        ("eth_getBlockTransactionCountByNumber", &number),
        ("eth_getBlockTransactionCountByHash", &hash),
    ] {
        assert_eq!(c.ok(m, json!([b])), json!("0x1"), "{m}");
    }
    for (m, b) in [
        ("eth_getTransactionByBlockNumberAndIndex", &number),
        ("eth_getTransactionByBlockHashAndIndex", &hash),
    ] {
        assert_eq!(c.ok(m, json!([b, "0x0"]))["hash"], tx, "{m}");
        assert_eq!(
            c.ok(m, json!([b, "0x5"])),
            Value::Null,
            "{m}: no such index"
        );
    }
    assert_eq!(
        c.ok("eth_getBlockReceipts", json!([number])),
        json!([receipt])
    );

    // Prices: the priority fee is fixed, the gas price is the next base fee plus it.
    let priority = num(&c.ok("eth_maxPriorityFeePerGas", json!([])));
    assert_eq!(priority, 200_000);
    let base = num(&c.ok("eth_baseFee", json!([])));
    assert_eq!(num(&c.ok("eth_gasPrice", json!([]))), base + priority);
    // Four blocks asked for; the chain has fewer (genesis, the deployment, the increment).
    let blocks = (num(&c.ok("eth_blockNumber", json!([]))) + 1).min(4) as usize;
    let history = c.ok("eth_feeHistory", json!(["0x4", "latest", [25, 75]]));
    let fees = history["baseFeePerGas"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(fees.len(), blocks + 1, "{history}");
    assert_eq!(
        history["gasUsedRatio"].as_array().map(Vec::len),
        Some(blocks)
    );
    assert_eq!(history["reward"][0].as_array().map(Vec::len), Some(2));
    assert_eq!(num(&fees[blocks]), base, "the next block's base fee last");
    c.refused(
        "eth_feeHistory",
        json!(["0x4", "latest", [75, 25]]),
        "percentiles",
    );

    // The pool: waiting transactions listed (Filecoin's view), then removed by sender.
    c.ok("evm_setAutomine", json!([false]));
    assert_eq!(c.ok("eth_mining", json!([])), json!(false));
    for _ in 0..2 {
        c.ok(
            "eth_sendTransaction",
            json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
        );
    }
    let pending = c.ok("Filecoin.MpoolPending", json!([[]]));
    assert_eq!(pending.as_array().map(Vec::len), Some(2), "{pending}");
    assert_eq!(pending[0]["Signature"]["Type"], json!(3));
    c.ok("anvil_removePoolTransactions", json!([me]));
    assert_eq!(c.ok("Filecoin.MpoolPending", json!([[]])), json!([]));
    let height = c.ok("eth_blockNumber", json!([]));
    c.ok("evm_mine", json!([]));
    assert_eq!(
        c.ok("eth_getBlockTransactionCountByNumber", json!(["latest"])),
        json!("0x0")
    );
    assert_ne!(c.ok("eth_blockNumber", json!([])), height);
    c.ok("evm_setAutomine", json!([true]));

    // Filecoin's chain and state reads.
    let params = c.ok("Filecoin.StateGetNetworkParams", json!([]));
    assert_eq!(params["Eip155ChainID"], json!(31415926));
    assert_eq!(params["BlockDelaySecs"], json!(30));
    let n = num(&number);
    let ts = c.ok("Filecoin.ChainGetTipSetByHeight", json!([n, []]));
    assert_eq!(c.ok("Filecoin.ChainGetTipSet", json!([ts["Cids"]])), ts);
    let child = c.ok("Filecoin.ChainGetTipSetByHeight", json!([n + 1, []]));
    let parent_msgs = c.ok("Filecoin.ChainGetParentMessages", json!([child["Cids"][0]]));
    assert_eq!(
        parent_msgs.as_array().map(Vec::len),
        Some(1),
        "{parent_msgs}"
    );
    let cid = parent_msgs[0]["Cid"].clone();
    assert_eq!(
        c.ok("Filecoin.EthGetTransactionHashByCid", json!([cid])),
        tx,
        "the parent's message is the transaction"
    );
    let parent_rcts = c.ok("Filecoin.ChainGetParentReceipts", json!([child["Cids"][0]]));
    assert_eq!(parent_rcts[0]["ExitCode"], json!(0));
    assert_eq!(
        json!(format!(
            "0x{:x}",
            parent_rcts[0]["GasUsed"].as_u64().unwrap_or(0)
        )),
        receipt["gasUsed"]
    );
    // StateCall of count() on the contract, from the dev account's f410 address.
    let f4 = c.ok("Filecoin.EthAddressToFilecoinAddress", json!([COUNTER]));
    let from = c.ok("Filecoin.EthAddressToFilecoinAddress", json!([me]));
    let calldata =
        fvm_ipld_encoding::to_vec(&serde_bytes::Bytes::new(&selector("count()"))).expect("CBOR");
    let b64 = base64::engine::general_purpose::STANDARD;
    let call = c.ok(
        "Filecoin.StateCall",
        json!([{"From": from, "To": f4, "Method": 3844450837u64, "Params": b64.encode(&calldata)}, []]),
    );
    assert_eq!(call["MsgRct"]["ExitCode"], json!(0), "{call}");
    let ret = b64
        .decode(call["MsgRct"]["Return"].as_str().unwrap_or(""))
        .expect("base64");
    let count: serde_bytes::ByteBuf = fvm_ipld_encoding::from_slice(&ret).expect("CBOR bytes");
    assert_eq!(count.into_vec(), word(6), "count(): 5, one increment mined");
    let id = c.ok("Filecoin.StateLookupID", json!([f4, []]));
    assert_eq!(
        c.ok("Filecoin.StateLookupRobustAddress", json!([id, []])),
        f4
    );
}

/// Thousands of requests at once, from many connections, while transactions are mined: each
/// gets its answer (a result, or an error naming the problem for the malformed ones), none is
/// lost, and the chain is whole after.
#[test]
fn thousands_of_requests_at_once() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 1).expect("keys");
    let me = h(&keys[0].address);
    let url = c.url.clone();
    let bodies = [
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","latest"]}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"eth_getBlockByNumber","params":["latest",true]}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"no_such_method","params":[]}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"eth_getBalance","params":["0x12"]}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"eth_sendRawTransaction","params":["0x02ff"]}"#,
        r#"{not json"#,
    ];
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                let client = Client { url, id: 0 };
                let mut answered = 0;
                for i in 0..125 {
                    let body = bodies[(t + i) % bodies.len()];
                    let (status, v) = client.raw(body);
                    assert!(status == 200, "status {status}: {v}");
                    let ok = v.get("result").is_some()
                        || v["error"]["message"]
                            .as_str()
                            .is_some_and(|m| !m.is_empty());
                    assert!(ok, "an answer for {body}: {v}");
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    // Transactions mined meanwhile.
    let mut sent = Vec::new();
    for _ in 0..10 {
        sent.push(c.ok(
            "eth_sendTransaction",
            json!([{"from": me, "to": "0x0000000000000000000000000000000000000042", "value": "0x1"}]),
        ));
    }
    let answered: usize = threads
        .into_iter()
        .map(|t| t.join().expect("a client thread"))
        .sum();
    assert_eq!(answered, 2000);
    for tx in &sent {
        assert_eq!(
            c.ok("eth_getTransactionReceipt", json!([tx]))["status"],
            json!("0x1")
        );
    }
    assert_eq!(
        c.ok(
            "eth_getBalance",
            json!(["0x0000000000000000000000000000000000000042", "latest"])
        ),
        json!("0xa")
    );
}

/// A long mining request does not hold other requests up: reads sent while `anvil_mine`
/// mines 200 blocks are answered between the blocks, and see the chain grow.
#[test]
fn reads_are_answered_while_blocks_are_mined() {
    let Some(mut c) = devnet() else {
        return;
    };
    let start = num(&c.ok("eth_blockNumber", json!([])));
    let url = c.url.clone();
    let miner = std::thread::spawn(move || {
        let mut m = Client { url, id: 0 };
        m.ok("anvil_mine", json!([200]))
    });
    let mut seen = Vec::new();
    while !miner.is_finished() {
        seen.push(num(&c.ok("eth_blockNumber", json!([]))));
    }
    assert_eq!(miner.join().expect("the miner"), Value::Null);
    assert_eq!(num(&c.ok("eth_blockNumber", json!([]))), start + 200);
    let between = seen
        .iter()
        .filter(|n| **n > start && **n < start + 200)
        .count();
    assert!(
        between > 0,
        "no read was answered while the blocks were mined: {seen:?}"
    );
}
