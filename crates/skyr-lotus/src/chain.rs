//! The chain as a node holds it, read through a [`NodeSource`]: tipsets by key or height,
//! their block headers, each block's messages and the receipts a tipset's children record.
//!
//! Headers, messages and receipts are read as blocks (`ChainReadObj`), so each is checked
//! against the CID that names it; only a tipset's key at a height, and where a message was
//! executed, are taken from the node's word (and then checked: the key's blocks must be at
//! that height, the message must be in the tipset).
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::error::ExitCode;
use fvm_shared::receipt::Receipt;
use serde_json::{json, Value};
use skyr::rules::ReceiptShape;
use skyr_chain::block::{tipset_key_cid, BlockHeader, TxMeta};
use skyr_chain::tipset::vm_message_cid;
use skyr_chain::ChainMessage;

use crate::source::{cid_json, parse_cid, NodeSource};

/// A tipset: its key (block CIDs in the tipset's order), height and headers.
#[derive(Clone, Debug)]
pub struct Tipset {
    /// Its blocks' CIDs.
    pub key: Vec<Cid>,
    /// Its epoch.
    pub height: i64,
    /// Its blocks' headers, in the key's order.
    pub headers: Vec<BlockHeader>,
}

impl Tipset {
    /// Its key as the API writes it.
    pub fn key_json(&self) -> Value {
        key_json(&self.key)
    }

    /// Its parent's key.
    pub fn parents(&self) -> &[Cid] {
        &self.headers[0].parents
    }

    /// The state its messages apply to (its parent's result).
    pub fn parent_state(&self) -> Cid {
        self.headers[0].parent_state_root
    }

    /// The CID of its key (what `tipset_cid` answers, and what an Ethereum block hash digests).
    pub fn key_cid(&self) -> Result<Cid> {
        tipset_key_cid(&self.key)
    }

    /// The earliest timestamp of its blocks (the one its messages see).
    pub fn min_timestamp(&self) -> u64 {
        self.headers.iter().map(|h| h.timestamp).min().unwrap_or(0)
    }
}

/// A tipset key as the API writes it.
pub fn key_json(key: &[Cid]) -> Value {
    Value::Array(key.iter().map(cid_json).collect())
}

/// The keys and height of a `TipSet` answer (its `Blocks` are read again as blocks).
pub(crate) fn parse_tipset_answer(v: &Value, what: &str) -> Result<(Vec<Cid>, i64)> {
    let cids = v
        .get("Cids")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("{what}: the answer is not a tipset (no `Cids`): {v}"))?;
    let key = cids
        .iter()
        .map(|c| parse_cid(c, what))
        .collect::<Result<Vec<_>>>()?;
    let height = v
        .get("Height")
        .and_then(Value::as_i64)
        .ok_or_else(|| anyhow!("{what}: the tipset has no `Height`"))?;
    if key.is_empty() {
        bail!("{what}: the tipset has no blocks");
    }
    Ok((key, height))
}

/// The tipset of blocks `key`, its headers read and checked: one height, one parent.
pub fn tipset(source: &NodeSource, key: &[Cid]) -> Result<Tipset> {
    if key.is_empty() {
        bail!("an empty tipset key names no tipset here");
    }
    source.prefetch(key)?;
    let mut headers = Vec::with_capacity(key.len());
    for c in key {
        let bytes = source.block(c)?;
        let h: BlockHeader = fvm_ipld_encoding::from_slice(&bytes)
            .map_err(|e| anyhow!("block {c} is not a block header: {e}"))?;
        headers.push(h);
    }
    let height = headers[0].height;
    if headers
        .iter()
        .any(|h| h.height != height || h.parents != headers[0].parents)
    {
        bail!("the blocks of tipset {key:?} disagree on their height or parents");
    }
    Ok(Tipset {
        key: key.to_vec(),
        height,
        headers,
    })
}

