//! The Ethereum views of the chain's records, shaped as Lotus shapes them (`ethtypes`): a
//! tipset is a block (its hash the digest of its tipset key CID), a message a transaction,
//! a receipt a receipt, an EVM actor event a log. Plus the JSON helpers the methods share:
//! quantities, data and addresses in hex, and parsing them back.
use anyhow::Result;
use serde_json::{json, Value};
use skyr::shared::address::Address;
use skyr::shared::bigint::BigInt;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr::shared::receipt::Receipt;
use skyr::state_tree::StateTree;
use skyr_chain::block::cid_digest;
use skyr_chain::genesis::ids;
use skyr_chain::message::SigType;
use skyr_chain::{ChainMessage, TipsetRecord, BLOCK_GAS_LIMIT};

use crate::error::{RpcError, RpcResult};
use crate::ethtx::{f410_payload, masked_id, CREATE_EXTERNAL, INVOKE_CONTRACT};
use crate::node::Node;

/// A quantity: 0x-prefixed hex without leading zeros.
pub fn qty(n: u64) -> Value {
    Value::String(format!("0x{n:x}"))
}

/// A big quantity (attoFIL amounts).
pub fn qty_big(n: &BigInt) -> Value {
    Value::String(format!("0x{}", n.to_str_radix(16)))
}

/// An amount of attoFIL as a quantity.
pub fn qty_tokens(t: &TokenAmount) -> Value {
    qty_big(t.atto())
}

/// Bytes as 0x-prefixed hex.
pub fn data(b: &[u8]) -> Value {
    Value::String(format!("0x{}", hex::encode(b)))
}

/// Parses 0x-prefixed hex bytes.
pub fn parse_data(v: &Value) -> RpcResult<Vec<u8>> {
    let s = v
        .as_str()
        .ok_or_else(|| RpcError::params(format!("expected hex data, got {v}")))?;
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| RpcError::params(format!("hex data must start with 0x: {s:.40}")))?;
    if !h.len().is_multiple_of(2) {
        return Err(RpcError::params(format!("hex data of odd length: {s:.40}")));
    }
    hex::decode(h).map_err(|_| RpcError::params(format!("not hex: {s:.40}")))
}

/// Parses a 20-byte address.
pub fn parse_address(v: &Value) -> RpcResult<[u8; 20]> {
    let b = parse_data(v)?;
    b.try_into()
        .map_err(|_| RpcError::params(format!("an address has 20 bytes: {v}")))
}

/// Parses a 32-byte hash.
pub fn parse_hash(v: &Value) -> RpcResult<[u8; 32]> {
    let b = parse_data(v)?;
    b.try_into()
        .map_err(|_| RpcError::params(format!("a hash has 32 bytes: {v}")))
}

/// Parses a quantity: hex (0x…) or decimal, as a string or a JSON number.
pub fn parse_u64(v: &Value) -> RpcResult<u64> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    let s = v
        .as_str()
        .ok_or_else(|| RpcError::params(format!("expected a quantity, got {v}")))?;
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some("") => Ok(0),
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| RpcError::params(format!("not a 64-bit quantity: {s:.80}")))
}

/// Parses a quantity of any size (values, balances).
pub fn parse_big(v: &Value) -> RpcResult<BigInt> {
    if let Some(n) = v.as_u64() {
        return Ok(BigInt::from(n));
    }
    let s = v
        .as_str()
        .ok_or_else(|| RpcError::params(format!("expected a quantity, got {v}")))?;
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some("") => Some(BigInt::from(0)),
        Some(h) if h.len() <= 64 => BigInt::parse_bytes(h.as_bytes(), 16),
        Some(_) => None,
        None if s.len() <= 78 => BigInt::parse_bytes(s.as_bytes(), 10),
        None => None,
    };
    r.filter(|n| n.sign() != skyr::shared::bigint::Sign::Minus)
        .ok_or_else(|| RpcError::params(format!("not a 256-bit quantity: {s:.80}")))
}

/// The height of the block whose Ethereum hash `v` is (the digest of its tipset key CID).
pub fn height_of_hash(node: &Node, v: &Value) -> RpcResult<i64> {
    let h = parse_hash(v)?;
    let key =
        skyr_chain::block::cid_from_digest(&h).map_err(|_| RpcError::params("not a block hash"))?;
    node.chain
        .by_key(&key)
        .map(|t| t.height())
        .ok_or_else(|| RpcError::new(-32001, format!("block 0x{} not found", hex::encode(h))))
}

/// Parses a 256-bit word (a storage slot or value given as a quantity): big-endian, 32 bytes.
pub fn parse_word(v: &Value) -> RpcResult<[u8; 32]> {
    let (_, be) = parse_big(v)?.to_bytes_be();
    if be.len() > 32 {
        return Err(RpcError::params("a 256-bit word has at most 32 bytes"));
    }
    let mut w = [0u8; 32];
    w[32 - be.len()..].copy_from_slice(&be);
    Ok(w)
}

