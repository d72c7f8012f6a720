//! `skyr exec` and the flame graphs of `skyr vectors run --trace`, as a user runs them.
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

mod common;
use common::{root, skyr};

/// A real nv17 mainnet message: a BLS account sends FIL to a multisig (no actor code runs).
const MAINNET_SEND: &str = "tests/mainnet/ext-0001-fil_9_multisig-Send-Ok-5.json";
/// A corpus vector whose first message calls init's Exec, which constructs an actor.
const INIT_EXEC: &str =
    "tests/vectors/init-exec/init-exec-test-actor-twice-with-value-then-call-it.json";

fn json_of(out: &str) -> Value {
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// Milligas of every charge in a JSON trace (outside the calls and in every call).
fn charged(trace: &Value) -> i64 {
    fn applied(charges: &Value) -> i64 {
        let list = charges.as_array().unwrap();
        list.iter().map(|x| x["applied"].as_i64().unwrap()).sum()
    }
    fn call(c: &Value) -> i64 {
        applied(&c["charges"]) + c["calls"].as_array().unwrap().iter().map(call).sum::<i64>()
    }
    applied(&trace["charges"])
        + if trace["call"].is_null() {
            0
        } else {
            call(&trace["call"])
        }
}

#[test]
fn a_real_mainnet_message_is_explained_and_matches_its_receipt() {
    let (code, out, err) = skyr(&["exec", "--vector", MAINNET_SEND, "--trace", "--gas-report"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("exit     0 (OK)"), "{out}");
    assert!(out.contains("gas used 420368"), "{out}");
    assert!(
        out.contains("vector   expects exit 0 (OK), gas used 420368: the same receipt"),
        "{out}"
    );
    // The tree: the inclusion charge outside, the one call to the multisig, named.
    assert!(out.contains("OnChainMessage"), "{out}");
    assert!(
        out.contains("→ f01545689 multisig.Send value ≈140.856 FIL"),
        "{out}"
    );
    // Amounts in FIL, rounded and marked; gas prices per gas.
    assert!(out.contains("value ≈140.856 FIL, sequence 50234"), "{out}");
    assert!(out.contains("attoFIL/gas"), "{out}");
    assert!(
        out.contains("by method") && out.contains("multisig.Send"),
        "{out}"
    );

    let (code, out, err) = skyr(&["exec", "--vector", MAINNET_SEND, "--trace", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["receipt"]["exit_code"], 0);
    assert_eq!(v["receipt"]["gas_used"], 420368);
    assert_eq!(v["expected"]["matches"], true);
    assert_eq!(v["network_version"], 17);
    assert_eq!(v["trace"]["call"]["actor"], "multisig");
    assert_eq!(v["trace"]["call"]["method_name"], "Send");
    assert_eq!(charged(&v["trace"]), 420368 * 1000);
}

#[test]
fn exact_attofil_on_request_and_a_different_receipt_exits_one() {
    let (code, out, err) = skyr(&["exec", "--vector", MAINNET_SEND, "--trace", "--atto"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("value 140856059354505990364 attoFIL, sequence 50234"),
        "{out}"
    );
    assert!(
        out.contains("multisig.Send value 140856059354505990364 attoFIL"),
        "{out}"
    );

    // The same vector recording another receipt (one more gas): exec says so and exits 1,
    // in text and in JSON.
    let text = std::fs::read_to_string(root().join(MAINNET_SEND)).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let recorded = &mut v["postconditions"]["receipts"][0]["gas_used"];
    assert_eq!(recorded, 420368);
    *recorded = 420369.into();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exec-altered-receipt");
    std::fs::create_dir_all(&dir).unwrap();
    let altered = dir.join("altered.json");
    std::fs::write(&altered, v.to_string()).unwrap();
    let altered = altered.to_str().unwrap();
    let (code, out, err) = skyr(&["exec", "--vector", altered]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("a DIFFERENT receipt"), "{out}");
    let (code, out, err) = skyr(&["exec", "--vector", altered, "--json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(json_of(&out)["expected"]["matches"], false);
}

#[test]
fn flags_replace_a_vector_messages_fields_and_the_receipt_says_what_happened() {
    // The same message with less gas than it needs runs out, and no longer claims to be the
    // vector's.
    let (code, out, err) = skyr(&[
        "exec",
        "--vector",
        MAINNET_SEND,
        "--gas-limit",
        "300000",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["receipt"]["exit_code"], 7);
    assert_eq!(v["receipt"]["exit_code_name"], "SYS_OUT_OF_GAS");
    assert_eq!(v["receipt"]["gas_used"], 300000);
    assert_eq!(v["message"]["gas_limit"], 300000);
    assert!(v.get("expected").is_none(), "{v}");
}

#[test]
fn a_message_built_from_flags_runs_on_a_state_car() {
    // The corpus vector's pre-state, written as a (gzipped) CAR file.
    let text = std::fs::read_to_string(root().join(INIT_EXEC)).unwrap();
    let vector: Value = serde_json::from_str(&text).unwrap();
    let car = base64::engine::general_purpose::STANDARD
        .decode(vector["car"].as_str().unwrap())
        .unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exec-state");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pre.car.gz");
    std::fs::write(&file, car).unwrap();
    let file = file.to_string_lossy().into_owned();
    let pre = vector["preconditions"]["state_tree"]["root_cid"]["/"]
        .as_str()
        .unwrap();
    // Two transfers from the vector's sender: the sequence is taken from the state.
    let args = [
        "exec",
        "--state",
        &file,
        "--root",
        pre,
        "--nv",
        "17",
        "--epoch",
        "1000",
        "--from",
        "f1ruina3k7u7yhu5ozj3nfxrnow7dbjpum6zjchui",
        "--to",
        "f0100",
        "--value",
        "1",
        "--gas-limit",
        "1000000",
        "--gas-fee-cap",
        "200",
        "--json",
        "--trace",
    ];
    let (code, out, err) = skyr(&args);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["receipt"]["exit_code"], 0, "{v}");
    assert_eq!(v["message"]["sequence"], 0);
    assert_eq!(v["message"]["value"], "1");
    assert_eq!(v["trace"]["call"]["method_name"], "Send");
    assert_eq!(
        charged(&v["trace"]),
        v["receipt"]["gas_used"].as_i64().unwrap() * 1000
    );
    // A sequence that is not the sender's next is refused, as the chain refuses it.
    let mut bad = args.to_vec();
    bad.extend(["--sequence", "5"]);
    let (code, out, err) = skyr(&bad);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["receipt"]["exit_code"], 2, "{v}");
    assert!(
        v["failure"].as_str().unwrap().contains("sequence")
            || v["failure"].as_str().unwrap().contains("nonce"),
        "{v}"
    );
    // Parameters as DAG-JSON reach the actor: init's Exec with the test actor's code.
    let (code, out, err) = skyr(&[
        "exec",
        "--vector",
        INIT_EXEC,
        "--params-json",
        r#"[{"/": "bafk2bzacebtcorooifqemlb7r3ye5av5kdh3xwbdx3kd34lvv5zdcovdakku6"}, {"/": {"bytes": ""}}]"#,
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    // The same params as the vector's own message: the same receipt.
    assert_eq!(v["receipt"]["gas_used"], 3797181, "{v}");
}

#[test]
fn a_nested_call_tree_names_actors_methods_and_exit_codes() {
    let (code, out, err) = skyr(&["exec", "--vector", INIT_EXEC, "--trace", "--charges"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("the same receipt"), "{out}");
    let init = out.find("init.Exec value 5 FIL  exit 0 (OK)").expect(&out);
    // Skyr's test actor is no built-in: its method stays a number.
    let inner = out.find("└─ f01 → f02000 skyrtest.1 value").expect(&out);
    assert!(init < inner, "{out}");
    // Every charge, in order, under its call.
    assert!(out.contains("OnCreateActor 1207254.000 (compute"), "{out}");
}

#[test]
fn bad_arguments_are_refused_by_name() {
    for (args, says) in [
        (
            vec!["exec", "--from", "f01", "--to", "f02"],
            "give the state",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--from", "x1"],
            "--from x1: not an address",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--value=-3"],
            "--value -3",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--params-hex", "abc"],
            "odd number of hex digits",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--params-json", "[1.5]"],
            "only integers",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--index", "3"],
            "no message 3",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--variant", "nope"],
            "no variant `nope`",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--nv", "15"],
            "network version 15 is not supported",
        ),
        (
            vec!["exec", "--vector", "Cargo.toml"],
            "--vector Cargo.toml",
        ),
        (
            vec![
                "exec",
                "--state",
                "Cargo.toml",
                "--nv",
                "17",
                "--epoch",
                "1",
            ],
            "not a CARv1",
        ),
        (
            vec!["exec", "--vector", MAINNET_SEND, "--root", "bafy"],
            "--root bafy: not a CID",
        ),
    ] {
        let (code, out, err) = skyr(&args);
        assert_eq!(code, 2, "{args:?}: {out} {err}");
        assert!(err.contains(says), "{args:?}: wanted `{says}` in: {err}");
    }
    // A CAR gives no network version or epoch.
    let (code, _, err) = skyr(&[
        "exec",
        "--state",
        "actors/bundle.car",
        "--from",
        "f01",
        "--to",
        "f02",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no network version: a CAR does not say which, give it with --nv"),
        "{err}"
    );
}

/// `--host-memory` is the engine's budget of WASM memory for one message: an actor whose
/// initial memory alone passes it fails its message fatally (the state is left as it was),
/// with a warning that such a budget is below what consensus allows; the default runs it.
#[test]
fn the_host_memory_flag_bounds_what_a_message_may_hold() {
    // Exit status 0 when the vector's receipt came out, 1 when another did.
    let run = |budget: &[&str]| {
        let mut args = budget.to_vec();
        args.extend(["exec", "--vector", INIT_EXEC, "--json"]);
        let (code, out, err) = skyr(&args);
        let v = json_of(&out);
        let matched = v["expected"]["matches"] == true;
        assert_eq!(code, if matched { 0 } else { 1 }, "{args:?}: {err}");
        (v, err)
    };
    let (v, err) = run(&["--host-memory", "64KiB"]);
    assert_eq!(
        v["receipt"]["exit_code_name"], "SYS_ASSERTION_FAILED",
        "{v}"
    );
    assert_eq!(v["expected"]["matches"], false, "{v}");
    let failure = v["failure"].as_str().unwrap_or_default();
    assert!(
        failure.contains("host's memory budget is spent") && failure.contains("65536"),
        "{v}"
    );
    assert!(
        err.contains("warning: --host-memory 65536 is below the 2 GiB"),
        "{err}"
    );

    let (v, err) = run(&[]);
    assert_eq!(v["receipt"]["exit_code"], 0, "{v}");
    assert_eq!(v["expected"]["matches"], true, "{v}");
    assert!(!err.contains("warning"), "{err}");
    let (v, _) = run(&["--host-memory", "2GiB"]);
    assert_eq!(v["expected"]["matches"], true, "{v}");

    for (bad, says) in [
        ("0", "0 bytes would fail every message"),
        ("8 parsecs", "unknown unit `parsecs`"),
        ("MiB", "must start with a number"),
    ] {
        let (code, _, err) = skyr(&["--host-memory", bad, "exec", "--vector", INIT_EXEC]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains(says), "{bad}: wanted `{says}` in {err}");
    }
}

/// The official mainnet vectors and bundles beside the checkout, when they are there.
fn shared() -> Option<PathBuf> {
    let s = root().join("../shared");
    (s.join("vectors").is_dir() && s.join("bundles").is_dir()).then_some(s)
}

const PUBLISH_DEALS: &str =
    "vectors/0001-shark-01/fil_9_storagemarket/PublishStorageDeals/Ok/ext-0001-fil_9_storagemarket-PublishStorageDeals-Ok-1.json";

#[test]
fn a_multi_call_mainnet_message_draws_a_flame_graph_naming_actors_methods_and_charges() {
    let (vector, bundles, frames): (PathBuf, Option<PathBuf>, &[&str]) = match shared() {
        Some(s) => (
            s.join(PUBLISH_DEALS),
            Some(s.join("bundles")),
            &[
                "storagemarket.PublishStorageDeals",
                "account.AuthenticateMessage",
                "datacap.TransferFrom",
                "verifiedregistry.Receive",
                "OnVerifySignature",
                "wasm_exec",
                "OnChainMessage",
            ],
        ),
        None => {
            eprintln!(
                "!! SKIPPED the mainnet flame graph: ../shared is not beside the checkout; \
                 drawing the corpus's init Exec instead"
            );
            (
                root().join(INIT_EXEC),
                None,
                &[
                    "init.Exec",
                    "skyrtest.",
                    "OnCreateActor",
                    "wasm_exec",
                    "OnChainMessage",
                ],
            )
        }
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("flame");
    let _ = std::fs::remove_dir_all(&dir);
    let (v, d) = (
        vector.to_string_lossy().into_owned(),
        dir.to_string_lossy().into_owned(),
    );
    let mut args = vec!["vectors", "run", "--trace", d.as_str()];
    let b = bundles.map(|b| b.to_string_lossy().into_owned());
    if let Some(b) = &b {
        args.extend(["--bundles", b.as_str()]);
    }
    args.push(v.as_str());
    let (code, out, err) = skyr(&args);
    assert_eq!(code, 0, "{out} {err}");
    let svg = first_with_extension(&dir, "svg");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<?xml") && text.contains("<svg"),
        "{}",
        &text[..200.min(text.len())]
    );
    for f in frames {
        assert!(text.contains(f), "{} names no `{f}` frame", svg.display());
    }
    // The same trace draws the same picture.
    let (code, _, err) = skyr(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), text);
}

fn first_with_extension(dir: &Path, ext: &str) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no .{ext} in {}", dir.display()))
}
