//! `skyr devnet --state DIR` as a user runs it: transactions sent, a snapshot taken, one left
//! pending; the process killed with SIGKILL; a restart on the same folder has every block,
//! receipt, snapshot and pending transaction it had acknowledged, and goes on from there. A
//! folder holding something that is not a database is refused by name. Needs the official
//! v18 bundle in `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

const ME: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
/// Dev account 1.
const YOU: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const COUNTER: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

fn bundles() -> Option<PathBuf> {
    let p = common::root().join("../shared/bundles");
    if p.join("v18/builtin-actors-mainnet.car").is_file() {
        Some(p)
    } else {
        eprintln!(
            "!! SKIPPED: no v18 bundle in {}; the devnet --state test did not run",
            p.display()
        );
        None
    }
}

/// A running devnet: the process, its URL, and its banner.
struct Devnet {
    child: Child,
    url: String,
    banner: String,
}

fn start(bundles: &Path, state: &Path, extra: &[&str]) -> Devnet {
    let s = state.to_string_lossy().into_owned();
    let mut args = vec!["--state", s.as_str()];
    args.extend_from_slice(extra);
    launch(bundles, &args)
}

fn launch(bundles: &Path, extra: &[&str]) -> Devnet {
    let b = bundles.to_string_lossy().into_owned();
    let mut args = vec!["devnet", "--bundles", &b, "--port", "0", "--quiet"];
    args.extend_from_slice(extra);
    let mut child = common::command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("skyr devnet starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = String::new();
    loop {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(300)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the devnet did not start:\n{banner}");
        };
        banner.push_str(&line);
        banner.push('\n');
        if let Some(url) = line.strip_prefix("Listening on ") {
            return Devnet {
                child,
                url: url.to_string(),
                banner,
            };
        }
    }
}

impl Devnet {
    fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let v: Value = ureq::post(&self.url)
            .send_json(body)
            .expect("an answer")
            .into_json()
            .expect("JSON");
        assert!(v.get("error").is_none(), "{method}: {v}");
        v["result"].clone()
    }

    fn count(&self) -> Value {
        self.call(
            "eth_call",
            json!([{"to": COUNTER, "data": "0x06661abd"}, "latest"]),
        )
    }

    /// SIGINT, as Ctrl-C sends: a clean shutdown.
    fn interrupt(mut self) {
        let pid = self.child.id().to_string();
        let ok = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(ok.success());
        let status = self.child.wait().expect("reaped");
        assert!(status.success(), "a clean exit: {status}");
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(mut self) {
        self.child.kill().expect("killed");
        self.child.wait().expect("reaped");
    }
}

/// A test that fails does not leave its devnet running.
impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn inc() -> Value {
    // inc(bytes) with an empty note.
    json!({"from": ME, "to": COUNTER, "data": format!("0x{}{:064x}{:064x}", "75069f22", 32, 0)})
}

/// Deploys Counter (from 0) from dev account 0, then increments it `incs` times.
fn deploy_counter(net: &Devnet, incs: usize) {
    let deploy = format!(
        "0x{}{}",
        std::fs::read_to_string(common::root().join("tests/fevm/build/Counter.bin"))
            .expect("Counter's build")
            .trim(),
        "0".repeat(64)
    );
    net.call("eth_sendTransaction", json!([{"from": ME, "data": deploy}]));
    for _ in 0..incs {
        net.call("eth_sendTransaction", json!([inc()]));
    }
}

fn word(n: u64) -> Value {
    json!(format!("0x{n:064x}"))
}

