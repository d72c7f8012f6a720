//! The Ethereum methods, with Lotus's meaning.
use alloy_consensus::TxEip1559;
use alloy_primitives::{TxKind, U256};
use serde_json::{json, Value};
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;

use super::*;
use crate::error::{reverted, RpcError, RpcResult};
use crate::evm_state::EvmState;
use crate::filters::{FilterKind, LogCriteria};
use crate::node::Node;
use crate::views::*;

/// Answers an Ethereum (or web3, net) method; `name` is its `eth_` name.
pub(super) fn dispatch(node: &mut Node, name: &str, p: &Params) -> RpcResult {
    match name {
        "web3_clientVersion" => Ok(json!(format!("skyr-devnet/{}", env!("CARGO_PKG_VERSION")))),
        "web3_sha3" => Ok(data(
            alloy_primitives::keccak256(parse_data(p.need(0, "data")?)?).as_slice(),
        )),
        "net_version" => Ok(json!(node.chain_id.to_string())),
        "net_listening" => Ok(json!(true)),
        "eth_chainId" => Ok(qty(node.chain_id)),
        "eth_protocolVersion" => Ok(qty(u32::from(node.chain.network_version()) as u64)),
        "eth_syncing" => Ok(json!(false)),
        "eth_mining" => Ok(json!(node.automine)),
        "eth_hashrate" => Ok(qty(0)),
        // The dev keys, then the impersonated accounts (as Anvil lists them: a client checks
        // an account is there before it sends for it).
        "eth_accounts" => Ok(json!(node
            .keys
            .iter()
            .map(|k| k.address)
            .chain(
                node.impersonated
                    .iter()
                    .copied()
                    .filter(|a| node.keys.iter().all(|k| &k.address != a))
            )
            .map(|a| data(&a))
            .collect::<Vec<_>>())),
        "eth_blockNumber" => Ok(qty(node.chain.head().height() as u64)),
        "eth_getBlockByNumber" | "eth_getBlockByHash" => {
            p.at_most(2)?;
            let at = if name.ends_with("Hash") {
                by_hash(node, p.need(0, "block hash")?).or(Ok::<At, RpcError>(At::Future))?
            } else {
                resolve(node, Some(p.need(0, "block number")?))?
            };
            let full = p.get(1).and_then(Value::as_bool).unwrap_or(false);
            match tipset(node, at) {
                Some(t) => Ok(block_json(node, t, full)?),
                None => Ok(Value::Null),
            }
        }
        "eth_getBlockTransactionCountByNumber" | "eth_getBlockTransactionCountByHash" => {
            let at = if name.ends_with("Hash") {
                by_hash(node, p.need(0, "block hash")?)?
            } else {
                resolve(node, Some(p.need(0, "block number")?))?
            };
            Ok(tipset(node, at)
                .map(|t| qty(t.messages.len() as u64))
                .unwrap_or(Value::Null))
        }
        // Lotus's `…Limited` variants take a lookback limit, which a devnet's short chain
        // never reaches.
        "eth_getTransactionByHash" | "eth_getTransactionByHashLimited" => {
            p.at_most(if name.ends_with("Limited") { 2 } else { 1 })?;
            let h = parse_hash(p.need(0, "transaction hash")?)?;
            if let Some(cid) = node.cid_of_eth_hash(&h) {
                if let Some((t, i)) = node.chain.find_message(&cid) {
                    return Ok(tx_json(node, &mut EthNames::at(node, t.height()), t, i)?);
                }
            }
            Ok(Value::Null)
        }
        "eth_getTransactionByBlockNumberAndIndex" | "eth_getTransactionByBlockHashAndIndex" => {
            let at = if name.contains("Hash") {
                by_hash(node, p.need(0, "block hash")?)?
            } else {
                resolve(node, Some(p.need(0, "block number")?))?
            };
            let i = parse_u64(p.need(1, "index")?)? as usize;
            match tipset(node, at) {
                Some(t) if i < t.messages.len() => {
                    Ok(tx_json(node, &mut EthNames::at(node, t.height()), t, i)?)
                }
                _ => Ok(Value::Null),
            }
        }
        "eth_getTransactionReceipt" | "eth_getTransactionReceiptLimited" => {
            p.at_most(if name.ends_with("Limited") { 2 } else { 1 })?;
            let h = parse_hash(p.need(0, "transaction hash")?)?;
            let Some(cid) = node.cid_of_eth_hash(&h) else {
                return Ok(Value::Null);
            };
            let Some((t, i)) = node.chain.find_message(&cid) else {
                return Ok(Value::Null);
            };
            let cumulative = t.results[..=i].iter().map(|r| r.receipt.gas_used).sum();
            Ok(receipt_json(node, t, i, cumulative)?)
        }
        "eth_getBlockReceipts" => {
            let at = resolve(node, Some(p.need(0, "block")?))?;
            let Some(t) = tipset(node, at) else {
                return Ok(Value::Null);
            };
            let mut cumulative = 0;
            let mut out = Vec::new();
            for (i, r) in t.results.iter().enumerate() {
                cumulative += r.receipt.gas_used;
                out.push(receipt_json(node, t, i, cumulative)?);
            }
            Ok(Value::Array(out))
        }
        "eth_getBalance" => {
            p.at_most(2)?;
            let a = parse_address(p.need(0, "address")?)?;
            let h = state_height(node, p.get(1))?;
            let actor = node.chain.actor_at(h, &crate::ethtx::eth_to_filecoin(&a))?;
            Ok(qty_tokens(
                &actor.map(|(_, a)| a.balance).unwrap_or_default(),
            ))
        }
        "eth_getTransactionCount" => {
            p.at_most(2)?;
            let a = crate::ethtx::eth_to_filecoin(&parse_address(p.need(0, "address")?)?);
            if p.get(1).and_then(Value::as_str) == Some("pending") {
                return Ok(qty(node.next_nonce(&a)?));
            }
            let h = state_height(node, p.get(1))?;
            let Some((_, actor)) = node.chain.actor_at(h, &a)? else {
                return Ok(qty(0));
            };
            if node.is_evm(&actor.code) {
                let store = skyr_chain::store::StoreRef(node.chain.store().clone());
                return Ok(qty(EvmState::load(&store, &actor.state)?.nonce()?));
            }
            Ok(qty(actor.sequence))
        }
        "eth_getCode" => {
            p.at_most(2)?;
            let a = crate::ethtx::eth_to_filecoin(&parse_address(p.need(0, "address")?)?);
            let h = state_height(node, p.get(1))?;
            Ok(data(&code_at(node, h, &a)?))
        }
        "eth_getStorageAt" => {
            p.at_most(3)?;
            let a = crate::ethtx::eth_to_filecoin(&parse_address(p.need(0, "address")?)?);
            let pos = parse_word(p.need(1, "position")?)?;
            let h = state_height(node, p.get(2))?;
            Ok(data(&storage_at(node, h, &a, pos)?))
        }
        "eth_gasPrice" => Ok(qty_big(
            (node.chain.next_base_fee() + TokenAmount::from_atto(PRIORITY_FEE)).atto(),
        )),
        "eth_maxPriorityFeePerGas" => Ok(qty(PRIORITY_FEE)),
        "eth_baseFee" => Ok(qty_tokens(&node.chain.next_base_fee())),
        "eth_feeHistory" => fee_history(node, p),
        "eth_call" => {
            p.at_most(2)?;
            let c = call_object(p.need(0, "transaction")?)?;
            let h = state_height(node, p.get(1))?;
            let msg = Node::call_message(c.from, c.to, c.value, &c.input)?;
            let ret = node.apply_call(h, msg, false)?;
            if !ret.receipt.exit_code.is_success() {
                return Err(reverted(
                    ret.receipt.exit_code.value(),
                    ret.receipt.return_data.bytes(),
                    ret.failure.as_deref().unwrap_or(""),
                ));
            }
            if c.to.is_none() {
                return Ok(json!("0x"));
            }
            let out = crate::ethtx::cbor_bytes(ret.receipt.return_data.bytes()).unwrap_or_default();
            Ok(data(&out))
        }
        "eth_estimateGas" => {
            p.at_most(2)?;
            let c = call_object(p.need(0, "transaction")?)?;
            let msg = Node::call_message(c.from, c.to, c.value, &c.input)?;
            Ok(qty(node.estimate_gas(msg)?))
        }
        // Lotus's untrusted variant applies its pool's stricter checks, which the devnet's
        // pool applies to every transaction.
        "eth_sendRawTransaction" | "eth_sendRawTransactionUntrusted" => {
            p.at_most(1)?;
            let raw = parse_data(p.need(0, "signed transaction")?)?;
            Ok(data(&node.send_raw(&raw)?))
        }
        "eth_sendTransaction" => {
            p.at_most(1)?;
            let c = call_object(p.need(0, "transaction")?)?;
            send_transaction(node, c)
        }
        "eth_sign" => {
            let key = dev_key(node, p.need(0, "address")?)?;
            let message = parse_data(p.need(1, "message")?)?;
            Ok(data(&key.sign_digest(
                &alloy_primitives::eip191_hash_message(&message).0,
            )?))
        }
        "personal_sign" => {
            let message = parse_data(p.need(0, "message")?)?;
            let key = dev_key(node, p.need(1, "address")?)?;
            Ok(data(&key.sign_digest(
                &alloy_primitives::eip191_hash_message(&message).0,
            )?))
        }
        "eth_signTypedData" | "eth_signTypedData_v4" => {
            let key = dev_key(node, p.need(0, "address")?)?;
            let typed = match p.need(1, "typed data")? {
                Value::String(s) => serde_json::from_str(s),
                v => serde_json::from_value(v.clone()),
            }
            .map_err(|e| RpcError::params(format!("not EIP-712 typed data: {e}")))?;
            let typed: alloy_dyn_abi::TypedData = typed;
            let digest = typed
                .eip712_signing_hash()
                .map_err(|e| RpcError::params(format!("the typed data does not hash: {e}")))?;
            Ok(data(&key.sign_digest(&digest.0)?))
        }
        "eth_getLogs" => {
            p.at_most(1)?;
            let c = LogCriteria::parse(node, p.need(0, "filter")?)?;
            Ok(Value::Array(c.all_logs(node)?))
        }
        "eth_newFilter" => {
            p.at_most(1)?;
            let c = LogCriteria::parse(node, p.need(0, "filter")?)?;
            node.install_filter(FilterKind::Logs(c))
        }
        "eth_newBlockFilter" => node.install_filter(FilterKind::Blocks),
        "eth_newPendingTransactionFilter" => node.install_filter(FilterKind::PendingTransactions),
        "eth_getFilterChanges" => node.filter_changes(p.need(0, "filter ID")?),
        "eth_getFilterLogs" => node.filter_logs(p.need(0, "filter ID")?),
        "eth_uninstallFilter" => Ok(json!(node.uninstall_filter(p.need(0, "filter ID")?)?)),
        _ => Err(RpcError::no_method(name)),
    }
}