/// Ethereum names of actors at one tipset's state, which is loaded once, on the first lookup,
/// for all the lookups a view makes (a block's transactions, a tipset's logs).
pub struct EthNames<'a> {
    chain: &'a skyr_chain::Chain,
    height: i64,
    state: Option<Option<StateTree>>,
}

impl<'a> EthNames<'a> {
    /// The names at the state tipset `height` produced.
    pub fn at(node: &'a Node, height: i64) -> EthNames<'a> {
        EthNames {
            chain: &node.chain,
            height,
            state: None,
        }
    }

    fn state(&mut self) -> Option<&mut StateTree> {
        let (chain, height) = (self.chain, self.height);
        self.state
            .get_or_insert_with(|| chain.state_at(height).ok())
            .as_mut()
    }

    /// Actor `id`'s Ethereum address: its f410 address's payload, else its masked ID.
    pub fn of_id(&mut self, id: u64) -> [u8; 20] {
        self.state()
            .and_then(|st| st.get_actor(id).ok().flatten())
            .and_then(|a| a.delegated_address.as_ref().and_then(f410_payload))
            .unwrap_or_else(|| masked_id(id))
    }

    /// Any Filecoin address's Ethereum address; None when it names no actor.
    pub fn of(&mut self, a: &Address) -> Option<[u8; 20]> {
        if let Some(p) = f410_payload(a) {
            return Some(p);
        }
        let id = self.state()?.lookup_id(a).ok().flatten()?;
        Some(self.of_id(id))
    }
}

/// The Ethereum address a deployment created, from its receipt (`CreateExternalReturn`).
pub fn created_contract(m: &Message, r: &Receipt) -> Option<[u8; 20]> {
    if m.to != Address::new_id(ids::EAM) || m.method_num != CREATE_EXTERNAL {
        return None;
    }
    if !r.exit_code.is_success() {
        return None;
    }
    eam_created(r.return_data.bytes())
}

/// The Ethereum address an EAM create returned (its return is `[actor ID, robust address,
/// Ethereum address]`).
pub fn eam_created(ret: &[u8]) -> Option<[u8; 20]> {
    let (_id, _robust, eth): (u64, Option<Address>, serde_bytes::ByteBuf) =
        fvm_ipld_encoding::from_slice(ret).ok()?;
    eth.into_vec().try_into().ok()
}

/// A transaction's input: the unwrapped calldata or init code, or for other methods the ABI
/// call `handle_filecoin_method(uint64,uint64,bytes)` Lotus shows.
fn input_of(m: &Message) -> Vec<u8> {
    call_input(
        m.to == Address::new_id(ids::EAM),
        m.method_num,
        m.params.bytes(),
    )
}

/// A call's input as Lotus shows it: for InvokeContract (to anything but the EAM) and the
/// EAM's CreateExternal the CBOR byte string's contents, for other methods the ABI call
/// `handle_filecoin_method(uint64 method, uint64 codec, bytes params)`.
pub fn call_input(to_eam: bool, method: u64, params: &[u8]) -> Vec<u8> {
    if params.is_empty() {
        return Vec::new();
    }
    if (method == INVOKE_CONTRACT && !to_eam) || (to_eam && method == CREATE_EXTERNAL) {
        return crate::ethtx::cbor_bytes(params).unwrap_or_default();
    }
    let word = |n: u64| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&n.to_be_bytes());
        w
    };
    let p = params;
    let mut out = vec![0x86, 0x8e, 0x10, 0xc4];
    out.extend(word(method));
    out.extend(word(0x51));
    out.extend(word(96));
    out.extend(word(p.len() as u64));
    out.extend(p);
    out.resize(4 + 128 + p.len().div_ceil(32) * 32, 0);
    out
}

