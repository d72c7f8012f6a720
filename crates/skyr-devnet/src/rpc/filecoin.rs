//! Filecoin's own methods (`Filecoin.*`), for Filecoin tools, in Lotus's JSON: the chain
//! (head, tipsets, blocks and their messages and receipts, raw objects), state (actors,
//! addresses, calls, message lookups), the pool (nonces, `MpoolPush` with its signature
//! checked) and gas estimates.
//!
//! One difference from Lotus, said where it matters: the devnet executes a tipset as it mines
//! it, so a tipset key names the state *after* that tipset (Lotus, which executes a tipset when
//! the next one is built, names its parent's state), and a message lookup answers the tipset
//! that includes the message.
use serde_json::{json, Value};
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr_chain::{ChainMessage, TipsetRecord};

use super::Params;
use crate::error::{RpcError, RpcResult};
use crate::ethtx::{eth_to_filecoin, f410_payload, masked_id};
use crate::filjson::*;
use crate::node::Node;

/// The API version Lotus's v1 API reports (2.3.0).
const API_VERSION: u64 = 0x0002_0300;
/// The error code a `StateWaitMsg` on a pending message answers with, before the server waits
/// for blocks and asks again.
pub const NOT_YET: i64 = -32099;

/// A tipset key parameter: null or `[]` is the head; otherwise the tipset of those blocks.
fn tipset_of<'a>(node: &'a Node, v: Option<&Value>) -> RpcResult<&'a TipsetRecord> {
    let head = node.chain.head();
    let keys = match v {
        None | Some(Value::Null) => return Ok(head),
        Some(Value::Array(a)) if a.is_empty() => return Ok(head),
        Some(Value::Array(a)) => a.iter().map(parse_cid).collect::<RpcResult<Vec<_>>>()?,
        Some(_) => return Err(RpcError::params("a tipset key is a list of block CIDs")),
    };
    let key = skyr_chain::block::tipset_key_cid(&keys)
        .map_err(|e| RpcError::params(format!("a tipset key: {e}")))?;
    node.chain
        .by_key(&key)
        .ok_or_else(|| RpcError::rejected("no tipset has that key"))
}

/// The tipset holding block `c` as a member.
fn block_tipset<'a>(node: &'a Node, c: &cid::Cid) -> RpcResult<&'a TipsetRecord> {
    node.chain
        .by_block(c)
        .ok_or_else(|| RpcError::rejected(format!("block {c} not found")))
}