/// The state of the EVM actor at `a` at height `h`, if there is one.
fn evm_state(node: &Node, h: i64, a: &Address) -> RpcResult<Option<EvmState>> {
    let Some((_, actor)) = node.chain.actor_at(h, a)? else {
        return Ok(None);
    };
    if !node.is_evm(&actor.code) {
        return Ok(None);
    }
    let store = skyr_chain::store::StoreRef(node.chain.store().clone());
    Ok(Some(EvmState::load(&store, &actor.state)?))
}

/// A contract's runtime code at height `h` (empty for anything but a live EVM actor).
fn code_at(node: &Node, h: i64, a: &Address) -> RpcResult<Vec<u8>> {
    let store = skyr_chain::store::StoreRef(node.chain.store().clone());
    match evm_state(node, h, a)? {
        Some(st) => Ok(st.code(&store)?),
        None => Ok(Vec::new()),
    }
}

/// A contract's storage word at `slot` (32 zero bytes for anything but a live EVM actor).
fn storage_at(node: &Node, h: i64, a: &Address, slot: [u8; 32]) -> RpcResult<Vec<u8>> {
    let store = skyr_chain::store::StoreRef(node.chain.store().clone());
    match evm_state(node, h, a)? {
        Some(st) => Ok(st.storage(store, slot)?.to_vec()),
        None => Ok(vec![0u8; 32]),
    }
}

