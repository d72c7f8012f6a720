//! `skyr exec --rpc URL --message CID` as a user runs it, against the stand-in node serving a
//! real mainnet message (a BLS account's send to a multisig, which runs no actor code, so no
//! bundle is needed).
use std::path::PathBuf;

use serde_json::Value;
use skyr_standin::{Fault, Standin, StandinChain};

mod common;
use common::{root, skyr};

const MAINNET_SEND: &str = "tests/mainnet/ext-0001-fil_9_multisig-Send-Ok-5.json";

/// The stand-in serving the vector, and its message's CID.
fn node() -> (Standin, String) {
    let text = std::fs::read_to_string(root().join(MAINNET_SEND)).expect("the vector");
    let v = skyr_vectors::Vector::from_json(&text).expect("a vector");
    let mut chain = StandinChain::default();
    chain.add_vector("send", &v).expect("the vector as tipsets");
    let cid = chain.executed[0].cid.to_string();
    (Standin::start(chain, 0).expect("the stand-in"), cid)
}

fn cache(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rpc-{name}-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn a_mainnet_message_runs_again_from_a_node_and_then_offline() {
    let (node, cid) = node();
    let url = node.url();
    let db = cache("exec");
    let db = db.to_str().unwrap();
    let (code, out, err) = skyr(&["exec", "--rpc", &url, "--message", &cid, "--rpc-cache", db]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("the same receipt"), "{out}");
    assert!(out.contains("exit     0 (OK)"), "{out}");
    assert!(node.served() > 0);
    // Offline: the cache alone, the node untouched.
    let served = node.served();
    let (code, out, err) = skyr(&[
        "exec",
        "--rpc",
        &url,
        "--message",
        &cid,
        "--rpc-cache",
        db,
        "--offline",
        "--json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(out.trim()).expect("JSON");
    assert_eq!(v["chain"]["matches"], true, "{out}");
    assert_eq!(v["chain"]["recorded"]["exit_code"], 0);
    assert_eq!(v["receipt"]["gas_used"], v["chain"]["recorded"]["gas_used"]);
    assert_eq!(v["node"]["offline"], true);
    assert_eq!(node.served(), served, "offline asks nothing");
}

#[test]
fn bad_input_and_a_lying_node_get_clear_errors() {
    let (node, cid) = node();
    let url = node.url();
    let db = cache("errors");
    let db = db.to_str().unwrap();
    let (code, _, err) = skyr(&[
        "exec",
        "--rpc",
        &url,
        "--message",
        "not-a-cid",
        "--rpc-cache",
        db,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not a message CID"), "{err}");
    let unknown = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";
    let (code, _, err) = skyr(&[
        "exec",
        "--rpc",
        &url,
        "--message",
        unknown,
        "--rpc-cache",
        db,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("does not know message"), "{err}");
    node.arm("Filecoin.ChainReadObj", Fault::WrongBytes, 1_000);
    let (code, _, err) = skyr(&["exec", "--rpc", &url, "--message", &cid, "--rpc-cache", db]);
    assert_eq!(code, 2);
    assert!(err.contains("do not hash to it"), "{err}");
    node.disarm();
    let (code, _, err) = skyr(&["exec", "--rpc", "localhost:1234", "--message", &cid]);
    assert_eq!(code, 2);
    assert!(err.contains("not an HTTP(S) URL"), "{err}");
}
