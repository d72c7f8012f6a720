//! Explaining transactions. `skyr_traceTransaction` and `skyr_traceCall` answer what `skyr exec
//! --trace --gas-report` shows: the call tree with every Filecoin gas charge (as JSON and as the
//! same text), and the charges summed by name. `trace_transaction` and `trace_block` answer
//! Lotus's Parity-style traces: one entry per call, with its action, result, position in the
//! tree and block.
use serde_json::{json, Value};
use skyr::trace::CallNode;
use skyr_chain::block::cid_digest;
use skyr_chain::genesis::ids;
use skyr_chain::TipsetRecord;
use skyr_vectors::explain::{actor_names, GasReport, MessageTrace};

use super::{call_object, resolve, state_height, tipset, Params};
use crate::error::{RpcError, RpcResult};
use crate::ethtx::INVOKE_CONTRACT;
use crate::node::Node;
use crate::views::*;

/// The EAM's methods that deploy (Create, Create2, CreateExternal).
const EAM_CREATES: [u64; 3] = [2, 3, 4];
/// The EVM actor's `InvokeContractDelegate` (DELEGATECALL).
const INVOKE_DELEGATE: u64 = 3;
/// Init's `Exec4` and every actor's constructor: the plumbing of a deployment.
const EXEC4: u64 = 3;
const CONSTRUCTOR: u64 = 1;
/// The codec of raw bytes.
const IPLD_RAW: u64 = 0x55;
/// The EVM actor's revert exit code.
const EVM_REVERTED: u32 = 33;

/// Answers a `skyr_*` or `trace_*` method.
pub(super) fn dispatch(node: &mut Node, name: &str, p: &Params) -> RpcResult {
    match name {
        "skyr_traceTransaction" => {
            let (t, i) = mined(node, p.need(0, "transaction hash")?)?;
            let every_charge = options(p.get(1))?;
            let mut ret = node.chain.replay(t.height(), i)?;
            explained(node, t.messages[i].message(), &mut ret, every_charge)
        }
        "skyr_traceCall" => {
            let c = call_object(p.need(0, "transaction")?)?;
            let h = state_height(node, p.get(1))?;
            let every_charge = options(p.get(2))?;
            let msg = Node::call_message(c.from, c.to, c.value, &c.input)?;
            let mut ret = node.apply_call(h, msg.clone(), true)?;
            explained(node, &msg, &mut ret, every_charge)
        }
        "trace_transaction" => {
            let (t, i) = mined(node, p.need(0, "transaction hash")?)?;
            let mut ret = node.chain.replay(t.height(), i)?;
            Ok(Value::Array(parity(node, t, i, &mut ret)?))
        }
        "trace_block" => {
            let Some(t) = tipset(node, resolve(node, Some(p.need(0, "block")?))?) else {
                return Ok(Value::Null);
            };
            let mut out = Vec::new();
            let rets = node.chain.replay_first(t.height(), t.messages.len())?;
            for (i, mut ret) in rets.into_iter().enumerate() {
                out.extend(parity(node, t, i, &mut ret)?);
            }
            Ok(Value::Array(out))
        }
        _ => Err(RpcError::no_method(name)),
    }
}

/// The tipset and index of a mined transaction.
fn mined<'a>(node: &'a Node, v: &Value) -> RpcResult<(&'a TipsetRecord, usize)> {
    let h = parse_hash(v)?;
    node.cid_of_eth_hash(&h)
        .and_then(|cid| node.chain.find_message(&cid))
        .ok_or_else(|| RpcError::rejected(format!("transaction 0x{} is not mined", hex::encode(h))))
}

/// `{"charges": true}` lists every charge in the text, not their sums by name.
fn options(v: Option<&Value>) -> RpcResult<bool> {
    match v {
        None => Ok(false),
        Some(Value::Object(o)) => Ok(o.get("charges").and_then(Value::as_bool).unwrap_or(false)),
        Some(_) => Err(RpcError::params(
            "trace options are an object: {\"charges\": bool}",
        )),
    }
}

fn explained(
    node: &Node,
    msg: &skyr::shared::message::Message,
    ret: &mut skyr::ApplyRet,
    every_charge: bool,
) -> RpcResult {
    let names = actor_names(node.chain.manifest());
    let trace = MessageTrace::new(&names, "devnet", 0, msg, ret)?;
    let mut report = GasReport::default();
    report.add(&trace);
    Ok(json!({
        "exit_code": ret.receipt.exit_code.value(),
        "gas_used": ret.receipt.gas_used,
        "trace": trace.to_json(),
        "text": trace.tree_text(skyr_vectors::TextStyle { every_charge, atto: false }),
        "gas_report": report.to_json(),
    }))
}

/// The Parity-style traces of message `i` of tipset `t`, replayed as `ret`.
fn parity(
    node: &Node,
    t: &TipsetRecord,
    i: usize,
    ret: &mut skyr::ApplyRet,
) -> RpcResult<Vec<Value>> {
    let tree = skyr::trace::CallTree::build(&ret.trace)
        .map_err(|e| RpcError::internal(format!("the trace does not nest: {e}")))?;
    let Some(root) = tree.root else {
        return Ok(Vec::new());
    };
    let mut names = EthNames::at(node, t.height());
    let mut out = Vec::new();
    let mut ctx = Walk {
        node,
        names: &mut names,
        out: &mut out,
        root_gas: t.messages[i].message().gas_limit,
    };
    ctx.walk(&root, Vec::new());
    let block = json!({
        "blockHash": data(&cid_digest(&t.key_cid)),
        "blockNumber": t.height(),
        "transactionHash": data(&node.eth_hash_of(&t.message_cids[i])),
        "transactionPosition": i,
    });
    for v in &mut out {
        if let (Some(o), Some(b)) = (v.as_object_mut(), block.as_object()) {
            o.extend(b.clone());
        }
    }
    Ok(out)
}