/// The block of tipset `t`, with transaction hashes or (`full`) objects.
pub fn block_json(node: &Node, t: &TipsetRecord, full: bool) -> Result<Value> {
    let parent_hash = match node.chain.at(t.height() - 1) {
        Some(p) => cid_digest(&p.key_cid),
        // A fork's first tipset: its parent is on the node's chain.
        None if !t.header.parents.is_empty() => {
            cid_digest(&skyr_chain::block::tipset_key_cid(&t.header.parents)?)
        }
        None => [0u8; 32],
    };
    let mut names = EthNames::at(node, t.height());
    let txs: Vec<Value> = (0..t.messages.len())
        .map(|i| {
            if full {
                tx_json(node, &mut names, t, i)
            } else {
                Ok(data(&node.eth_hash_of(&t.message_cids[i])))
            }
        })
        .collect::<Result<_>>()?;
    let gas_used: u64 = t.results.iter().map(|r| r.receipt.gas_used).sum();
    let empty_root = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
    Ok(json!({
        "hash": data(&cid_digest(&t.key_cid)),
        "parentHash": data(&parent_hash),
        "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
        "miner": data(&[0u8; 20]),
        "stateRoot": data(&[0u8; 32]),
        "transactionsRoot": if t.messages.is_empty() { Value::String(empty_root.into()) } else { data(&[0u8; 32]) },
        "receiptsRoot": data(&[0u8; 32]),
        "logsBloom": data(&[0xff; 256]),
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "number": qty(t.height() as u64),
        "gasLimit": qty(BLOCK_GAS_LIMIT),
        "gasUsed": qty(gas_used),
        "timestamp": qty(t.header.timestamp),
        "extraData": "0x",
        "mixHash": data(&[0u8; 32]),
        "nonce": "0x0000000000000000",
        "baseFeePerGas": qty_tokens(&t.header.parent_base_fee),
        "size": "0x0",
        "transactions": txs,
        "uncles": [],
    }))
}

/// The `(r, s, v)` of a message's signature, and whether it is a legacy transaction.
fn signature_parts(m: &ChainMessage) -> (Vec<u8>, Vec<u8>, u64, Option<u8>) {
    let zero = (vec![0u8; 32], vec![0u8; 32], 0, None);
    let ChainMessage::Signed(s) = m else {
        return zero;
    };
    if s.signature.sig_type != SigType::Delegated {
        return zero;
    }
    let d = &s.signature.data;
    match d.len() {
        65 => (d[..32].to_vec(), d[32..64].to_vec(), d[64] as u64, None),
        n if n > 65 && (d[0] == 1 || d[0] == 2) => {
            let mut v = 0u64;
            for b in &d[65..] {
                v = (v << 8) | *b as u64;
            }
            // A Homestead v is 27/28; an EIP-155 one carries the chain ID.
            (d[1..33].to_vec(), d[33..65].to_vec(), v, Some(0))
        }
        _ => zero,
    }
}

fn trim_word(w: &[u8]) -> Value {
    let first = w.iter().position(|b| *b != 0).unwrap_or(w.len());
    if first == w.len() {
        return Value::String("0x0".into());
    }
    Value::String(format!(
        "0x{}",
        hex::encode(&w[first..]).trim_start_matches('0')
    ))
}

/// Message `i` of tipset `t` as a transaction (`names` at `t`'s state).
pub fn tx_json(node: &Node, names: &mut EthNames, t: &TipsetRecord, i: usize) -> Result<Value> {
    let cm = &t.messages[i];
    let m = cm.message();
    let (r, s, v, legacy) = signature_parts(cm);
    let from = names.of(&m.from).unwrap_or([0u8; 20]);
    let to = if m.to == Address::new_id(ids::EAM) && m.method_num == CREATE_EXTERNAL {
        Value::Null
    } else {
        match names.of(&m.to) {
            Some(a) => data(&a),
            None => data(&[
                0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff,
            ]),
        }
    };
    let base_fee = &t.header.parent_base_fee;
    let effective = {
        let p = skyr_chain::basefee::effective_premium(&m.gas_fee_cap, &m.gas_premium, base_fee);
        base_fee + p
    };
    let mut tx = json!({
        "chainId": qty(node.chain_id),
        "nonce": qty(m.sequence),
        "hash": data(&node.eth_hash_of(&t.message_cids[i])),
        "blockHash": data(&cid_digest(&t.key_cid)),
        "blockNumber": qty(t.height() as u64),
        "transactionIndex": qty(i as u64),
        "from": data(&from),
        "to": to,
        "value": qty_tokens(&m.value),
        "input": data(&input_of(m)),
        "gas": qty(m.gas_limit),
        "accessList": [],
        "v": qty(v),
        "r": trim_word(&r),
        "s": trim_word(&s),
    });
    match legacy {
        Some(_) => {
            tx["type"] = qty(0);
            tx["gasPrice"] = qty_tokens(&m.gas_fee_cap);
        }
        None => {
            tx["type"] = qty(2);
            tx["maxFeePerGas"] = qty_tokens(&m.gas_fee_cap);
            tx["maxPriorityFeePerGas"] = qty_tokens(&m.gas_premium);
            tx["gasPrice"] = qty_tokens(&effective);
            tx["yParity"] = qty(v);
        }
    }
    Ok(tx)
}