fn fee_history(node: &Node, p: &Params) -> RpcResult {
    let count = parse_u64(p.need(0, "block count")?)?.clamp(1, 1024);
    let newest = state_height(node, p.get(1))?;
    let percentiles: Option<Vec<f64>> = match p.get(2) {
        Some(v) => Some(
            v.as_array()
                .ok_or_else(|| RpcError::params("reward percentiles must be a list"))?
                .iter()
                .map(|x| {
                    x.as_f64()
                        .ok_or_else(|| RpcError::params("a percentile is a number"))
                })
                .collect::<RpcResult<_>>()?,
        ),
        None => None,
    };
    if let Some(ps) = &percentiles {
        if ps.len() > 100
            || ps.windows(2).any(|w| w[0] > w[1])
            || ps.iter().any(|x| !(0.0..=100.0).contains(x))
        {
            return Err(RpcError::params(
                "reward percentiles must ascend within 0 to 100 (at most 100)",
            ));
        }
    }
    let oldest = (newest - count as i64 + 1).max(0);
    let mut base = Vec::new();
    let mut ratio = Vec::new();
    let mut rewards = Vec::new();
    for h in oldest..=newest {
        let Some(t) = node.chain.at(h) else { continue };
        base.push(qty_tokens(&t.header.parent_base_fee));
        let used: u64 = t.results.iter().map(|r| r.receipt.gas_used).sum();
        ratio.push(json!(used as f64 / skyr_chain::BLOCK_GAS_LIMIT as f64));
        if let Some(ps) = &percentiles {
            rewards.push(Value::Array(
                ps.iter()
                    .map(|_| qty(crate::node::MIN_GAS_PREMIUM))
                    .collect(),
            ));
        }
    }
    base.push(qty_tokens(&node.chain.next_base_fee()));
    let mut out = json!({
        "oldestBlock": qty(oldest as u64),
        "baseFeePerGas": base,
        "gasUsedRatio": ratio,
    });
    if percentiles.is_some() {
        out["reward"] = Value::Array(rewards);
    }
    Ok(out)
}

