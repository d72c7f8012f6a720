//! The stand-in's chain, made from mainnet vectors. Each vector becomes a fragment of three
//! tipsets of one block each, as a node would hold them around the vector's message:
//!
//! - the parent, at the vector's epoch − 1;
//! - the tipset including the message, at the vector's epoch, on the vector's pre-state and
//!   base fee (a secp256k1 sender's message carried signed, as a chain carries it, so its
//!   length on chain is the one the vector runner prices);
//! - its child, at epoch + 1, on the vector's post-state, recording the vector's receipt.
//!
//! The fragment also answers what the vector recorded about its context: network version,
//! circulating supply, randomness (by kind and epoch, the fixed fallback otherwise, as the
//! vector runner answers). Blocks are the vectors' CARs, the bundles' and the fragments' own.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_amt::Amtv0;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use skyr::Externs;
use skyr_chain::block::{BlockHeader, ElectionProof, TxMeta};
use skyr_chain::message::{cbor_cid, SigType};
use skyr_chain::{ChainMessage, ChainSignature, SignedMessage};
use skyr_vectors::externs::ReplayExterns;
use skyr_vectors::schema::b64;
use skyr_vectors::Vector;

/// One vector's tipsets and context.
pub struct Fragment {
    /// The vector's file name.
    pub name: String,
    /// Its network version.
    pub nv: u32,
    /// The circulating supply it states.
    pub circ_supply: TokenAmount,
    /// Its recorded randomness.
    pub randomness: ReplayExterns,
    /// Its tipsets' keys by height (one block each).
    pub tipsets: BTreeMap<i64, Cid>,
}

/// Where a message was executed.
pub struct Executed {
    /// The fragment.
    pub fragment: usize,
    /// The tipset recording its receipt (the child of the one including it).
    pub tipset: Cid,
    /// That tipset's height.
    pub height: i64,
    /// The message's CID as its block carries it.
    pub cid: Cid,
    /// The receipt recorded.
    pub receipt: fvm_shared::receipt::Receipt,
}

/// Every fragment, its blocks and indexes.
#[derive(Default)]
pub struct StandinChain {
    /// All blocks served.
    pub blocks: HashMap<Cid, Vec<u8>>,
    /// Headers by block CID, with their fragment.
    pub headers: HashMap<Cid, (usize, BlockHeader)>,
    /// The fragments.
    pub fragments: Vec<Fragment>,
    /// Messages by CID (as carried, and unsigned), where they were executed.
    pub messages: HashMap<Cid, usize>,
    /// The executions `messages` points to.
    pub executed: Vec<Executed>,
}