#[test]
fn a_killed_devnet_restarts_with_everything_it_acknowledged() {
    let Some(bundles) = bundles() else { return };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("devnet-state-test");
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state");

    let d = start(&bundles, &state, &[]);
    assert!(
        d.banner.contains("(new; saved before each answer)"),
        "{}",
        d.banner
    );
    let init = format!(
        "0x{}{:064x}",
        std::fs::read_to_string(common::root().join("tests/fevm/build/Counter.bin"))
            .expect("Counter.bin")
            .trim(),
        5
    );
    let deploy = d.call("eth_sendTransaction", json!([{"from": ME, "data": init}]));
    let first = d.call("eth_sendTransaction", json!([inc()]));
    let snapshot = d.call("evm_snapshot", json!([]));
    let second = d.call("eth_sendTransaction", json!([inc()]));
    assert_eq!(d.count(), word(7));
    d.call("evm_setAutomine", json!([false]));
    let pending = d.call("eth_sendTransaction", json!([inc()]));
    let height = d.call("eth_blockNumber", json!([]));
    let receipts: Vec<Value> = [&deploy, &first, &second]
        .iter()
        .map(|h| d.call("eth_getTransactionReceipt", json!([h])))
        .collect();
    d.kill();

    // Restarted on the same folder: the genesis flags say nothing now (another chain ID is
    // ignored: the saved chain keeps its own).
    let d = start(&bundles, &state, &["--no-mining", "--chain-id", "5"]);
    assert!(d.banner.contains("restored at height"), "{}", d.banner);
    assert_eq!(d.call("eth_chainId", json!([])), json!("0x1df5e76"));
    assert_eq!(d.call("eth_blockNumber", json!([])), height);
    for (h, r) in [&deploy, &first, &second].iter().zip(&receipts) {
        assert_eq!(&d.call("eth_getTransactionReceipt", json!([h])), r);
    }
    assert_eq!(d.count(), word(7));
    // The pending transaction was kept, and is mined now.
    assert_eq!(
        d.call("eth_getTransactionReceipt", json!([pending])),
        Value::Null
    );
    d.call("evm_mine", json!([]));
    let r = d.call("eth_getTransactionReceipt", json!([pending]));
    assert_eq!(r["status"], json!("0x1"), "{r}");
    assert_eq!(d.count(), word(8));
    // The snapshot was kept: reverting to it goes back past the second increment.
    assert_eq!(d.call("evm_revert", json!([snapshot])), json!(true));
    assert_eq!(d.count(), word(6));
    let reverted_height = d.call("eth_blockNumber", json!([]));
    d.kill();

    // The revert itself was saved; the chain goes on from there.
    let d = start(&bundles, &state, &[]);
    assert_eq!(d.call("eth_blockNumber", json!([])), reverted_height);
    assert_eq!(
        d.call("eth_getTransactionReceipt", json!([second])),
        Value::Null
    );
    assert_eq!(d.count(), word(6));
    let again = d.call("eth_sendTransaction", json!([inc()]));
    assert_eq!(
        again, second,
        "the same transaction again, after the revert"
    );
    assert_eq!(d.count(), word(7));
    d.kill();

    // --dump-state writes the devnet at Ctrl-C; --load-state starts from it.
    let file = dir.join("dump.car");
    let f = file.to_string_lossy().into_owned();
    let d = launch(&bundles, &["--dump-state", &f]);
    let deploy = d.call("eth_sendTransaction", json!([{"from": ME, "data": init}]));
    let receipt = d.call("eth_getTransactionReceipt", json!([deploy]));
    d.interrupt();
    assert!(file.is_file(), "the dump was written");
    let d = launch(&bundles, &["--load-state", &f]);
    assert_eq!(
        d.call("eth_getTransactionReceipt", json!([deploy])),
        receipt
    );
    assert_eq!(d.count(), word(5));
    d.kill();

    // A state folder whose database file is not a database is refused by name.
    let junk = dir.join("junk");
    std::fs::create_dir_all(&junk).expect("a folder");
    std::fs::write(junk.join("devnet.redb"), b"not a database").expect("written");
    let out = common::command(&[
        "devnet",
        "--bundles",
        &bundles.to_string_lossy(),
        "--port",
        "0",
        "--state",
        &junk.to_string_lossy(),
    ])
    .output()
    .expect("runs");
    let (code, _, err) = common::finished(out);
    assert_ne!(code, 0);
    assert!(err.contains("cannot open the database"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `skyr replay` with a running `skyr devnet` as its node: the devnet's tipsets replay to the
/// receipts and state roots it recorded (exit 0); after a cheat edits its state outside any
/// tipset, the replay of that tipset differs (exit 1) and says where.
#[test]
fn skyr_replay_reproduces_a_devnet_chain_and_catches_a_cheat() {
    let Some(bundles) = bundles() else { return };
    let net = launch(&bundles, &[]);
    deploy_counter(&net, 3);
    net.call("anvil_mine", json!(["0x5"]));
    let head = i64::from_str_radix(
        net.call("eth_blockNumber", json!([]))
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("replay-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&cache);
    let c = cache.to_string_lossy().into_owned();
    let to = (head - 1).to_string();
    let (code, out, err) = common::skyr(&[
        "replay",
        "--rpc",
        &net.url,
        "--from",
        "1",
        "--to",
        &to,
        "--rpc-cache",
        &c,
        "--jobs",
        "2",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("replayed {} tipsets (4 messages", head - 1)),
        "{out}"
    );
    assert!(
        out.contains("every receipt and state root agrees with the chain"),
        "{out}"
    );

    net.call("anvil_setBalance", json!([YOU, "0x1"]));
    net.call("eth_sendTransaction", json!([inc()]));
    let at = head.to_string();
    let (code, out, err) = common::skyr(&[
        "replay",
        "--rpc",
        &net.url,
        "--from",
        &at,
        "--to",
        &at,
        "--rpc-cache",
        &c,
        "--json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let last: Value = serde_json::from_str(out.lines().last().unwrap_or("")).expect("JSON");
    assert_eq!(last["first_difference"]["height"], json!(head), "{out}");
    assert!(
        last["first_difference"]["what"]
            .as_str()
            .unwrap()
            .contains("balance 1"),
        "{out}"
    );
    net.kill();
    let _ = std::fs::remove_file(&cache);
}

#[test]
fn skyr_devnet_forks_a_node_and_anvil_reset_forks_a_plain_devnet() {
    let Some(bundles) = bundles() else { return };
    let node = launch(&bundles, &[]);
    deploy_counter(&node, 2);
    node.call("anvil_mine", json!(["0x1"]));
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fork-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&cache);
    let c = cache.to_string_lossy().into_owned();
    let fork = launch(
        &bundles,
        &[
            "--fork-url",
            &node.url,
            "--fork-height",
            "3",
            "--rpc-cache",
            &c,
        ],
    );
    assert!(
        fork.banner
            .contains(&format!("Forked:            {} at epoch 3", node.url)),
        "{}",
        fork.banner
    );
    assert_eq!(fork.count(), word(2));
    fork.call("eth_sendTransaction", json!([inc()]));
    assert_eq!(fork.count(), word(3));
    assert_eq!(node.count(), word(2), "the node is untouched");

    // A plain devnet becomes a fork with anvil_reset, reading the node through the default
    // cache for its URL (under the test's cache folder).
    let plain = launch(&bundles, &[]);
    let name: String = node
        .url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let default_cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("skyr-cli-cache/rpc")
        .join(format!("{name}.redb"));
    let _ = std::fs::remove_file(&default_cache);
    plain.call(
        "anvil_reset",
        json!([{"forking": {"jsonRpcUrl": node.url, "blockNumber": 2}}]),
    );
    assert_eq!(plain.call("eth_blockNumber", json!([])), json!("0x2"));
    assert_eq!(plain.count(), word(1));
    assert!(default_cache.is_file(), "{}", default_cache.display());

    // Flags that do not go together are refused before anything starts.
    let (code, _, err) = common::skyr(&["devnet", "--fork-url", &node.url, "--state", &c]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--state"), "{err}");
    let (code, _, err) = common::skyr(&["devnet", "--fork-height", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--fork-url"), "{err}");
    for d in [fork, plain, node] {
        d.kill();
    }
    let _ = std::fs::remove_file(&cache);
    let _ = std::fs::remove_file(&default_cache);
}