/// The dev key of an address parameter (the signing methods sign with dev keys only).
fn dev_key(node: &Node, v: &Value) -> RpcResult<crate::accounts::DevKey> {
    let a = parse_address(v)?;
    node.keys
        .iter()
        .find(|k| k.address == a)
        .cloned()
        .ok_or_else(|| {
            RpcError::rejected(format!(
                "no key for 0x{}: the devnet signs with its dev accounts only",
                hex::encode(a)
            ))
        })
}

fn send_transaction(node: &mut Node, c: CallObject) -> RpcResult {
    let from = c
        .from
        .ok_or_else(|| RpcError::params("eth_sendTransaction needs `from`"))?;
    let key = node.keys.iter().find(|k| k.address == from).cloned();
    if key.is_none() && !node.impersonating(&from) {
        return Err(RpcError::rejected(format!(
            "no key for 0x{}: eth_sendTransaction signs with the dev accounts only (or sends \
             for an impersonated one: anvil_impersonateAccount)",
            hex::encode(from)
        )));
    }
    let sender = crate::ethtx::eth_to_filecoin(&from);
    let nonce = match c.nonce {
        Some(n) => n,
        None => node.next_nonce(&sender)?,
    };
    let gas = match c.gas {
        Some(g) => g,
        None => {
            let msg = Node::call_message(Some(from), c.to, c.value.clone(), &c.input)?;
            node.estimate_gas(msg)?
        }
    };
    let priority = c
        .max_priority
        .unwrap_or_else(|| TokenAmount::from_atto(PRIORITY_FEE));
    let max_fee = c
        .max_fee
        .unwrap_or_else(|| node.chain.next_base_fee() * 2 + &priority);
    let as_u128 = |t: &TokenAmount| -> RpcResult<u128> {
        u128::try_from(t.atto()).map_err(|_| RpcError::params("a fee past 2^128"))
    };
    let tx = TxEip1559 {
        chain_id: node.chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: as_u128(&max_fee)?,
        max_priority_fee_per_gas: as_u128(&priority)?,
        to: match c.to {
            Some(t) => TxKind::Call(t.into()),
            None => TxKind::Create,
        },
        value: U256::from_be_slice(&c.value.atto().to_bytes_be().1),
        access_list: Default::default(),
        input: c.input.into(),
    };
    match key {
        Some(key) => {
            let raw = key.sign_1559(tx)?;
            Ok(data(&node.send_raw(&raw)?))
        }
        None => Ok(data(&node.send_impersonated(from, tx)?)),
    }
}
