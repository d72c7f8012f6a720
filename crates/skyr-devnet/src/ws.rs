//! JSON-RPC over WebSocket, on the HTTP port and paths: every method answers as over HTTP,
//! and `eth_subscribe` adds what only a socket can do, notifications as the chain moves:
//! `newHeads` (each block mined), `logs` (with a filter object, each matching log as its block
//! is mined) and `newPendingTransactions` (each transaction hash taken). `eth_unsubscribe`
//! ends one. Filecoin's `ChainNotify` opens a go-jsonrpc channel (`xrpc.ch.val` messages): the
//! current head, then each tipset applied (a revert sends no `revert` entry: the devnet's
//! reverts are a test suite's, not a chain's). Subscriptions belong to their connection and
//! end with it.
use std::collections::BTreeMap;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::error::RpcError;
use crate::filters::LogCriteria;
use crate::node::ChainEvent;
use crate::server::{answer, incoming, Incoming, NodeHandle, MAX_BODY};
use crate::views::{block_json, data};

/// The most subscriptions one connection may hold.
const MAX_SUBSCRIPTIONS: usize = 1000;

/// What a subscription listens for.
#[derive(Clone)]
enum Subscription {
    Heads,
    Logs(LogCriteria),
    Pending,
    /// Filecoin's `ChainNotify`: a go-jsonrpc channel of head changes; whether its first
    /// message (the current head) went out.
    ChainNotify {
        current_sent: bool,
    },
}

/// Takes the upgrade of a GET to a JSON-RPC path.
pub async fn upgrade(ws: WebSocketUpgrade, State(node): State<NodeHandle>) -> Response {
    ws.max_message_size(MAX_BODY)
        .on_upgrade(move |socket| serve(socket, node))
}

