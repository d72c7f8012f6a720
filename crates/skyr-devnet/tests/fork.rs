//! `--fork-url`: a devnet started on another node's chain. The node here is a second devnet
//! (a real chain served over Lotus's API), so what the fork reads can be checked against what
//! the node holds: the forked state is the node's at the height asked, the dev accounts are
//! funded there, what the fork mines stays in the fork, and `anvil_reset` with `forking`
//! moves the fork to another height. Refusals (a height with no child yet, a null round, an
//! unreachable node, `--state` with a fork) are clear errors.
use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};
use skyr_devnet::fork::ForkOptions;
use skyr_devnet::launch::{self, DevnetOptions};

mod common;
use common::{
    counter_init, h, inc_call, num, options, selector, shared_bundles, start, start_with, Client,
    COUNTER,
};

fn count(c: &mut Client, at: Value) -> u64 {
    let word = c.ok(
        "eth_call",
        json!([{"to": COUNTER, "data": h(&selector("count()"))}, at]),
    );
    let hex = word.as_str().expect("a word");
    u64::from_str_radix(&hex[hex.len() - 16..], 16).expect("a count")
}

fn client(url: String) -> Client {
    Client { url, id: 0 }
}

/// The balance of `who` at the head, as the node answers it (a hex quantity).
fn balance(c: &mut Client, who: &str) -> Value {
    c.ok("eth_getBalance", json!([who, "latest"]))
}

fn head(c: &mut Client) -> u64 {
    num(&c.ok("eth_blockNumber", json!([])))
}

