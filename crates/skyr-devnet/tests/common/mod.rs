//! What the devnet's HTTP tests share: a devnet started on a free port, a JSON-RPC client,
//! transaction signing and hex helpers.
#![allow(dead_code)]
use std::path::PathBuf;

use alloy_consensus::{SignableTransaction, TxEip1559, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{keccak256, TxKind, U256};
use alloy_signer::SignerSync;
use serde_json::{json, Value};
use skyr_devnet::accounts::DevKey;
use skyr_devnet::launch::{self, DevnetOptions};
use skyr_devnet::server::{self, NodeHandle};

pub const CHAIN_ID: u64 = 31415926;

/// Where dev account 0's first contract lands (its CREATE address at nonce 0): the Counter
/// most tests deploy first.
pub const COUNTER: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

pub fn shared_bundles() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bundles");
    if p.join("v18/builtin-actors-mainnet.car").is_file() {
        Some(p)
    } else {
        eprintln!(
            "!! SKIPPED: {} has no v18 bundle; the devnet RPC tests did not run",
            p.display()
        );
        None
    }
}

/// The tests' devnet options: three dev accounts, a fixed genesis time.
pub fn options(bundles: &std::path::Path) -> DevnetOptions {
    let (car, origin) = launch::read_bundle(bundles).expect("the v18 bundle reads");
    DevnetOptions {
        chain_id: CHAIN_ID,
        accounts: 3,
        genesis_time: 1_700_000_000,
        ..DevnetOptions::new(car, origin.display().to_string())
    }
}

/// Starts a devnet on a free port; returns its URL.
pub fn start(bundles: &std::path::Path) -> String {
    start_with(options(bundles))
}

/// Starts a devnet built as `opts` say on a free port; returns its URL.
pub fn start_with(opts: DevnetOptions) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("an address");
            let handle = NodeHandle::spawn(move || {
                let engine = skyr::Engine::new()?;
                Ok(launch::build_node(&opts, engine)?.0)
            })
            .expect("the node starts");
            tx.send(format!("http://{addr}")).expect("send the URL");
            server::serve(listener, handle, std::future::pending())
                .await
                .expect("serves");
        });
    });
    rx.recv().expect("the devnet started")
}

/// A devnet on a free port and a client for it; None (and SKIPPED, loudly) without the bundle.
pub fn devnet() -> Option<Client> {
    let bundles = shared_bundles()?;
    Some(Client {
        url: start(&bundles),
        id: 0,
    })
}

/// Counter's `inc(bytes)` with an empty note, as hex calldata.
pub fn inc_call() -> String {
    let mut d = selector("inc(bytes)");
    d.extend(word(32));
    d.extend(word(0));
    h(&d)
}

/// Counter's init code, constructed with `start`.
pub fn counter_init(start: u64) -> Vec<u8> {
    let mut init = file_hex("Counter.bin");
    init.extend(word(start));
    init
}

pub struct Client {
    pub url: String,
    pub id: u64,
}

impl Client {
    pub fn raw(&self, body: &str) -> (u16, Value) {
        let r = ureq::post(&self.url)
            .set("content-type", "application/json")
            .send_string(body);
        let resp = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("transport error: {e}"),
        };
        let status = resp.status();
        let text = resp.into_string().expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.id += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params});
        let (_, v) = self.raw(&body.to_string());
        assert_eq!(v["id"], json!(self.id), "{v}");
        v
    }

    pub fn ok(&mut self, method: &str, params: Value) -> Value {
        let v = self.request(method, params);
        assert!(v.get("error").is_none(), "{method} failed: {v}");
        v["result"].clone()
    }

    /// Asserts `method` fails with a message naming `what`; returns the error.
    pub fn refused(&mut self, method: &str, params: Value, what: &str) -> Value {
        let e = self.err(method, params);
        let message = e["message"].as_str().unwrap_or("");
        assert!(message.contains(what), "{method}: expected `{what}`: {e}");
        e
    }

    pub fn err(&mut self, method: &str, params: Value) -> Value {
        let v = self.request(method, params);
        assert!(v.get("result").is_none(), "{method} should fail: {v}");
        v["error"].clone()
    }
}

pub fn h(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

pub fn file_hex(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fevm/build")
        .join(name);
    let s = std::fs::read_to_string(p).expect("a contract build");
    let s = s.trim();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

pub fn selector(sig: &str) -> Vec<u8> {
    keccak256(sig.as_bytes())[..4].to_vec()
}

pub fn word(n: u64) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

pub fn num(v: &Value) -> u64 {
    let s = v.as_str().unwrap_or_else(|| panic!("a quantity: {v}"));
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex quantity")
}

pub fn sign_1559(
    key: &DevKey,
    nonce: u64,
    to: Option<[u8; 20]>,
    input: Vec<u8>,
    gas: u64,
    chain_id: u64,
) -> Vec<u8> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 1_000_000_000,
        max_priority_fee_per_gas: 200_000,
        to: to.map_or(TxKind::Create, |a| TxKind::Call(a.into())),
        value: U256::ZERO,
        access_list: Default::default(),
        input: input.into(),
    };
    key.sign_1559(tx).expect("signs")
}

pub fn sign_legacy(
    key: &DevKey,
    nonce: u64,
    to: [u8; 20],
    value: u64,
    chain_id: Option<u64>,
) -> Vec<u8> {
    let tx = TxLegacy {
        chain_id,
        nonce,
        gas_price: 1_000_000_000,
        // A placeholder's creation is paid for: about 4.5 M gas.
        gas_limit: 10_000_000,
        to: TxKind::Call(to.into()),
        value: U256::from(value),
        input: Default::default(),
    };
    let sig = key
        .signer
        .sign_hash_sync(&tx.signature_hash())
        .expect("signs");
    tx.into_signed(sig).encoded_2718()
}
