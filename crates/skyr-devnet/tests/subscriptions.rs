//! Watching the chain, as client libraries do: installed filters over HTTP (`eth_newFilter`,
//! `eth_newBlockFilter`, `eth_newPendingTransactionFilter`, `eth_getFilterChanges` answering
//! only what is new, `eth_getFilterLogs`, `eth_uninstallFilter`), and WebSocket subscriptions
//! on the same port (`newHeads`, `logs`, `newPendingTransactions`, ordinary requests on the
//! socket, bad input answered without closing it). Needs the official v18 bundle in
//! `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use common::*;

fn incremented() -> String {
    h(alloy_primitives::keccak256(b"Incremented(address,uint256,bytes)").as_slice())
}

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

fn ws_send(s: &mut Socket, v: &str) {
    s.send(Message::Text(v.into())).expect("sent");
}

fn ws_read(s: &mut Socket) -> Value {
    loop {
        match s.read().expect("a message") {
            Message::Text(t) => return serde_json::from_str(&t).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn filters_and_subscriptions_report_what_is_new() {
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

    let blocks = c.ok("eth_newBlockFilter", json!([]));
    let logs = c.ok("eth_newFilter", json!([{"address": COUNTER}]));
    let by_topic = c.ok(
        "eth_newFilter",
        json!([{"fromBlock": "earliest", "topics": [incremented()]}]),
    );
    let other_topic = c.ok("eth_newFilter", json!([{"topics": [h(&[7u8; 32])]}]));
    let pending = c.ok("eth_newPendingTransactionFilter", json!([]));
    assert_ne!(blocks, logs);
    let mut hashes = Vec::new();
    for _ in 0..2 {
        hashes.push(c.ok(
            "eth_sendTransaction",
            json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
        ));
    }
    let head = num(&c.ok("eth_blockNumber", json!([])));
    let new_blocks = c.ok("eth_getFilterChanges", json!([blocks]));
    let expected: Vec<Value> = [head - 1, head]
        .iter()
        .map(|n| c.ok("eth_getBlockByNumber", json!([format!("0x{n:x}"), false]))["hash"].clone())
        .collect();
    assert_eq!(new_blocks, json!(expected));
    assert_eq!(c.ok("eth_getFilterChanges", json!([blocks])), json!([]));
    let new_logs = c.ok("eth_getFilterChanges", json!([logs]));
    assert_eq!(new_logs.as_array().map(Vec::len), Some(2), "{new_logs}");
    assert_eq!(new_logs[1]["transactionHash"], hashes[1]);
    assert_eq!(new_logs[0]["topics"][0], json!(incremented()));
    assert_eq!(c.ok("eth_getFilterChanges", json!([logs])), json!([]));
    assert_eq!(
        c.ok("eth_getFilterChanges", json!([other_topic])),
        json!([])
    );
    assert_eq!(
        c.ok("eth_getFilterChanges", json!([pending])),
        json!(hashes)
    );
    assert_eq!(c.ok("eth_getFilterChanges", json!([pending])), json!([]));
    // All logs a filter selects: from the earliest block on, both increments.
    let all = c.ok("eth_getFilterLogs", json!([by_topic]));
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");
    c.refused("eth_getFilterLogs", json!([blocks]), "not a log filter");
    // A revert below what a filter saw: it goes on from the new head, reporting no ghost.
    let snap = c.ok("evm_snapshot", json!([]));
    c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    c.ok("evm_revert", json!([snap]));
    assert_eq!(c.ok("eth_getFilterChanges", json!([blocks])), json!([]));
    assert_eq!(c.ok("eth_uninstallFilter", json!([logs])), json!(true));
    assert_eq!(c.ok("eth_uninstallFilter", json!([logs])), json!(false));
    c.refused("eth_getFilterChanges", json!([logs]), "filter not found");
    c.refused("eth_getFilterChanges", json!(["0xzz"]), "not a filter ID");
    c.refused(
        "eth_newFilter",
        json!([{"topics": "x"}]),
        "topics must be a list",
    );

    // WebSocket on the same port.
    let ws_url = c.url.replace("http://", "ws://");
    let (mut s, _) = tungstenite::connect(ws_url.as_str()).expect("a WebSocket");
    if let MaybeTlsStream::Plain(t) = s.get_ref() {
        t.set_read_timeout(Some(Duration::from_secs(60)))
            .expect("a timeout");
    }
    ws_send(
        &mut s,
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#,
    );
    assert_eq!(ws_read(&mut s)["result"], json!(format!("0x{head:x}")));
    ws_send(&mut s, "{not json");
    assert_eq!(ws_read(&mut s)["error"]["code"], json!(-32700));
    ws_send(
        &mut s,
        r#"{"jsonrpc":"2.0","id":2,"method":"eth_subscribe","params":["newHeads"]}"#,
    );
    let heads = ws_read(&mut s)["result"].clone();
    ws_send(
        &mut s,
        &json!({"jsonrpc":"2.0","id":3,"method":"eth_subscribe","params":["logs", {"address": COUNTER}]}).to_string(),
    );
    let log_sub = ws_read(&mut s)["result"].clone();
    ws_send(
        &mut s,
        r#"{"jsonrpc":"2.0","id":4,"method":"eth_subscribe","params":["newPendingTransactions"]}"#,
    );
    let pending_sub = ws_read(&mut s)["result"].clone();
    ws_send(
        &mut s,
        r#"{"jsonrpc":"2.0","id":5,"method":"eth_subscribe","params":["nope"]}"#,
    );
    let e = ws_read(&mut s);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("unknown subscription"),
        "{e}"
    );

    let tx = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    let mut seen = (None, None, None);
    while seen.0.is_none() || seen.1.is_none() || seen.2.is_none() {
        let n = ws_read(&mut s);
        assert_eq!(n["method"], json!("eth_subscription"), "{n}");
        let sub = &n["params"]["subscription"];
        let result = n["params"]["result"].clone();
        if sub == &heads {
            seen.0 = Some(result);
        } else if sub == &log_sub {
            seen.1 = Some(result);
        } else if sub == &pending_sub {
            seen.2 = Some(result);
        } else {
            panic!("a notification for no subscription: {n}");
        }
    }
    let block = c.ok("eth_getBlockByNumber", json!(["latest", false]));
    let head_note = seen.0.expect("a head");
    assert_eq!(head_note["hash"], block["hash"]);
    assert_eq!(head_note["number"], block["number"]);
    assert!(head_note.get("transactions").is_none());
    let log_note = seen.1.expect("a log");
    assert_eq!(log_note["transactionHash"], tx);
    assert_eq!(log_note["topics"][0], json!(incremented()));
    assert_eq!(seen.2, Some(tx));

    ws_send(
        &mut s,
        &json!({"jsonrpc":"2.0","id":6,"method":"eth_unsubscribe","params":[heads]}).to_string(),
    );
    assert_eq!(ws_read(&mut s)["result"], json!(true));
    ws_send(
        &mut s,
        &json!({"jsonrpc":"2.0","id":7,"method":"eth_unsubscribe","params":[heads]}).to_string(),
    );
    assert_eq!(ws_read(&mut s)["result"], json!(false));
    // A batch on the socket.
    ws_send(
        &mut s,
        r#"[{"jsonrpc":"2.0","id":8,"method":"eth_chainId","params":[]},{"jsonrpc":"2.0","id":9,"method":"net_version","params":[]}]"#,
    );
    let batch = ws_read(&mut s);
    assert_eq!(batch[0]["result"], json!("0x1df5e76"));
    assert_eq!(batch[1]["result"], json!("31415926"));
    // Filecoin's ChainNotify: a channel whose first message is the current head, then each
    // tipset applied.
    ws_send(
        &mut s,
        r#"{"jsonrpc":"2.0","id":10,"method":"Filecoin.ChainNotify","params":[]}"#,
    );
    let chan = ws_read(&mut s)["result"].clone();
    assert!(chan.is_u64(), "a channel number: {chan}");
    let current = ws_read(&mut s);
    assert_eq!(current["method"], json!("xrpc.ch.val"), "{current}");
    assert_eq!(current["params"][0], chan);
    assert_eq!(current["params"][1][0]["Type"], json!("current"));
    let head = num(&c.ok("eth_blockNumber", json!([])));
    assert_eq!(current["params"][1][0]["Val"]["Height"], json!(head));
    c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    let applied = loop {
        let n = ws_read(&mut s);
        if n["method"] == json!("xrpc.ch.val") {
            break n;
        }
    };
    assert_eq!(applied["params"][1][0]["Type"], json!("apply"));
    assert_eq!(applied["params"][1][0]["Val"]["Height"], json!(head + 1));
    s.close(None).expect("closed");
}
