//! Every mainnet vector's message, executed again from a node's data alone (the stand-in
//! serving the vectors as tipsets), must give the receipt the vector records; a second run on
//! the cache alone, offline, must too, without one request.
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use skyr::{AcceptAllProofs, Engine};
use skyr_lotus::execute::Tools;
use skyr_lotus::explain::explain_message;
use skyr_lotus::{ClientOptions, NodeClient, NodeSource};
use skyr_standin::Standin;
use skyr_vectors::BundleSet;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    (p.join("vectors").is_dir() && p.join("bundles").is_dir()).then_some(p)
}

/// Runs every message through `source`; gives how many matched their recorded receipt.
fn run_all(source: &Rc<NodeSource>, cids: &[cid::Cid], engine: &Engine) -> usize {
    let bundles = BundleSet::default();
    let tools = Tools {
        bundles: &bundles,
        engine,
        verifier: || Rc::new(AcceptAllProofs),
    };
    let mut matched = 0;
    for c in cids {
        let out =
            explain_message(source, c, &tools).unwrap_or_else(|e| panic!("message {c}: {e:#}"));
        if out.matches() {
            matched += 1;
        } else {
            eprintln!(
                "message {c}: ran {:?}, the chain recorded {:?}",
                out.outcome.ret.receipt, out.recorded
            );
        }
    }
    matched
}

#[test]
fn every_mainnet_vector_from_rpc_reads_alone() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED: exec --rpc on mainnet vectors needs ../shared/vectors and bundles");
        return;
    };
    let chain = skyr_standin::from_vectors(&shared.join("vectors"), &shared.join("bundles"))
        .expect("the stand-in's chain");
    let cids: Vec<cid::Cid> = chain.executed.iter().map(|e| e.cid).collect();
    assert_eq!(cids.len(), 283, "the mainnet vectors' messages");
    let node = Standin::start(chain, 0).expect("the stand-in");
    let cache = std::env::temp_dir().join(format!("skyr-rpc-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let db = cache.join("rpc.redb");
    let engine = Engine::new().expect("engine");

    // Cold: everything from the node, the actors' code included.
    let client = NodeClient::new(&node.url(), ClientOptions::default()).expect("client");
    let stats = client.stats().clone();
    let source = Rc::new(NodeSource::open(Some(client), &db).expect("source"));
    let t = Instant::now();
    let matched = run_all(&source, &cids, &engine);
    let cold = t.elapsed();
    let (requests, bytes, retries) = stats.snapshot();
    drop(source);
    println!(
        "exec --rpc, cold cache: {matched}/{} receipts match; {requests} requests, {:.1} MB, \
         {retries} retries, {:.1} s",
        cids.len(),
        bytes as f64 / 1e6,
        cold.as_secs_f64()
    );
    assert_eq!(matched, cids.len());
    assert_eq!(
        node.served(),
        requests,
        "the node saw every request the client sent"
    );

    // Warm and offline: the cache alone.
    let served = node.served();
    let source = Rc::new(NodeSource::open(None, &db).expect("source"));
    let t = Instant::now();
    let matched = run_all(&source, &cids, &engine);
    println!(
        "exec --rpc, warm cache, offline: {matched}/{} receipts match; 0 requests, {:.1} s",
        cids.len(),
        t.elapsed().as_secs_f64()
    );
    assert_eq!(matched, cids.len());
    assert_eq!(node.served(), served, "a warm run asks the node nothing");
    drop(source);
    let _ = std::fs::remove_dir_all(&cache);
}
