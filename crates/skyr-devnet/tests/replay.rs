//! The devnet is a real chain, so it can serve as the node for a replay: a chain of a few
//! hundred tipsets (a contract deployed and called, transfers, several messages in one
//! tipset, empty tipsets where only the miner's reward and cron run) executed again through
//! the node source must reproduce every receipt and state root it recorded, first from the
//! devnet and then offline from the cache alone.
use std::rc::Rc;
use std::time::Instant;

use serde_json::{json, Value};
use skyr::{AcceptAllProofs, Engine};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};
use skyr_lotus::execute::Tools;
use skyr_lotus::replay::{replay_range, replay_tipset, tipsets_between};
use skyr_lotus::{ClientOptions, NodeClient, NodeSource};
use skyr_vectors::BundleSet;

mod common;
use common::{counter_init, devnet, h, inc_call, num, Client, COUNTER};

fn send(c: &mut Client, tx: Value) -> Value {
    c.ok("eth_sendTransaction", json!([tx]))
}

/// Replays epochs 1 to `to` through `source` on `jobs` threads; gives (tipsets, messages),
/// failing on a difference.
fn replay_all(source: &Rc<NodeSource>, tools: &Tools, to: i64, jobs: usize) -> (usize, usize) {
    let pairs = tipsets_between(source, 1, to).expect("the tipsets");
    let replayed = replay_range(source, tools, pairs, jobs).expect("replays");
    for r in &replayed {
        assert!(r.difference.is_none(), "epoch {}: {r:?}", r.height);
    }
    (replayed.len(), replayed.iter().map(|r| r.messages).sum())
}

#[test]
fn a_devnet_chain_replays_to_its_own_receipts_and_roots() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 3).expect("keys");
    let bundles = BundleSet::default();
    let engine = Engine::new().expect("engine");
    let tools = Tools {
        bundles: &bundles,
        engine: &engine,
        verifier: || Rc::new(AcceptAllProofs),
    };
    let (me, you) = (h(&keys[0].address), h(&keys[1].address));
    let r = send(&mut c, json!({"from": me, "data": h(&counter_init(5))}));
    assert!(r.is_string(), "{r}");
    for i in 0..10 {
        send(
            &mut c,
            json!({"from": me, "to": COUNTER, "data": inc_call()}),
        );
        send(
            &mut c,
            json!({"from": you, "to": me, "value": format!("{:#x}", 1000 + i)}),
        );
    }
    // Several messages in one tipset, from two senders.
    c.ok("evm_setAutomine", json!([false]));
    for _ in 0..3 {
        send(
            &mut c,
            json!({"from": me, "to": COUNTER, "data": inc_call()}),
        );
        send(&mut c, json!({"from": you, "to": me, "value": "0x1"}));
    }
    c.ok("evm_mine", json!([]));
    c.ok("evm_setAutomine", json!([true]));
    // Empty tipsets: reward and cron only.
    c.ok("anvil_mine", json!(["0xc8"]));
    send(
        &mut c,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    let head = num(&c.ok("eth_blockNumber", json!([]))) as i64;
    assert!(head > 220, "head {head}");

    let dir = std::env::temp_dir().join(format!("skyr-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("rpc.redb");
    let client = NodeClient::new(&c.url, ClientOptions::default()).expect("client");
    let stats = client.stats().clone();
    let source = Rc::new(NodeSource::open(Some(client), &db).expect("source"));
    let t = Instant::now();
    let (tipsets, messages) = replay_all(&source, &tools, head - 1, 1);
    let seconds = t.elapsed().as_secs_f64();
    let (requests, bytes, _) = stats.snapshot();
    println!(
        "replayed {tipsets} devnet tipsets ({messages} messages) from the devnet: {:.1} tipsets/s, \
         {requests} requests, {:.1} MB",
        tipsets as f64 / seconds,
        bytes as f64 / 1e6
    );
    assert_eq!(
        tipsets as i64,
        head - 1,
        "every epoch from 1 to the head's parent"
    );
    assert_eq!(messages, 27, "the deployment, 20 sends, 6 in one tipset");
    drop(source);

    let source = Rc::new(NodeSource::open(None, &db).expect("source"));
    let t = Instant::now();
    let (tipsets, _) = replay_all(&source, &tools, head - 1, 2);
    println!(
        "replayed {tipsets} devnet tipsets offline, from the cache, two jobs: {:.1} tipsets/s",
        tipsets as f64 / t.elapsed().as_secs_f64()
    );
    drop(source);

    // A cheat edits the head's state outside any tipset: replaying the head no longer gives
    // the state its child names, and the difference names the actor the cheat changed.
    c.ok("anvil_setBalance", json!([you, "0x1234"]));
    send(
        &mut c,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    let client = NodeClient::new(&c.url, ClientOptions::default()).expect("client");
    let source = Rc::new(NodeSource::open(Some(client), &db).expect("source"));
    let pairs = tipsets_between(&source, head, head).expect("the head and its child");
    let (ts, child) = pairs.into_iter().next().expect("the head");
    let r = replay_tipset(&source, &tools, ts, &child).expect("replays");
    let what = r.difference.expect("the cheat is found");
    let id = c.ok("Filecoin.EthAddressToFilecoinAddress", json!([you]));
    println!("{what}");
    assert!(
        what.contains("every receipt agrees, the state does not"),
        "{what}"
    );
    assert!(
        what.contains("balance 4660"),
        "{what} (set to 0x1234 = 4660 attoFIL, for {id})"
    );
    drop(source);
    let _ = std::fs::remove_dir_all(&dir);
}