/// Answers a `Filecoin.*` method (its name without the prefix).
pub(super) fn dispatch(node: &mut Node, name: &str, p: &Params) -> RpcResult {
    match name {
        "Version" => Ok(json!({
            "Version": format!("skyr-devnet/{}", env!("CARGO_PKG_VERSION")),
            "APIVersion": API_VERSION,
            "BlockDelay": node.chain.config().block_delay,
            "Agent": "skyr-devnet",
        })),
        "StateNetworkName" => Ok(json!("skyr-devnet")),
        "StateNetworkVersion" => {
            tipset_of(node, p.get(0))?;
            Ok(json!(u32::from(node.chain.network_version())))
        }
        "StateGetNetworkParams" => Ok(json!({
            "NetworkName": "skyr-devnet",
            "BlockDelaySecs": node.chain.config().block_delay,
            "Eip155ChainID": node.chain_id,
            "GenesisTimestamp": node.chain.at(0).map(|t| t.header.timestamp),
            "ForkUpgradeParams": {},
        })),
        "StateVMCirculatingSupplyInternal" => {
            tipset_of(node, p.get(0))?;
            let zero = tokens(&TokenAmount::default());
            Ok(json!({
                "FilVested": zero,
                "FilMined": zero,
                "FilBurnt": zero,
                "FilLocked": zero,
                "FilCirculating": tokens(&node.chain.circulating_supply()),
                "FilReserveDisbursed": zero,
            }))
        }
        "StateGetRandomnessDigestFromTickets" | "StateGetRandomnessDigestFromBeacon" => {
            let epoch = p
                .need(0, "epoch")?
                .as_i64()
                .ok_or_else(|| RpcError::params("an epoch is an integer"))?;
            let top = tipset_of(node, p.get(1))?.height();
            if epoch > top {
                return Err(RpcError::rejected(format!(
                    "cannot draw randomness from the future: {epoch} > {top}"
                )));
            }
            let digest = if name.ends_with("Beacon") {
                node.chain.beacon_digest(epoch)
            } else {
                node.chain.ticket_digest(epoch)
            };
            Ok(bytes(&digest.map_err(|e| {
                RpcError::internal(format!("randomness at {epoch}: {e:#}"))
            })?))
        }
        "ChainHead" => Ok(tipset(node.chain.head())),
        // A forked devnet holds no genesis (it starts at the node's tipset): null.
        "ChainGetGenesis" => Ok(node.chain.at(0).map(tipset).unwrap_or(Value::Null)),
        "ChainGetTipSet" => Ok(tipset(tipset_of(node, Some(p.need(0, "tipset key")?))?)),
        "ChainGetTipSetByHeight" => {
            let h = p
                .need(0, "epoch")?
                .as_i64()
                .ok_or_else(|| RpcError::params("an epoch is an integer"))?;
            let top = tipset_of(node, p.get(1))?.height();
            if h < 0 || h > top {
                return Err(RpcError::rejected(format!(
                    "looking for tipset with height greater than start point: {h} > {top}"
                )));
            }
            Ok(node.chain.at(h).map(tipset).unwrap_or(Value::Null))
        }
        "ChainGetBlock" => {
            let c = parse_cid(p.need(0, "block CID")?)?;
            Ok(header(&block_tipset(node, &c)?.header))
        }
        "ChainGetBlockMessages" => {
            let c = parse_cid(p.need(0, "block CID")?)?;
            let t = block_tipset(node, &c)?;
            let mut bls = Vec::new();
            let mut secp = Vec::new();
            for m in &t.messages {
                match m {
                    ChainMessage::Unsigned(m) => bls.push(message(m)),
                    ChainMessage::Signed(sm) => secp.push(signed_message(sm)),
                }
            }
            Ok(json!({
                "BlsMessages": bls,
                "SecpkMessages": secp,
                "Cids": t.message_cids.iter().map(cid).collect::<Vec<_>>(),
            }))
        }
        "ChainGetParentMessages" | "ChainGetParentReceipts" => {
            let c = parse_cid(p.need(0, "block CID")?)?;
            let t = block_tipset(node, &c)?;
            let Some(parent) = node.chain.at(t.height() - 1) else {
                return Ok(json!([]));
            };
            Ok(Value::Array(if name == "ChainGetParentMessages" {
                parent
                    .messages
                    .iter()
                    .zip(&parent.message_cids)
                    .map(|(m, c)| json!({"Cid": cid(c), "Message": message(m.message())}))
                    .collect()
            } else {
                parent.results.iter().map(|r| receipt(&r.receipt)).collect()
            }))
        }
        "ChainGetMessage" => {
            let c = parse_cid(p.need(0, "message CID")?)?;
            if let Some((t, i)) = node.chain.find_message(&c) {
                return Ok(message(t.messages[i].message()));
            }
            let bytes = node
                .chain
                .store()
                .get(&c)?
                .ok_or_else(|| RpcError::rejected(format!("message {c} not found")))?;
            let m = ChainMessage::decode(&bytes)
                .map_err(|_| RpcError::rejected(format!("{c} is not a message")))?;
            Ok(message(m.message()))
        }
        "ChainReadObj" => {
            let c = parse_cid(p.need(0, "CID")?)?;
            let b =
                node.chain.store().get(&c)?.ok_or_else(|| {
                    RpcError::rejected(format!("blockstore: block not found: {c}"))
                })?;
            Ok(bytes(&b))
        }
        "ChainHasObj" => {
            let c = parse_cid(p.need(0, "CID")?)?;
            Ok(json!(node.chain.store().has(&c)?))
        }
        "StateGetActor" => {
            let a = parse_address(p.need(0, "address")?)?;
            let t = tipset_of(node, p.get(1))?;
            match node.chain.actor_at(t.height(), &a)? {
                Some((_, a)) => Ok(actor(&a)),
                None => Err(RpcError::rejected(format!("actor not found: {a}"))),
            }
        }
        "StateLookupID" => {
            let a = parse_address(p.need(0, "address")?)?;
            let t = tipset_of(node, p.get(1))?;
            match node.chain.actor_at(t.height(), &a)? {
                Some((id, _)) => Ok(address(&Address::new_id(id))),
                None => Err(RpcError::rejected(format!("actor not found: {a}"))),
            }
        }
        "StateAccountKey" | "StateLookupRobustAddress" => {
            let a = parse_address(p.need(0, "address")?)?;
            let t = tipset_of(node, p.get(1))?;
            match node.key_address(t.height(), &a)? {
                Some(k) => Ok(address(&k)),
                None => Err(RpcError::rejected(format!("no robust address for {a}"))),
            }
        }
        "WalletBalance" => {
            let a = parse_address(p.need(0, "address")?)?;
            let h = node.chain.head().height();
            Ok(tokens(
                &node
                    .chain
                    .actor_at(h, &a)?
                    .map(|(_, a)| a.balance)
                    .unwrap_or_default(),
            ))
        }
        "MpoolGetNonce" => {
            let a = parse_address(p.need(0, "address")?)?;
            Ok(json!(node.next_nonce(&a)?))
        }
        "MpoolPending" => Ok(Value::Array(
            node.pool
                .iter()
                .map(|p| chain_message(&p.message))
                .collect(),
        )),
        "MpoolPush" => {
            let sm = parse_signed_message(p.need(0, "signed message")?)?;
            Ok(cid(&node.push_signed(sm)?))
        }
        "StateCall" => {
            let mut m = parse_message(p.need(0, "message")?)?;
            // As Lotus: a call with no gas limit gets the block's.
            if m.gas_limit == 0 {
                m.gas_limit = skyr_chain::BLOCK_GAS_LIMIT;
            }
            let t = tipset_of(node, p.get(1))?;
            let h = t.height();
            let ret = node.apply_call(h, m.clone(), false)?;
            let msg_cid = ChainMessage::Unsigned(m.clone()).cid()?;
            Ok(json!({
                "MsgCid": cid(&msg_cid),
                "Msg": message(&m),
                "MsgRct": receipt(&ret.receipt),
                "GasCost": {
                    "Message": cid(&msg_cid),
                    "GasUsed": ret.receipt.gas_used.to_string(),
                    "BaseFeeBurn": tokens(&ret.base_fee_burn),
                    "OverEstimationBurn": tokens(&ret.over_estimation_burn),
                    "MinerPenalty": tokens(&ret.miner_penalty),
                    "MinerTip": tokens(&ret.miner_tip),
                    "Refund": tokens(&ret.refund),
                    "TotalCost": tokens(&(&ret.base_fee_burn + &ret.over_estimation_burn + &ret.miner_tip)),
                },
                "ExecutionTrace": Value::Null,
                "Error": ret.failure.clone().unwrap_or_default(),
                "Duration": 0,
            }))
        }
        "StateSearchMsg" | "StateWaitMsg" => {
            // StateSearchMsg is [tsk, cid, limit, replaced] in v1 (and [cid] in v0);
            // StateWaitMsg is [cid, confidence, limit, replaced].
            let c = match (name, p.get(0)) {
                ("StateSearchMsg", Some(Value::Array(_)) | None) => {
                    parse_cid(p.need(1, "message CID")?)?
                }
                _ => parse_cid(p.need(0, "message CID")?)?,
            };
            match lookup(node, &c) {
                Some(v) => Ok(v),
                None if name == "StateWaitMsg" => {
                    if node.pool.iter().any(|pe| pe.message.cid().ok() == Some(c)) {
                        Err(RpcError::new(NOT_YET, format!("message {c} is pending")))
                    } else {
                        Err(RpcError::rejected(format!(
                            "message {c} is neither mined nor pending"
                        )))
                    }
                }
                None => Ok(Value::Null),
            }
        }
        "GasEstimateMessageGas" => {
            let mut m = parse_message(p.need(0, "message")?)?;
            fill_gas(node, &mut m)?;
            Ok(message(&m))
        }
        "ChainGetEvents" => {
            let root = parse_cid(p.need(0, "events root")?)?;
            events(node, &root)
        }
        "WalletList" => Ok(Value::Array(
            node.keys
                .iter()
                .filter_map(|k| k.filecoin_address().ok())
                .map(|a| address(&a))
                .collect(),
        )),
        "WalletDefaultAddress" => Ok(node
            .keys
            .first()
            .and_then(|k| k.filecoin_address().ok())
            .map(|a| address(&a))
            .unwrap_or(Value::Null)),
        "WalletSign" => {
            let a = parse_address(p.need(0, "address")?)?;
            let key = wallet_key(node, &a)?;
            let data = parse_b64(p.need(1, "data (base64)")?)?;
            Ok(json!({"Type": 1, "Data": bytes(&key.sign_filecoin(&data)?)}))
        }
        "MpoolPushMessage" => {
            let mut m = parse_message(p.need(0, "message")?)?;
            let key = wallet_key(node, &m.from)?;
            m.sequence = node.next_nonce(&m.from)?;
            fill_gas(node, &mut m)?;
            let unsigned = ChainMessage::Unsigned(m.clone()).cid()?;
            let sm = skyr_chain::SignedMessage {
                message: m,
                signature: skyr_chain::ChainSignature {
                    sig_type: skyr_chain::message::SigType::Secp256k1,
                    data: key.sign_filecoin(&unsigned.to_bytes())?,
                },
            };
            node.push_signed(sm.clone())?;
            Ok(signed_message(&sm))
        }
        "EthAddressToFilecoinAddress" => {
            let a = crate::views::parse_address(p.need(0, "Ethereum address")?)?;
            Ok(address(&eth_to_filecoin(&a)))
        }
        "FilecoinAddressToEthAddress" => {
            let a = parse_address(p.need(0, "address")?)?;
            if let Some(eth) = f410_payload(&a) {
                return Ok(crate::views::data(&eth));
            }
            if let Ok(id) = a.id() {
                return Ok(crate::views::data(&masked_id(id)));
            }
            // A key address: its actor's ID, masked.
            match node.chain.actor_at(node.chain.head().height(), &a)? {
                Some((id, _)) => Ok(crate::views::data(&masked_id(id))),
                None => Err(RpcError::rejected(format!(
                    "{a} has no actor, so no Ethereum address"
                ))),
            }
        }
        "EthGetMessageCidByTransactionHash" => {
            let h = crate::views::parse_hash(p.need(0, "transaction hash")?)?;
            Ok(node
                .cid_of_eth_hash(&h)
                .map(|c| cid(&c))
                .unwrap_or(Value::Null))
        }
        "EthGetTransactionHashByCid" => {
            let c = parse_cid(p.need(0, "message CID")?)?;
            if node.chain.find_message(&c).is_none()
                && !node.pool.iter().any(|pe| pe.message.cid().ok() == Some(c))
            {
                return Ok(Value::Null);
            }
            Ok(crate::views::data(&node.eth_hash_of(&c)))
        }
        _ => Err(RpcError::no_method(name)),
    }
}