/// The tipset at `height` on the chain ending at `anchor`, or the last one before it when
/// `height` was a null round (Lotus's answer).
pub fn tipset_at(source: &NodeSource, height: i64, anchor: &[Cid]) -> Result<Tipset> {
    let what = format!("Filecoin.ChainGetTipSetByHeight({height})");
    let v = source.answer(
        "Filecoin.ChainGetTipSetByHeight",
        json!([height, key_json(anchor)]),
    )?;
    let (key, claimed) = parse_tipset_answer(&v, &what)?;
    let ts = tipset(source, &key)?;
    if ts.height != claimed || ts.height > height {
        bail!(
            "{what}: the node named a tipset at height {} (its blocks say {})",
            claimed,
            ts.height
        );
    }
    Ok(ts)
}

/// Where a message was executed, as the node found it.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The message executed (another than the one asked for when that one was replaced: the
    /// same sender and nonce, other fees).
    pub message: Cid,
    /// The tipset whose parent included it: its receipt is among this one's parent receipts.
    pub executed_in: Vec<Cid>,
    /// That tipset's height.
    pub height: i64,
}

/// Finds where message `cid` was executed (`StateSearchMsg` from the head, replacements
/// allowed). Found messages are cached; a message not found is an error.
pub fn search_message(source: &NodeSource, cid: &Cid) -> Result<Lookup> {
    let what = format!("Filecoin.StateSearchMsg({cid})");
    let v = source.answer_kept(
        "Filecoin.StateSearchMsg",
        json!([[], cid_json(cid), -1, true]),
        |v| !v.is_null(),
    )?;
    if v.is_null() {
        bail!("the node does not know message {cid}: it is not on its chain");
    }
    let message = parse_cid(
        v.get("Message")
            .ok_or_else(|| anyhow!("{what}: no `Message`"))?,
        &what,
    )?;
    let executed_in = v
        .get("TipSet")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("{what}: no `TipSet`"))?
        .iter()
        .map(|c| parse_cid(c, &what))
        .collect::<Result<Vec<_>>>()?;
    let height = v
        .get("Height")
        .and_then(Value::as_i64)
        .ok_or_else(|| anyhow!("{what}: no `Height`"))?;
    Ok(Lookup {
        message,
        executed_in,
        height,
    })
}

/// A message as its block carries it, with its CID (a signed message's includes its
/// signature) and its length on chain.
#[derive(Clone, Debug)]
pub struct OnChain {
    /// Its CID in the block.
    pub cid: Cid,
    /// The message.
    pub message: ChainMessage,
    /// The CID of the message the machine applies (a signed message's without its
    /// signature; a BLS message's own).
    pub vm_cid: Cid,
    /// Its length on chain.
    pub length: usize,
}

/// One block's part of a tipset.
#[derive(Clone, Debug)]
pub struct BlockOnChain {
    /// Who mined it (rewarded after its messages).
    pub miner: fvm_shared::address::Address,
    /// How many times it won the election.
    pub win_count: i64,
    /// Its messages: BLS ones, then signed ones.
    pub messages: Vec<OnChain>,
}

/// Every message of block `header`, BLS ones then signed ones, as the block orders them.
pub fn block_messages(source: &NodeSource, header: &BlockHeader) -> Result<Vec<OnChain>> {
    let meta: TxMeta = fvm_ipld_encoding::from_slice(&source.block(&header.messages)?)
        .map_err(|e| anyhow!("block messages {}: not a TxMeta: {e}", header.messages))?;
    let mut cids = Vec::new();
    for (root, what) in [
        (meta.bls_messages, "BLS messages"),
        (meta.secpk_messages, "signed messages"),
    ] {
        let amt: Amtv0<Cid, _> =
            Amtv0::load(&root, source).with_context(|| format!("the {what} AMT {root}"))?;
        let mut list = Vec::new();
        amt.for_each(|_, c| {
            list.push(*c);
            Ok(())
        })
        .with_context(|| format!("the {what} AMT {root}"))?;
        cids.push(list);
    }
    let all: Vec<Cid> = cids.concat();
    source.prefetch(&all)?;
    let mut out = Vec::with_capacity(all.len());
    for (i, list) in cids.iter().enumerate() {
        for c in list {
            let bytes = source.block(c)?;
            let message = if i == 0 {
                ChainMessage::Unsigned(
                    fvm_ipld_encoding::from_slice(&bytes)
                        .map_err(|e| anyhow!("message {c}: not a message: {e}"))?,
                )
            } else {
                ChainMessage::Signed(
                    fvm_ipld_encoding::from_slice(&bytes)
                        .map_err(|e| anyhow!("message {c}: not a signed message: {e}"))?,
                )
            };
            out.push(OnChain {
                cid: *c,
                vm_cid: vm_message_cid(&message)?,
                message,
                length: bytes.len(),
            });
        }
    }
    Ok(out)
}

