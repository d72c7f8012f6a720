//! A node that misbehaves gives a clear error naming the fault, never a wrong block; faults
//! that pass are retried. Runs anywhere: the stand-in serves one block of its own.
use std::time::Duration;

use cid::Cid;
use skyr_chain::message::cbor_cid;
use skyr_lotus::{ClientOptions, NodeClient, NodeSource};
use skyr_standin::{Fault, Standin, StandinChain};

struct Setup {
    node: Standin,
    block: Cid,
    data: Vec<u8>,
    dir: std::path::PathBuf,
}

fn setup(name: &str) -> Setup {
    let data = fvm_ipld_encoding::to_vec(&("a block the stand-in serves", 42u64)).unwrap();
    let block = cbor_cid(&data);
    let mut chain = StandinChain::default();
    chain.blocks.insert(block, data.clone());
    let dir = std::env::temp_dir().join(format!("skyr-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Setup {
        node: Standin::start(chain, 0).expect("the stand-in"),
        block,
        data,
        dir,
    }
}

fn source(s: &Setup, timeout: Duration) -> NodeSource {
    let options = ClientOptions {
        timeout,
        backoff: Duration::from_millis(10),
        ..ClientOptions::default()
    };
    let client = NodeClient::new(&s.node.url(), options).expect("client");
    NodeSource::open(Some(client), &s.dir.join("cache.redb")).expect("source")
}

/// Each lasting fault fails the read with its own words; the node then serves the block.
#[test]
fn every_fault_is_named_and_nothing_wrong_is_kept() {
    let s = setup("named");
    let cases: Vec<(Fault, &str)> = vec![
        (Fault::WrongBytes, "do not hash to it"),
        (Fault::Drop, "the connection failed"),
        (Fault::Stall(Duration::from_millis(1500)), "timed out"),
        (Fault::Truncate, "cut short"),
        (Fault::Malformed, "malformed JSON"),
        (Fault::RpcError, "the node answered error -32000"),
        (Fault::ServerError, "HTTP 500"),
    ];
    for (fault, words) in cases {
        // A fresh cache each time: the block read right below is cached.
        let _ = std::fs::remove_dir_all(&s.dir);
        let src = source(&s, Duration::from_millis(500));
        s.node.arm("Filecoin.ChainReadObj", fault.clone(), 100);
        let err = src
            .block(&s.block)
            .expect_err(&format!("{fault:?} must fail the read"));
        let text = format!("{err:#}");
        assert!(
            text.contains(words),
            "{fault:?}: `{text}` does not say `{words}`"
        );
        println!("{fault:?}: {text}");
        s.node.disarm();
        // Nothing wrong was cached: the block is asked for again and served right.
        let before = s.node.served();
        assert_eq!(src.block(&s.block).expect("served after the fault"), s.data);
        assert_eq!(s.node.served(), before + 1);
    }
    // A block the node does not have is named.
    let _ = std::fs::remove_dir_all(&s.dir);
    let missing = cbor_cid(b"nobody has this");
    let err = source(&s, Duration::from_secs(5))
        .block(&missing)
        .expect_err("a missing block");
    assert!(format!("{err:#}").contains("could not find"), "{err:#}");
    let _ = std::fs::remove_dir_all(&s.dir);
}

/// Faults that pass are retried with backoff, and the read succeeds.
#[test]
fn passing_faults_are_retried() {
    let s = setup("retried");
    for fault in [
        Fault::Drop,
        Fault::Truncate,
        Fault::ServerError,
        Fault::Malformed,
    ] {
        let src = source(&s, Duration::from_secs(5));
        s.node.arm("Filecoin.ChainReadObj", fault.clone(), 2);
        let stats = src.client().expect("online").stats().clone();
        assert_eq!(src.block(&s.block).expect("read after retries"), s.data);
        assert_eq!(stats.snapshot().2, 2, "{fault:?}: two retries");
        s.node.disarm();
        drop(src);
        let _ = std::fs::remove_dir_all(&s.dir);
    }
}

/// Offline, the cache answers what it holds and names what it lacks.
#[test]
fn offline_reads_only_the_cache() {
    let s = setup("offline");
    let src = source(&s, Duration::from_secs(5));
    src.block(&s.block).expect("read online");
    drop(src);
    let served = s.node.served();
    let offline = NodeSource::open(None, &s.dir.join("cache.redb")).expect("source");
    assert_eq!(offline.block(&s.block).expect("from the cache"), s.data);
    let err = offline
        .block(&cbor_cid(b"never fetched"))
        .expect_err("not cached");
    assert!(format!("{err:#}").contains("offline"), "{err:#}");
    assert_eq!(s.node.served(), served);
    let _ = std::fs::remove_dir_all(&s.dir);
}