/// Fills a message's gas fields left at zero, as Lotus's estimator does: the limit by
/// `eth_estimateGas`'s algorithm, the premium at the devnet's, the fee cap at twice the next
/// base fee plus the premium.
fn fill_gas(node: &Node, m: &mut skyr::shared::message::Message) -> RpcResult<()> {
    if m.gas_limit == 0 {
        m.gas_limit = node.estimate_gas(m.clone())?;
    }
    if m.gas_premium.is_zero() {
        m.gas_premium = TokenAmount::from_atto(super::PRIORITY_FEE);
    }
    if m.gas_fee_cap.is_zero() {
        m.gas_fee_cap = node.chain.next_base_fee() * 2 + &m.gas_premium;
    }
    Ok(())
}

/// The dev key whose f1 account `a` names (the devnet's wallet holds the dev keys only).
fn wallet_key(node: &Node, a: &Address) -> RpcResult<crate::accounts::DevKey> {
    let h = node.chain.head().height();
    let key_addr = node.key_address(h, a)?;
    node.keys
        .iter()
        .find(|k| k.filecoin_address().ok() == key_addr)
        .cloned()
        .ok_or_else(|| {
            RpcError::rejected(format!(
                "the wallet has no key for {a}: it holds the dev keys' f1 accounts"
            ))
        })
}