/// Fork options reading `url` through a cache of this test's own.
fn fork_of(url: &str, height: Option<i64>, name: &str) -> ForkOptions {
    let cache = std::env::temp_dir().join(format!("skyr-fork-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    ForkOptions {
        url: url.to_string(),
        height,
        cache: Some(cache.join("cache.redb")),
        ..ForkOptions::default()
    }
}

#[test]
fn a_devnet_forks_another_at_a_height_and_moves_the_fork_on_reset() {
    let Some(bundles) = shared_bundles() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 3).expect("keys");
    let (me, you) = (h(&keys[0].address), h(&keys[1].address));
    // The node: Counter from 5, three increments (heights 1-4), an empty tipset (5), two more
    // increments (6, 7), and a tipset after them (8).
    let mut a = client(start(&bundles));
    let send = |c: &mut Client, tx: Value| c.ok("eth_sendTransaction", json!([tx]));
    send(&mut a, json!({"from": me, "data": h(&counter_init(5))}));
    for _ in 0..3 {
        send(
            &mut a,
            json!({"from": me, "to": COUNTER, "data": inc_call()}),
        );
    }
    a.ok("evm_mine", json!([]));
    for _ in 0..2 {
        send(
            &mut a,
            json!({"from": me, "to": COUNTER, "data": inc_call()}),
        );
    }
    a.ok("evm_mine", json!([]));
    assert_eq!(head(&mut a), 8);
    assert_eq!(count(&mut a, json!("latest")), 10);
    assert_eq!(count(&mut a, json!("0x4")), 8);
    let a_tipset_4 = a.ok("Filecoin.ChainGetTipSetByHeight", json!([4, []]));
    let a_block_4 = a.ok("eth_getBlockByNumber", json!(["0x4", false]));
    let a_me = balance(&mut a, &me);

    // The fork at 4: the node's tipset and state there, the dev accounts funded afresh.
    let mut opts = options(&bundles);
    opts.fork = Some(fork_of(&a.url, Some(4), "main"));
    let mut b = client(start_with(opts));
    assert_eq!(head(&mut b), 4);
    assert_eq!(
        b.ok("Filecoin.ChainHead", json!([]))["Cids"],
        a_tipset_4["Cids"],
        "the fork's first tipset is the node's"
    );
    assert_eq!(
        b.ok("eth_getBlockByNumber", json!(["0x4", false]))["hash"],
        a_block_4["hash"]
    );
    assert_eq!(
        b.ok("eth_chainId", json!([])),
        a.ok("eth_chainId", json!([]))
    );
    assert_eq!(count(&mut b, json!("latest")), 8, "the node's state at 4");
    let funded = format!("{:#x}", 10_000u128 * 10u128.pow(18));
    assert_eq!(balance(&mut b, &me), json!(funded));
    assert_ne!(
        a_me,
        json!(funded),
        "the node's dev account paid gas: not what the fork shows"
    );
    assert!(b
        .ok("eth_getBlockByNumber", json!(["0x3", false]))
        .is_null());

    // The fork's own tipsets: an increment, a transfer to a new address, an empty tipset.
    send(
        &mut b,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    let fresh = "0x00000000000000000000000000000000000f0e01";
    send(&mut b, json!({"from": you, "to": fresh, "value": "0x3e8"}));
    b.ok("evm_mine", json!([]));
    assert_eq!(head(&mut b), 7);
    assert_eq!(count(&mut b, json!("latest")), 9);
    assert_eq!(balance(&mut b, fresh), json!("0x3e8"));
    let b5 = b.ok("eth_getBlockByNumber", json!(["0x5", false]));
    assert_eq!(
        b5["parentHash"], a_block_4["hash"],
        "block 5 follows the node's block 4"
    );
    assert_ne!(
        b5["hash"],
        a.ok("eth_getBlockByNumber", json!(["0x5", false]))["hash"]
    );
    let receipt = b.ok("eth_getTransactionReceipt", json!([b5["transactions"][0]]));
    assert_eq!(receipt["status"], json!("0x1"), "{receipt}");
    // The node is untouched.
    assert_eq!(head(&mut a), 8);
    assert_eq!(count(&mut a, json!("latest")), 10);
    assert_eq!(balance(&mut a, fresh), json!("0x0"));

    // Reset without forking: back to the fork's first state, dev accounts funded.
    b.ok("anvil_reset", json!([]));
    assert_eq!(head(&mut b), 4);
    assert_eq!(count(&mut b, json!("latest")), 8);
    assert_eq!(balance(&mut b, fresh), json!("0x0"));

    // Reset with forking at 6: the node's state there (one more increment).
    b.ok("anvil_reset", json!([{"forking": {"blockNumber": 6}}]));
    assert_eq!(head(&mut b), 6);
    assert_eq!(count(&mut b, json!("latest")), 9);
    assert_eq!(balance(&mut b, &me), json!(funded));
    send(
        &mut b,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(count(&mut b, json!("latest")), 10);
    assert_eq!(head(&mut b), 7);

    // A bad reset changes nothing.
    b.refused(
        "anvil_reset",
        json!([{"forking": {"blockNumber": 8}}]),
        "one after it",
    );
    assert_eq!(head(&mut b), 7);
    assert_eq!(count(&mut b, json!("latest")), 10);
    b.err("anvil_reset", json!([{"forking": {"blockNumber": "ten"}}]));
    b.err("anvil_reset", json!([{"forking": {"jsonRpcUrl": 7}}]));
    assert_eq!(head(&mut b), 7);
}

#[test]
fn forks_that_cannot_be_made_are_refused_clearly() {
    let Some(bundles) = shared_bundles() else {
        return;
    };
    let node = start(&bundles);
    let mut a = client(node.clone());
    a.ok("evm_mine", json!([]));
    let engine = skyr::Engine::new().expect("engine");
    let refused = |opts: DevnetOptions, what: &str| {
        let e = match launch::build_node(&opts, engine.clone()) {
            Ok(_) => panic!("the fork should be refused ({what})"),
            Err(e) => format!("{e:#}"),
        };
        assert!(e.contains(what), "expected `{what}` in: {e}");
    };
    let with = |fork: ForkOptions| DevnetOptions {
        fork: Some(fork),
        ..options(&bundles)
    };
    // The head has no child yet: its resulting state is not on chain.
    refused(with(fork_of(&node, Some(1), "head")), "one after it");
    refused(with(fork_of(&node, Some(99), "future")), "one after it");
    refused(
        with(fork_of("http://127.0.0.1:9", Some(0), "dead")),
        "127.0.0.1:9",
    );
    refused(
        DevnetOptions {
            state: Some(std::env::temp_dir().join("skyr-fork-state-unused")),
            ..with(fork_of(&node, Some(0), "state"))
        },
        "--state",
    );
    // Offline with an empty cache: nothing to read.
    refused(
        with(ForkOptions {
            offline: true,
            ..fork_of(&node, Some(0), "offline")
        }),
        "offline",
    );
    // The default: the parent of the node's head, which works.
    let (node_b, started) =
        launch::build_node(&with(fork_of(&node, None, "latest")), engine.clone())
            .expect("a fork at the head's parent");
    assert_eq!(started.height, 0);
    assert_eq!(node_b.chain.head().height(), 0);
    assert_eq!(started.forked.as_ref().map(|f| f.1), Some(0));
}