/// One connection: requests in, answers and notifications out.
async fn serve(socket: WebSocket, node: NodeHandle) {
    let (mut sink, mut stream) = socket.split();
    let mut events = node.subscribe();
    let mut subs: BTreeMap<u64, Subscription> = BTreeMap::new();
    let mut next_id = 1u64;
    loop {
        let out: Vec<Value> = tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let mut out: Vec<Value> = requests(&node, &mut subs, &mut next_id, t.as_bytes()).await.into_iter().collect();
                    out.extend(currents(&node, &mut subs).await);
                    out
                }
                Some(Ok(Message::Binary(b))) => {
                    let mut out: Vec<Value> = requests(&node, &mut subs, &mut next_id, &b).await.into_iter().collect();
                    out.extend(currents(&node, &mut subs).await);
                    out
                }
                Some(Ok(_)) => Vec::new(),
                Some(Err(_)) | None => break,
            },
            ev = events.recv() => match ev {
                Ok(ev) => notifications(&node, &subs, ev).await,
                // A subscriber too slow for the chain misses what it could not keep.
                Err(RecvError::Lagged(_)) => Vec::new(),
                Err(RecvError::Closed) => break,
            },
        };
        for v in out {
            if sink
                .send(Message::Text(v.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Answers a message's request or batch.
async fn requests(
    node: &NodeHandle,
    subs: &mut BTreeMap<u64, Subscription>,
    next_id: &mut u64,
    text: &[u8],
) -> Option<Value> {
    match incoming(text) {
        Err(reply) => Some(reply),
        Ok(Incoming::Batch(batch)) => {
            let mut out = Vec::new();
            for req in batch {
                if let Some(a) = one(node, subs, next_id, req).await {
                    out.push(a);
                }
            }
            Some(Value::Array(out))
        }
        Ok(Incoming::One(single)) => one(node, subs, next_id, single).await,
    }
}

/// Answers one request: the subscription methods here, the rest as over HTTP.
async fn one(
    node: &NodeHandle,
    subs: &mut BTreeMap<u64, Subscription>,
    next_id: &mut u64,
    req: Value,
) -> Option<Value> {
    let method = req.get("method").and_then(Value::as_str).unwrap_or("");
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    if method == "Filecoin.ChainNotify" {
        // A go-jsonrpc channel: the answer is its number; the head follows at once.
        if subs.len() >= MAX_SUBSCRIPTIONS {
            let e = RpcError::rejected("too many subscriptions on this connection");
            return Some(json!({"jsonrpc": "2.0", "id": id, "error": e.to_json()}));
        }
        let n = *next_id;
        *next_id += 1;
        subs.insert(
            n,
            Subscription::ChainNotify {
                current_sent: false,
            },
        );
        return Some(json!({"jsonrpc": "2.0", "id": id, "result": n}));
    }
    if method != "eth_subscribe" && method != "eth_unsubscribe" {
        return answer(node, req).await;
    }
    let params = req
        .get("params")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let result = if method == "eth_subscribe" {
        subscribe(node, subs, next_id, params).await
    } else {
        match params.first().and_then(Value::as_str).map(parse_sub_id) {
            Some(Some(n)) => Ok(json!(subs.remove(&n).is_some())),
            _ => Err(RpcError::params("eth_unsubscribe takes a subscription ID")),
        }
    };
    Some(match result {
        Ok(v) => json!({"jsonrpc": "2.0", "id": id, "result": v}),
        Err(e) => json!({"jsonrpc": "2.0", "id": id, "error": e.to_json()}),
    })
}

fn sub_id(n: u64) -> String {
    format!("0x{n:032x}")
}

fn parse_sub_id(s: &str) -> Option<u64> {
    let h = s.strip_prefix("0x")?;
    if h.len() != 32 {
        return None;
    }
    u64::from_str_radix(h.get(16..)?, 16)
        .ok()
        .filter(|_| h[..16].bytes().all(|b| b == b'0'))
}

async fn subscribe(
    node: &NodeHandle,
    subs: &mut BTreeMap<u64, Subscription>,
    next_id: &mut u64,
    params: Vec<Value>,
) -> Result<Value, RpcError> {
    if subs.len() >= MAX_SUBSCRIPTIONS {
        return Err(RpcError::rejected(format!(
            "this connection holds {MAX_SUBSCRIPTIONS} subscriptions: unsubscribe some first"
        )));
    }
    let sub = match params.first().and_then(Value::as_str) {
        Some("newHeads") => Subscription::Heads,
        Some("newPendingTransactions") => Subscription::Pending,
        Some("logs") => {
            let filter = params.get(1).cloned().unwrap_or_else(|| json!({}));
            let criteria = node
                .run(move |n| LogCriteria::parse(n, &filter))
                .await
                .map_err(RpcError::internal)??;
            Subscription::Logs(criteria)
        }
        Some(other) => {
            return Err(RpcError::params(format!(
                "unknown subscription {other:.40}: newHeads, logs or newPendingTransactions"
            )))
        }
        None => return Err(RpcError::params("eth_subscribe takes a subscription name")),
    };
    let n = *next_id;
    *next_id += 1;
    subs.insert(n, sub);
    Ok(json!(sub_id(n)))
}

/// A `ChainNotify` channel's message: head changes of one type.
fn channel_value(n: u64, kind: &str, tipset: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": "xrpc.ch.val",
           "params": [n, [{"Type": kind, "Val": tipset}]]})
}

/// The first message of every new `ChainNotify` channel: the current head.
async fn currents(node: &NodeHandle, subs: &mut BTreeMap<u64, Subscription>) -> Vec<Value> {
    let mut out = Vec::new();
    for (n, sub) in subs.iter_mut() {
        if let Subscription::ChainNotify { current_sent } = sub {
            if !*current_sent {
                *current_sent = true;
                if let Ok(head) = node.run(|n| crate::filjson::tipset(n.chain.head())).await {
                    out.push(channel_value(*n, "current", head));
                }
            }
        }
    }
    out
}

/// The notifications an event makes for this connection's subscriptions.
async fn notifications(
    node: &NodeHandle,
    subs: &BTreeMap<u64, Subscription>,
    ev: ChainEvent,
) -> Vec<Value> {
    let note = |n: u64, result: Value| {
        json!({"jsonrpc": "2.0", "method": "eth_subscription",
               "params": {"subscription": sub_id(n), "result": result}})
    };
    let mut out = Vec::new();
    for (n, sub) in subs {
        match (sub, ev) {
            (Subscription::Heads, ChainEvent::Mined(h)) => {
                let head = node
                    .run(move |node| {
                        node.chain
                            .at(h)
                            .and_then(|t| block_json(node, t, false).ok())
                    })
                    .await;
                if let Ok(Some(mut head)) = head {
                    if let Some(o) = head.as_object_mut() {
                        o.remove("transactions");
                    }
                    out.push(note(*n, head));
                }
            }
            (Subscription::Logs(c), ChainEvent::Mined(h)) => {
                let c = c.clone();
                if let Ok(Ok(logs)) = node.run(move |node| c.logs_in(node, h, h)).await {
                    out.extend(logs.into_iter().map(|l| note(*n, l)));
                }
            }
            (Subscription::Pending, ChainEvent::Pending(hash)) => out.push(note(*n, data(&hash))),
            (Subscription::ChainNotify { .. }, ChainEvent::Mined(h)) => {
                let ts = node
                    .run(move |node| node.chain.at(h).map(crate::filjson::tipset))
                    .await;
                if let Ok(Some(ts)) = ts {
                    out.push(channel_value(*n, "apply", ts));
                }
            }
            _ => {}
        }
    }
    out
}