/// The events of a receipt's events root, in Lotus's JSON.
fn events(node: &Node, root: &cid::Cid) -> RpcResult {
    let store = skyr_chain::store::StoreRef(node.chain.store().clone());
    let amt: fvm_ipld_amt::Amt<skyr::shared::event::StampedEvent, _> =
        fvm_ipld_amt::Amt::load(root, store)
            .map_err(|e| RpcError::rejected(format!("no events under {root}: {e}")))?;
    let mut out = Vec::new();
    amt.for_each(|_, ev| {
        out.push(json!({
            "Emitter": ev.emitter,
            "Entries": ev.event.entries.iter().map(|e| json!({
                "Flags": e.flags.bits(),
                "Key": e.key,
                "Codec": e.codec,
                "Value": bytes(&e.value),
            })).collect::<Vec<_>>(),
        }));
        Ok(())
    })
    .map_err(|e| RpcError::internal(format!("reading events: {e}")))?;
    Ok(Value::Array(out))
}

/// A message's lookup: the tipset including it, its receipt.
fn lookup(node: &Node, c: &cid::Cid) -> Option<Value> {
    let (t, i) = node.chain.find_message(c)?;
    Some(json!({
        "Message": cid(c),
        "Receipt": receipt(&t.results[i].receipt),
        "ReturnDec": Value::Null,
        "TipSet": [cid(&t.block_cid)],
        "Height": t.height(),
    }))
}
