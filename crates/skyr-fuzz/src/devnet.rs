//! The devnet's doors: raw transactions and JSON-RPC requests, as a server takes them from
//! anyone. One devnet (the official v18 bundle) lives for the whole run, as a server does.
//! An input is, by its first byte: raw transaction bytes; a JSON-RPC request's text (any
//! method, any parameters); or a transaction built from the input and signed by a dev key
//! (so inputs reach mining, not only decoding). The properties: nothing panics (not even a
//! panic the server would contain), every answer is a result or an error with a message, a
//! refused transaction changes nothing, and the node answers afterwards.
use std::cell::RefCell;
use std::path::PathBuf;

use alloy_consensus::{TxEip1559, TxLegacy};
use alloy_primitives::{TxKind, U256};
use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use skyr_devnet::accounts::{dev_keys, DevKey, DEFAULT_MNEMONIC};
use skyr_devnet::launch::{self, DevnetOptions};
use skyr_devnet::node::Node;

use crate::watch::guarded;
use crate::Reached;

const CHAIN_ID: u64 = 31415926;

thread_local! {
    static NODE: RefCell<Option<Node>> = const { RefCell::new(None) };
}

/// The official bundles: `$SKYR_FUZZ_BUNDLES`, else `../shared/bundles` beside the checkout.
pub fn bundles() -> Option<PathBuf> {
    let p = std::env::var_os("SKYR_FUZZ_BUNDLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bundles")
        });
    p.join("v18/builtin-actors-mainnet.car")
        .is_file()
        .then_some(p)
}

fn build(bundles: &std::path::Path) -> Node {
    let (car, origin) =
        launch::read_bundle(bundles).unwrap_or_else(|e| panic!("the v18 bundle: {e:#}"));
    let opts = DevnetOptions {
        chain_id: CHAIN_ID,
        accounts: 3,
        genesis_time: 1_700_000_000,
        ..DevnetOptions::new(car, origin.display().to_string())
    };
    let engine = skyr::Engine::new().unwrap_or_else(|e| panic!("no engine: {e:#}"));
    launch::build_node(&opts, engine)
        .unwrap_or_else(|e| panic!("the devnet does not start: {e:#}"))
        .0
}

/// What a refused input must leave as it was.
fn snapshot(node: &Node) -> (i64, cid::Cid, usize) {
    let head = node.chain.head();
    (head.height(), head.state_root, node.pool.len())
}

/// A transaction's fields, from the input.
#[derive(Arbitrary, Debug)]
struct TxInput {
    key: u8,
    legacy: bool,
    wrong_chain: bool,
    nonce_offset: u8,
    to: Option<[u8; 20]>,
    value: u64,
    gas: u32,
    gas_scale: u8,
    fee: u64,
    premium: u64,
    input: Vec<u8>,
}

fn signed(keys: &[DevKey], node: &Node, t: TxInput) -> Vec<u8> {
    let key = &keys[t.key as usize % keys.len()];
    let from = skyr_chain::genesis::f410(&key.address);
    let nonce = node.next_nonce(&from).unwrap_or(0) + u64::from(t.nonce_offset % 3);
    let gas = u64::from(t.gas) << (t.gas_scale % 14);
    let chain_id = if t.wrong_chain {
        CHAIN_ID + 1
    } else {
        CHAIN_ID
    };
    let to = t.to.map_or(TxKind::Create, |a| TxKind::Call(a.into()));
    if t.legacy {
        let tx = TxLegacy {
            chain_id: Some(chain_id),
            nonce,
            gas_price: u128::from(t.fee),
            gas_limit: gas,
            to,
            value: U256::from(t.value),
            input: t.input.into(),
        };
        use alloy_consensus::SignableTransaction;
        use alloy_eips::eip2718::Encodable2718;
        use alloy_signer::SignerSync;
        match key.signer.sign_hash_sync(&tx.signature_hash()) {
            Ok(sig) => tx.into_signed(sig).encoded_2718(),
            Err(_) => Vec::new(),
        }
    } else {
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: gas,
            max_fee_per_gas: u128::from(t.fee),
            max_priority_fee_per_gas: u128::from(t.premium),
            to,
            value: U256::from(t.value),
            access_list: Default::default(),
            input: t.input.into(),
        };
        key.sign_1559(tx).unwrap_or_default()
    }
}

/// Methods that would take the run's time, not test the doors: long mining and waiting.
fn too_slow(method: &str, params: &[Value]) -> bool {
    use skyr_devnet::rpc::{anvil, Params};
    let blocks = anvil::is_mining(method)
        .then(|| {
            anvil::mining(method, &Params(params))
                .map(|m| m.blocks)
                .ok()
        })
        .flatten()
        .unwrap_or(1);
    blocks > 3 || method.ends_with("StateWaitMsg")
}

/// The target.
pub fn devnet_rpc(data: &[u8]) -> Reached {
    let Some(b) = bundles() else {
        return Reached::Nothing;
    };
    guarded(|| {
        NODE.with(|cell| {
            let mut slot = cell.borrow_mut();
            let node = slot.get_or_insert_with(|| build(&b));
            let Some((&mode, rest)) = data.split_first() else {
                return Reached::Nothing;
            };
            let before = snapshot(node);
            let reached = match mode % 3 {
                0 | 2 => {
                    let raw = if mode % 3 == 0 {
                        rest.to_vec()
                    } else {
                        let keys = dev_keys(DEFAULT_MNEMONIC, 3).unwrap_or_default();
                        match TxInput::arbitrary(&mut Unstructured::new(rest)) {
                            Ok(t) if !keys.is_empty() => signed(&keys, node, t),
                            _ => return Reached::Nothing,
                        }
                    };
                    match node.send_raw(&raw) {
                        Ok(hash) => {
                            assert!(
                                node.cid_of_eth_hash(&hash).is_some(),
                                "a taken transaction is indexed"
                            );
                            Reached::Ran {
                                nv: 28,
                                messages: 1,
                                syscalls: 0,
                            }
                        }
                        Err(e) => {
                            assert!(!e.message.trim().is_empty(), "an error without a message");
                            assert_eq!(
                                snapshot(node),
                                before,
                                "a refused transaction changed the chain: {}",
                                e.message
                            );
                            Reached::Refused
                        }
                    }
                }
                _ => {
                    let Ok(req) = serde_json::from_slice::<Value>(rest) else {
                        return Reached::Nothing;
                    };
                    let method = req
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let params = match req.get("params") {
                        Some(Value::Array(a)) => a.clone(),
                        _ => Vec::new(),
                    };
                    if too_slow(&method, &params) {
                        return Reached::Nothing;
                    }
                    match skyr_devnet::rpc::dispatch(node, &method, &params) {
                        Ok(_) => Reached::Ran {
                            nv: 28,
                            messages: 0,
                            syscalls: 0,
                        },
                        Err(e) => {
                            assert!(!e.message.trim().is_empty(), "an error without a message");
                            Reached::Refused
                        }
                    }
                }
            };
            // The node goes on answering.
            let answer = skyr_devnet::rpc::dispatch(node, "eth_blockNumber", &[]);
            assert!(answer.is_ok(), "the node stopped answering: {answer:?}");
            reached
        })
    })
}