/// One log of an EVM event: its address, topics and data, when the event is one (entries
/// t1..t4 of 32 raw bytes each, in order and without gaps, and at most one `d`).
pub fn evm_log(event: &skyr::shared::event::ActorEvent) -> Option<(Vec<[u8; 32]>, Vec<u8>)> {
    let mut topics: Vec<[u8; 32]> = Vec::new();
    let mut payload: Option<Vec<u8>> = None;
    for e in &event.entries {
        if e.codec != 0x55 {
            continue;
        }
        match e.key.as_str() {
            "t1" | "t2" | "t3" | "t4" => {
                let n = (e.key.as_bytes()[1] - b'0') as usize;
                if n != topics.len() + 1 {
                    return None;
                }
                topics.push(e.value.clone().try_into().ok()?);
            }
            "d" => {
                if payload.is_some() {
                    return None;
                }
                payload = Some(e.value.clone());
            }
            _ => {}
        }
    }
    if topics.is_empty() && payload.is_none() {
        return None;
    }
    Some((topics, payload.unwrap_or_default()))
}

/// A log of an EVM event, where it stands in its tipset.
pub struct EthLog {
    /// The index of the message that emitted it.
    pub message: usize,
    /// Its index among the tipset's logs.
    pub index: u64,
    /// The emitting contract.
    pub address: [u8; 20],
    /// Its topics.
    pub topics: Vec<[u8; 32]>,
    /// Its data.
    pub data: Vec<u8>,
}

impl EthLog {
    /// Its JSON, in tipset `t`.
    pub fn to_json(&self, node: &Node, t: &TipsetRecord) -> Value {
        json!({
            "address": data(&self.address),
            "topics": self.topics.iter().map(|t| data(t)).collect::<Vec<_>>(),
            "data": data(&self.data),
            "blockNumber": qty(t.height() as u64),
            "blockHash": data(&cid_digest(&t.key_cid)),
            "transactionHash": data(&node.eth_hash_of(&t.message_cids[self.message])),
            "transactionIndex": qty(self.message as u64),
            "logIndex": qty(self.index),
            "removed": false,
        })
    }
}

/// The logs of tipset `t`; log indices count within the tipset.
pub fn logs_of(names: &mut EthNames, t: &TipsetRecord) -> Vec<EthLog> {
    let mut out = Vec::new();
    for (message, r) in t.results.iter().enumerate() {
        for ev in &r.events {
            let Some((topics, payload)) = evm_log(&ev.event) else {
                continue;
            };
            out.push(EthLog {
                message,
                index: out.len() as u64,
                address: names.of_id(ev.emitter),
                topics,
                data: payload,
            });
        }
    }
    out
}

/// The 2048-bit bloom of some logs (three 11-bit indices of each address and topic).
pub fn bloom<'a>(logs: impl IntoIterator<Item = &'a EthLog>) -> Vec<u8> {
    let mut b = vec![0u8; 256];
    let mut add = |x: &[u8]| {
        let h = alloy_primitives::keccak256(x);
        for k in 0..3 {
            let bit = ((h[2 * k] as usize) << 8 | h[2 * k + 1] as usize) & 2047;
            b[255 - bit / 8] |= 1 << (bit % 8);
        }
    };
    for l in logs {
        add(&l.address);
        for t in &l.topics {
            add(t);
        }
    }
    b
}

/// The receipt of message `i` of tipset `t`.
pub fn receipt_json(node: &Node, t: &TipsetRecord, i: usize, cumulative: u64) -> Result<Value> {
    let m = t.messages[i].message();
    let r = &t.results[i];
    let mut names = EthNames::at(node, t.height());
    let logs: Vec<EthLog> = logs_of(&mut names, t)
        .into_iter()
        .filter(|l| l.message == i)
        .collect();
    let paid = &r.base_fee_burn + &r.miner_tip + &r.over_estimation_burn;
    let price = if r.receipt.gas_used == 0 {
        TokenAmount::default()
    } else {
        TokenAmount::from_atto(paid.atto() / r.receipt.gas_used)
    };
    let tx = tx_json(node, &mut names, t, i)?;
    Ok(json!({
        "transactionHash": tx["hash"],
        "transactionIndex": qty(i as u64),
        "blockHash": data(&cid_digest(&t.key_cid)),
        "blockNumber": qty(t.height() as u64),
        "from": tx["from"],
        "to": tx["to"],
        "root": data(&[0u8; 32]),
        "status": qty(r.receipt.exit_code.is_success() as u64),
        "contractAddress": match created_contract(m, &r.receipt) { Some(c) => data(&c), None => Value::Null },
        "cumulativeGasUsed": qty(cumulative),
        "gasUsed": qty(r.receipt.gas_used),
        "effectiveGasPrice": qty_tokens(&price),
        "logsBloom": data(&bloom(&logs)),
        "logs": logs.iter().map(|l| l.to_json(node, t)).collect::<Vec<_>>(),
        "type": tx["type"],
    }))
}
