//! Filecoin's JSON, as Lotus's API writes and reads it: CIDs as `{"/": "bafy…"}`, big
//! integers as decimal strings, bytes as base64, addresses as strings, and the capitalised
//! field names of messages, signatures, block headers, tipsets, receipts and actors.
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cid::Cid;
use fvm_ipld_encoding::RawBytes;
use serde_json::{json, Value};
use skyr::shared::address::{Address, Network};
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr::shared::receipt::Receipt;
use skyr::state_tree::ActorState;
use skyr_chain::block::BlockHeader;
use skyr_chain::message::{ChainSignature, SigType};
use skyr_chain::{ChainMessage, SignedMessage, TipsetRecord};

use crate::error::{RpcError, RpcResult};

/// A CID.
pub fn cid(c: &Cid) -> Value {
    json!({"/": c.to_string()})
}

/// Bytes, base64.
pub fn bytes(b: &[u8]) -> Value {
    json!(B64.encode(b))
}

/// attoFIL, decimal.
pub fn tokens(t: &TokenAmount) -> Value {
    json!(t.atto().to_string())
}

/// An address, as Lotus prints it.
pub fn address(a: &Address) -> Value {
    json!(a.to_string())
}

/// Reads a CID (`{"/": …}` or a bare string).
pub fn parse_cid(v: &Value) -> RpcResult<Cid> {
    let s = v
        .get("/")
        .and_then(Value::as_str)
        .or_else(|| v.as_str())
        .ok_or_else(|| RpcError::params(format!("expected a CID {{\"/\": …}}, got {v:.80}")))?;
    s.parse()
        .map_err(|e| RpcError::params(format!("not a CID: {s:.80}: {e}")))
}

/// Reads an address (`f…` or `t…`).
pub fn parse_address(v: &Value) -> RpcResult<Address> {
    let s = v
        .as_str()
        .ok_or_else(|| RpcError::params(format!("expected an address, got {v:.80}")))?;
    Network::Mainnet
        .parse_address(s)
        .or_else(|_| Network::Testnet.parse_address(s))
        .map_err(|e| RpcError::params(format!("not a Filecoin address: {s:.80}: {e}")))
}

fn parse_tokens(v: Option<&Value>, what: &str) -> RpcResult<TokenAmount> {
    match v {
        None | Some(Value::Null) => Ok(TokenAmount::default()),
        Some(v) => {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(RpcError::params(format!("{what}: a decimal string"))),
            };
            let n: skyr::shared::bigint::BigInt = s
                .parse()
                .map_err(|_| RpcError::params(format!("{what}: not a decimal number: {s:.80}")))?;
            if n.sign() == skyr::shared::bigint::Sign::Minus {
                return Err(RpcError::params(format!("{what} is negative")));
            }
            Ok(TokenAmount::from_atto(n))
        }
    }
}

fn parse_u64_field(o: &serde_json::Map<String, Value>, k: &str) -> RpcResult<u64> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| RpcError::params(format!("{k}: a non-negative integer"))),
    }
}

/// Reads base64 bytes.
pub fn parse_b64(v: &Value) -> RpcResult<Vec<u8>> {
    parse_bytes(Some(v), "data")
}

fn parse_bytes(v: Option<&Value>, what: &str) -> RpcResult<Vec<u8>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => B64
            .decode(s)
            .map_err(|e| RpcError::params(format!("{what}: not base64: {e}"))),
        Some(_) => Err(RpcError::params(format!("{what}: base64 bytes"))),
    }
}

/// A message.
pub fn message(m: &Message) -> Value {
    json!({
        "Version": m.version,
        "To": address(&m.to),
        "From": address(&m.from),
        "Nonce": m.sequence,
        "Value": tokens(&m.value),
        "GasLimit": m.gas_limit,
        "GasFeeCap": tokens(&m.gas_fee_cap),
        "GasPremium": tokens(&m.gas_premium),
        "Method": m.method_num,
        "Params": if m.params.bytes().is_empty() { Value::Null } else { bytes(m.params.bytes()) },
        "CID": ChainMessage::Unsigned(m.clone()).cid().map(|c| cid(&c)).unwrap_or(Value::Null),
    })
}

/// Reads a message.
pub fn parse_message(v: &Value) -> RpcResult<Message> {
    let o = v
        .as_object()
        .ok_or_else(|| RpcError::params("a message is an object"))?;
    let need = |k: &str| {
        o.get(k)
            .filter(|v| !v.is_null())
            .ok_or_else(|| RpcError::params(format!("a message needs {k}")))
    };
    Ok(Message {
        version: parse_u64_field(o, "Version")?,
        to: parse_address(need("To")?)?,
        from: parse_address(need("From")?)?,
        sequence: parse_u64_field(o, "Nonce")?,
        value: parse_tokens(o.get("Value"), "Value")?,
        method_num: parse_u64_field(o, "Method")?,
        params: RawBytes::new(parse_bytes(o.get("Params"), "Params")?),
        gas_limit: parse_u64_field(o, "GasLimit")?,
        gas_fee_cap: parse_tokens(o.get("GasFeeCap"), "GasFeeCap")?,
        gas_premium: parse_tokens(o.get("GasPremium"), "GasPremium")?,
    })
}