/// Each block of `ts` with all its messages, before selection.
pub fn tipset_messages(source: &NodeSource, ts: &Tipset) -> Result<Vec<BlockOnChain>> {
    ts.headers
        .iter()
        .map(|h| {
            Ok(BlockOnChain {
                miner: h.miner,
                win_count: h.election_proof.as_ref().map_or(0, |e| e.win_count),
                messages: block_messages(source, h)?,
            })
        })
        .collect()
}

/// The receipts in the AMT at `root` (a tipset's `ParentMessageReceipts`), in order.
pub fn receipts(source: &NodeSource, root: &Cid) -> Result<Vec<Receipt>> {
    let amt: Amtv0<ChainReceipt, _> =
        Amtv0::load(root, source).with_context(|| format!("the receipts AMT {root}"))?;
    let mut out = Vec::new();
    amt.for_each(|_, r| {
        out.push(r.receipt.clone());
        Ok(())
    })
    .with_context(|| format!("the receipts AMT {root}"))?;
    Ok(out)
}

/// A receipt as a chain records it, in the shape of its network version: three fields before
/// nv18, a fourth (the events root) from nv18. Read in either shape; written in its own.
#[derive(Clone, Debug)]
pub struct ChainReceipt {
    /// The receipt.
    pub receipt: Receipt,
    /// Its encoding.
    pub shape: ReceiptShape,
}

impl<'de> serde::Deserialize<'de> for ChainReceipt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ChainReceipt;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a receipt: a list of 3 or 4 fields")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<ChainReceipt, A::Error> {
                let exit: u32 = s
                    .next_element()?
                    .ok_or_else(|| A::Error::custom("no exit code"))?;
                let ret: RawBytes = s
                    .next_element()?
                    .ok_or_else(|| A::Error::custom("no return"))?;
                let gas: u64 = s
                    .next_element()?
                    .ok_or_else(|| A::Error::custom("no gas used"))?;
                let events: Option<Option<Cid>> = s.next_element()?;
                Ok(ChainReceipt {
                    shape: match events {
                        Some(_) => ReceiptShape::WithEventsRoot,
                        None => ReceiptShape::ThreeFields,
                    },
                    receipt: Receipt {
                        exit_code: ExitCode::new(exit),
                        return_data: ret,
                        gas_used: gas,
                        events_root: events.flatten(),
                    },
                })
            }
        }
        d.deserialize_seq(V)
    }
}

impl serde::Serialize for ChainReceipt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.receipt;
        match self.shape {
            ReceiptShape::WithEventsRoot => r.serialize(s),
            ReceiptShape::ThreeFields => {
                (r.exit_code.value(), &r.return_data, r.gas_used).serialize(s)
            }
        }
    }
}

/// The tipset a fork starts from, with its child (whose headers record the state and receipts
/// the tipset produced): the tipset at `height`; or, without one, the parent of the node's
/// head, the newest tipset whose result the chain has recorded.
pub fn fork_point(source: &NodeSource, height: Option<i64>) -> Result<(Tipset, Tipset)> {
    let Some(h) = height else {
        let child = tipset(source, &source.head()?)?;
        let ts = tipset(source, child.parents())?;
        return Ok((ts, child));
    };
    let mut pairs = crate::replay::tipsets_between(source, h, h).with_context(|| {
        format!(
            "forking at epoch {h}: the node must hold that tipset and one after it (the state \
             a tipset produced is recorded in its child)"
        )
    })?;
    pairs
        .pop()
        .ok_or_else(|| anyhow!("epoch {h} is a null round on the node's chain: no tipset to fork"))
}