struct Walk<'a, 'b> {
    node: &'a Node,
    names: &'b mut EthNames<'a>,
    out: &'b mut Vec<Value>,
    /// The message's gas limit (the top call sets none of its own).
    root_gas: u64,
}

impl Walk<'_, '_> {
    fn is_evm(&self, call: &CallNode) -> bool {
        call.receiver
            .is_some_and(|(_, code)| self.node.is_evm(&code))
    }

    /// A deployment's plumbing: the EAM's call to init and init's to the new actor's
    /// constructor. Their calls belong to the deployment.
    fn is_plumbing(parent_create: bool, call: &CallNode) -> bool {
        parent_create
            && ((call.method == EXEC4 && call.receiver.map(|r| r.0) == Some(ids::INIT))
                || call.method == CONSTRUCTOR)
    }

    /// The calls a trace lists under `call`: its own, with plumbing lifted through.
    fn children<'c>(call: &'c CallNode, create: bool, out: &mut Vec<&'c CallNode>) {
        for c in &call.calls {
            if Self::is_plumbing(create, c) {
                Self::children(c, true, out);
            } else {
                out.push(c);
            }
        }
    }

    fn walk(&mut self, call: &CallNode, address: Vec<usize>) {
        let to_eam = call.receiver.map(|r| r.0) == Some(ids::EAM);
        let create = to_eam && EAM_CREATES.contains(&call.method);
        let mut children = Vec::new();
        Self::children(call, create, &mut children);
        let from = self.names.of_id(call.from);
        let to = match call.receiver {
            Some((id, _)) => self.names.of_id(id),
            None => self.names.of(&call.to).unwrap_or([0u8; 20]),
        };
        let gas = match (call.gas_limit, address.is_empty()) {
            (Some(g), _) => g.round_up().max(0) as u64,
            (None, true) => self.root_gas,
            (None, false) => 0,
        };
        let gas_used = call.gas_inclusive().round_up();
        let mut entry = if create {
            let init = match call.method {
                4 => call_input(true, call.method, &call.params),
                // Create and Create2: (init code, nonce or salt).
                _ => {
                    fvm_ipld_encoding::from_slice::<(serde_bytes::ByteBuf, serde::de::IgnoredAny)>(
                        &call.params,
                    )
                    .map(|(code, _)| code.into_vec())
                    .unwrap_or_default()
                }
            };
            let address = eam_created(&call.return_data).map(|eth| data(&eth));
            json!({
                "type": "create",
                "action": {"from": data(&from), "gas": qty(gas), "value": qty_tokens(&call.value), "init": data(&init)},
                "result": {"address": address, "gasUsed": qty(gas_used as u64), "code": "0x"},
            })
        } else {
            let evm = self.is_evm(call);
            let call_type = if call.read_only {
                "staticcall"
            } else if evm && call.method == INVOKE_DELEGATE {
                "delegatecall"
            } else {
                "call"
            };
            let input = if call.params_codec == IPLD_RAW {
                // EVM to EVM calls carry the calldata raw.
                call.params.clone()
            } else if evm && call.method == INVOKE_DELEGATE {
                fvm_ipld_encoding::from_slice::<(serde::de::IgnoredAny, serde_bytes::ByteBuf)>(
                    &call.params,
                )
                .map(|(_, b)| b.into_vec())
                .unwrap_or_default()
            } else {
                call_input(to_eam, call.method, &call.params)
            };
            let output =
                if call.method == INVOKE_CONTRACT || (evm && call.method == INVOKE_DELEGATE) {
                    crate::ethtx::cbor_bytes(&call.return_data).unwrap_or_default()
                } else {
                    call.return_data.clone()
                };
            json!({
                "type": "call",
                "action": {"callType": call_type, "from": data(&from), "to": data(&to), "gas": qty(gas),
                           "value": qty_tokens(&call.value), "input": data(&input)},
                "result": {"gasUsed": qty(gas_used as u64), "output": data(&output)},
            })
        };
        entry["subtraces"] = json!(children.len());
        entry["traceAddress"] = json!(address);
        match (call.exit_code, &call.error) {
            (Some(c), _) if c.is_success() => {}
            (Some(c), _) if c.value() == EVM_REVERTED => entry["error"] = json!("Reverted"),
            (Some(c), _) => entry["error"] = json!(format!("exit code {}", c.value())),
            (None, e) => entry["error"] = json!(e.clone().unwrap_or_else(|| "failed".into())),
        }
        if entry.get("error").is_some() {
            entry["result"] = Value::Null;
        }
        self.out.push(entry);
        for (k, c) in children.into_iter().enumerate() {
            let mut a = address.clone();
            a.push(k);
            self.walk(c, a);
        }
    }
}