/// A signature.
pub fn signature(s: &ChainSignature) -> Value {
    json!({"Type": s.sig_type as u8, "Data": bytes(&s.data)})
}

/// A signed message.
pub fn signed_message(sm: &SignedMessage) -> Value {
    let c = ChainMessage::Signed(sm.clone()).cid().ok();
    json!({
        "Message": message(&sm.message),
        "Signature": signature(&sm.signature),
        "CID": c.map(|c| cid(&c)).unwrap_or(Value::Null),
    })
}

/// Reads a signed message.
pub fn parse_signed_message(v: &Value) -> RpcResult<SignedMessage> {
    let message = parse_message(
        v.get("Message")
            .ok_or_else(|| RpcError::params("a signed message needs Message"))?,
    )?;
    let sig = v
        .get("Signature")
        .and_then(Value::as_object)
        .ok_or_else(|| RpcError::params("a signed message needs Signature {Type, Data}"))?;
    let sig_type = match sig.get("Type").and_then(Value::as_u64) {
        Some(1) => SigType::Secp256k1,
        Some(2) => SigType::Bls,
        Some(3) => SigType::Delegated,
        other => {
            return Err(RpcError::params(format!(
                "signature type {other:?}: 1 (secp256k1), 2 (BLS) or 3 (delegated)"
            )))
        }
    };
    Ok(SignedMessage {
        message,
        signature: ChainSignature {
            sig_type,
            data: parse_bytes(sig.get("Data"), "Signature.Data")?,
        },
    })
}

/// A chain message as Lotus lists a block's: signed ones as signed messages.
pub fn chain_message(m: &ChainMessage) -> Value {
    match m {
        ChainMessage::Unsigned(m) => message(m),
        ChainMessage::Signed(sm) => signed_message(sm),
    }
}

/// A block header.
pub fn header(h: &BlockHeader) -> Value {
    json!({
        "Miner": address(&h.miner),
        "Ticket": h.ticket.as_ref().map(|t| json!({"VRFProof": bytes(&t.vrf_proof)})),
        "ElectionProof": h.election_proof.as_ref().map(|e| json!({"WinCount": e.win_count, "VRFProof": bytes(&e.vrf_proof)})),
        "BeaconEntries": h.beacon_entries.iter().map(|b| json!({"Round": b.round, "Data": bytes(&b.data)})).collect::<Vec<_>>(),
        "WinPoStProof": h.win_post_proof.iter().map(|p| json!({"PoStProof": p.post_proof, "ProofBytes": bytes(&p.proof_bytes)})).collect::<Vec<_>>(),
        "Parents": h.parents.iter().map(cid).collect::<Vec<_>>(),
        "ParentWeight": h.parent_weight.to_string(),
        "Height": h.height,
        "ParentStateRoot": cid(&h.parent_state_root),
        "ParentMessageReceipts": cid(&h.parent_message_receipts),
        "Messages": cid(&h.messages),
        "BLSAggregate": h.bls_aggregate.as_ref().map(signature),
        "Timestamp": h.timestamp,
        "BlockSig": h.block_sig.as_ref().map(signature),
        "ForkSignaling": h.fork_signaling,
        "ParentBaseFee": tokens(&h.parent_base_fee),
    })
}

/// A tipset.
pub fn tipset(t: &TipsetRecord) -> Value {
    let blocks = std::iter::once(&t.header).chain(t.siblings.iter().map(|(_, h)| h));
    json!({
        "Cids": t.block_cids().iter().map(cid).collect::<Vec<_>>(),
        "Blocks": blocks.map(header).collect::<Vec<_>>(),
        "Height": t.height(),
    })
}

/// A receipt.
pub fn receipt(r: &Receipt) -> Value {
    json!({
        "ExitCode": r.exit_code.value(),
        "Return": bytes(r.return_data.bytes()),
        "GasUsed": r.gas_used,
        "EventsRoot": r.events_root.as_ref().map(cid),
    })
}

/// An actor.
pub fn actor(a: &ActorState) -> Value {
    json!({
        "Code": cid(&a.code),
        "Head": cid(&a.state),
        "Nonce": a.sequence,
        "Balance": tokens(&a.balance),
        "DelegatedAddress": a.delegated_address.as_ref().map(address),
    })
}