impl StandinChain {
    /// Adds every block of every bundle CAR under `dir`.
    pub fn add_bundles(&mut self, dir: &Path) -> Result<usize> {
        let mut n = 0;
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            let car = p.join("builtin-actors-mainnet.car");
            if car.exists() {
                files.push(car);
            }
        }
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f)?;
            let reader = fvm_ipld_car::CarReader::new(bytes.as_slice())
                .map_err(|e| anyhow!("{}: {e}", f.display()))?;
            for b in reader {
                let b = b.map_err(|e| anyhow!("{}: {e}", f.display()))?;
                self.blocks.insert(b.cid, b.data);
                n += 1;
            }
        }
        Ok(n)
    }

    /// Adds vector `v` (named `name`) as a fragment.
    pub fn add_vector(&mut self, name: &str, v: &Vector) -> Result<()> {
        let variant = v
            .preconditions
            .variants
            .first()
            .ok_or_else(|| anyhow!("{name}: no variant"))?;
        for (c, data) in skyr_vectors::runner::decode_car(v)? {
            self.blocks.insert(c, data);
        }
        let fragment = self.fragments.len();
        let height = variant.epoch;
        let pre = v
            .preconditions
            .state_tree
            .root_cid
            .parse("pre-state root")?;
        let post = v
            .postconditions
            .state_tree
            .root_cid
            .parse("post-state root")?;
        let base_fee = TokenAmount::from_atto(v.basefee()?.unwrap_or(100));
        let store = MemoryBlockstore::new();
        // Messages: secp256k1 senders' signed (a signature of zeros), others as BLS ones.
        let mut bls = Vec::new();
        let mut signed = Vec::new();
        for (i, m) in v.apply_messages.iter().enumerate() {
            let bytes = b64(&m.bytes, &format!("apply_messages[{i}]"))?;
            let msg: Message = fvm_ipld_encoding::from_slice(&bytes)?;
            let on_chain = if msg.from.protocol() == fvm_shared::address::Protocol::Secp256k1 {
                ChainMessage::Signed(SignedMessage {
                    message: msg,
                    signature: ChainSignature {
                        sig_type: SigType::Secp256k1,
                        data: vec![0; 65],
                    },
                })
            } else {
                ChainMessage::Unsigned(msg)
            };
            let encoded = on_chain.encode()?;
            let c = cbor_cid(&encoded);
            self.blocks.insert(c, encoded);
            let unsigned = fvm_ipld_encoding::to_vec(on_chain.message())?;
            let uc = cbor_cid(&unsigned);
            self.blocks.insert(uc, unsigned);
            let receipt = v
                .postconditions
                .receipts
                .get(i)
                .ok_or_else(|| anyhow!("{name}: no receipt {i}"))?;
            self.executed.push(Executed {
                fragment,
                tipset: Cid::default(),
                height: height + 1,
                cid: c,
                receipt: fvm_shared::receipt::Receipt {
                    exit_code: fvm_shared::error::ExitCode::new(receipt.exit_code),
                    return_data: b64(&receipt.ret, "return")?.into(),
                    gas_used: receipt.gas_used as u64,
                    events_root: receipt
                        .events_root
                        .as_ref()
                        .map(|c| c.parse("events root"))
                        .transpose()?,
                },
            });
            self.messages.insert(c, self.executed.len() - 1);
            self.messages.insert(uc, self.executed.len() - 1);
            match on_chain {
                ChainMessage::Signed(_) => signed.push(c),
                ChainMessage::Unsigned(_) => bls.push(c),
            }
        }
        let with_messages = tx_meta(&store, &bls, &signed)?;
        let empty = tx_meta(&store, &[], &[])?;
        let receipts = receipts_amt(
            &store,
            variant.nv,
            &self.executed[self.executed.len() - v.apply_messages.len()..],
        )?;
        let no_receipts = receipts_amt(&store, variant.nv, &[])?;
        let genesis = cbor_cid(format!("stand-in genesis of {name}").as_bytes());
        let parent = header(
            height - 1,
            vec![genesis],
            pre,
            no_receipts,
            empty,
            &base_fee,
        );
        let parent_cid = self.put_header(fragment, parent)?;
        let including = header(
            height,
            vec![parent_cid],
            pre,
            no_receipts,
            with_messages,
            &base_fee,
        );
        let including_cid = self.put_header(fragment, including)?;
        let child = header(
            height + 1,
            vec![including_cid],
            post,
            receipts,
            empty,
            &base_fee,
        );
        let child_cid = self.put_header(fragment, child)?;
        let first = self.executed.len() - v.apply_messages.len();
        for e in &mut self.executed[first..] {
            e.tipset = child_cid;
        }
        // The fragment's own blocks (AMTs, TxMetas).
        for c in store_cids(&store, &[with_messages, empty, receipts, no_receipts])? {
            if let Some(b) = store.get(&c)? {
                self.blocks.insert(c, b);
            }
        }
        self.fragments.push(Fragment {
            name: name.to_string(),
            nv: variant.nv,
            circ_supply: TokenAmount::from_atto(v.circ_supply()?.unwrap_or(0)),
            randomness: ReplayExterns::new(&v.randomness)?,
            tipsets: [
                (height - 1, parent_cid),
                (height, including_cid),
                (height + 1, child_cid),
            ]
            .into_iter()
            .collect(),
        });
        Ok(())
    }

    fn put_header(&mut self, fragment: usize, h: BlockHeader) -> Result<Cid> {
        let bytes = h.encode()?;
        let c = cbor_cid(&bytes);
        self.blocks.insert(c, bytes);
        self.headers.insert(c, (fragment, h));
        Ok(c)
    }

    /// The fragment's randomness digest at `epoch`.
    pub fn randomness(&self, fragment: usize, beacon: bool, epoch: i64) -> Result<[u8; 32]> {
        let r = &self.fragments[fragment].randomness;
        if beacon {
            r.beacon_randomness(epoch)
        } else {
            r.chain_randomness(epoch)
        }
    }
}

/// Every vector file under `dir` (any depth), loaded into a chain with the bundles of
/// `bundles`.
pub fn from_vectors(dir: &Path, bundles: &Path) -> Result<StandinChain> {
    let mut chain = StandinChain::default();
    chain.add_bundles(bundles)?;
    let mut files = Vec::new();
    json_files(dir, &mut files)?;
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        let v = Vector::from_json(&text).with_context(|| f.display().to_string())?;
        let name = f
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        chain
            .add_vector(&name, &v)
            .with_context(|| f.display().to_string())?;
    }
    Ok(chain)
}

fn json_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            json_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

fn header(
    height: i64,
    parents: Vec<Cid>,
    state: Cid,
    receipts: Cid,
    messages: Cid,
    base_fee: &TokenAmount,
) -> BlockHeader {
    BlockHeader {
        miner: fvm_shared::address::Address::new_id(1000),
        ticket: None,
        election_proof: Some(ElectionProof {
            win_count: 1,
            vrf_proof: Vec::new(),
        }),
        beacon_entries: Vec::new(),
        win_post_proof: Vec::new(),
        parents,
        parent_weight: BigInt::from(height),
        height,
        parent_state_root: state,
        parent_message_receipts: receipts,
        messages,
        bls_aggregate: None,
        // The vector runner's machine sees timestamp 0.
        timestamp: 0,
        block_sig: None,
        fork_signaling: 0,
        parent_base_fee: base_fee.clone(),
    }
}

fn tx_meta(store: &MemoryBlockstore, bls: &[Cid], signed: &[Cid]) -> Result<Cid> {
    let mut roots = Vec::new();
    for list in [bls, signed] {
        let mut amt = Amtv0::new(store);
        for (i, c) in list.iter().enumerate() {
            amt.set(i as u64, *c)?;
        }
        roots.push(amt.flush()?);
    }
    let meta = TxMeta {
        bls_messages: roots[0],
        secpk_messages: roots[1],
    };
    let bytes = fvm_ipld_encoding::to_vec(&meta)?;
    let c = cbor_cid(&bytes);
    store.put_keyed(&c, &bytes)?;
    Ok(c)
}

/// The receipts AMT: three fields each before nv18, four (with the events root) from nv18.
fn receipts_amt(store: &MemoryBlockstore, nv: u32, executed: &[Executed]) -> Result<Cid> {
    let mut amt = Amtv0::new(store);
    for (i, e) in executed.iter().enumerate() {
        let r = &e.receipt;
        let bytes = if nv >= 18 {
            fvm_ipld_encoding::to_vec(r)?
        } else {
            fvm_ipld_encoding::to_vec(&(r.exit_code.value(), &r.return_data, r.gas_used))?
        };
        let value: ipld_core::ipld::Ipld = fvm_ipld_encoding::from_slice(&bytes)?;
        amt.set(i as u64, value)?;
    }
    Ok(amt.flush()?)
}

/// Every block reachable from `roots` in `store` (the fragment's small structures).
fn store_cids(store: &MemoryBlockstore, roots: &[Cid]) -> Result<Vec<Cid>> {
    let mut out = Vec::new();
    let mut todo: Vec<Cid> = roots.to_vec();
    while let Some(c) = todo.pop() {
        if out.contains(&c) {
            continue;
        }
        let Some(data) = store.get(&c)? else { continue };
        let mut links = Vec::new();
        skyr::blockstore::scan_links(&data, &mut links, skyr::blockstore::FlushWalk::Fvm3)?;
        todo.extend(links);
        out.push(c);
    }
    Ok(out)
}
