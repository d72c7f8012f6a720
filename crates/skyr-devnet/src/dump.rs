//! A devnet's whole state as one CAR file (`anvil_dumpState`, `anvil_loadState`,
//! `--dump-state`, `--load-state`): its root is a block holding the chain, every tipset, the
//! node's pool, snapshots and time moves, and the transaction-hash index; the CAR carries every
//! block those reach (headers, messages, states, contracts' code and storage), except the
//! bundle's actor code, which every devnet has (it runs the same official bundle).
//!
//! Loading replaces the chain with the dump's, history included (Anvil merges accounts into the
//! running state instead). A dump is checked before anything changes: its blocks against their
//! CIDs, and every block it needs must be in it or already here.
use std::collections::BTreeSet;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use skyr::blockstore::{scan_links, FlushWalk};
use skyr_chain::saved::{SavedChain, SavedTipset};
use skyr_chain::Chain;

use crate::node::Node;
use crate::persist::SavedNode;

/// The format of the root block (bumped when it changes).
const DUMP_VERSION: u64 = 1;
/// The raw-bytes codec (no links to follow).
const IPLD_RAW: u64 = 0x55;

/// The root block of a dump.
#[derive(Serialize_tuple, Deserialize_tuple)]
struct Dump {
    version: u64,
    chain: SavedChain,
    tipsets: Vec<SavedTipset>,
    node: SavedNode,
    eth: Vec<(serde_bytes::ByteBuf, Cid)>,
}

/// Every CID reachable from `root` through `get`, except those in `skip`, in a stable order.
fn reachable(
    root: &Cid,
    get: impl Fn(&Cid) -> Result<Option<Vec<u8>>>,
    skip: &BTreeSet<Cid>,
) -> Result<Vec<(Cid, Vec<u8>)>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![(*root, *root)];
    let mut out = Vec::new();
    let mut links = Vec::new();
    while let Some((c, from)) = stack.pop() {
        if skip.contains(&c) || !seen.insert(c) || c.hash().code() == 0 {
            continue;
        }
        let data = get(&c)?.ok_or_else(|| anyhow!("block {c} (linked from {from}) is missing"))?;
        if c.codec() != IPLD_RAW {
            links.clear();
            scan_links(&data, &mut links, FlushWalk::Fvm3)
                .with_context(|| format!("block {c} does not scan"))?;
            stack.extend(links.iter().map(|l| (*l, c)));
        }
        out.push((c, data));
    }
    Ok(out)
}

impl Node {
    /// The devnet as a CAR file.
    pub fn dump(&self) -> Result<Vec<u8>> {
        if self.is_fork() {
            anyhow::bail!(
                "a forked devnet is not dumped: its state lives on the node it forked, and a dump \
                 holds whole chains"
            );
        }
        let dump = Dump {
            version: DUMP_VERSION,
            chain: self.chain.saved(),
            tipsets: (0..=self.chain.head().height())
                .map(|h| {
                    self.chain
                        .saved_tipset(h)
                        .ok_or_else(|| anyhow!("no tipset {h}"))
                })
                .collect::<Result<_>>()?,
            node: self.saved_node(),
            // Mined messages only: a pending one's block is not stored (the pool carries it),
            // and its hash comes back with the pool.
            eth: self
                .eth_index()
                .filter(|(_, c)| self.chain.find_message(c).is_some())
                .map(|(h, c)| (serde_bytes::ByteBuf::from(h.to_vec()), *c))
                .collect(),
        };
        let bytes = fvm_ipld_encoding::to_vec(&dump)?;
        let root = skyr_chain::message::cbor_cid(&bytes);
        let store = self.chain.store().clone();
        let get = |c: &Cid| {
            if c == &root {
                Ok(Some(bytes.clone()))
            } else {
                store.get(c)
            }
        };
        let blocks = reachable(&root, get, &self.bundle_code())?;
        let mut car = Vec::new();
        let mut w =
            fvm_ipld_car::CarWriter::new(fvm_ipld_car::CarHeader::from(vec![root]), &mut car)?;
        for (cid, data) in blocks {
            w.write(fvm_ipld_car::Block { cid, data })?;
        }
        drop(w);
        Ok(car)
    }

    /// The bundle's actor code CIDs (left out of dumps).
    fn bundle_code(&self) -> BTreeSet<Cid> {
        self.chain
            .manifest()
            .entries()
            .iter()
            .map(|(_, c)| *c)
            .collect()
    }

    /// Replaces the chain with a dump's. Nothing changes unless the dump is whole and
    /// restores.
    pub fn load_dump(&mut self, car: &[u8]) -> Result<()> {
        if self.is_fork() {
            bail!(
                "a forked devnet loads no dump: a dump holds a whole chain of its own (start \
                 without --fork-url)"
            );
        }
        let tmp = MemoryBlockstore::new();
        let reader =
            fvm_ipld_car::CarReader::new(car).map_err(|e| anyhow!("not a CAR file: {e}"))?;
        let roots = reader
            .read_into(&tmp)
            .map_err(|e| anyhow!("the CAR is malformed: {e}"))?;
        let [root] = roots.as_slice() else {
            bail!("a dump has one root, not {}", roots.len());
        };
        let bytes = tmp
            .get(root)?
            .ok_or_else(|| anyhow!("the dump's root block is not in it"))?;
        let dump: Dump = fvm_ipld_encoding::from_slice(&bytes)
            .map_err(|e| anyhow!("the root is not a devnet dump: {e}"))?;
        if dump.version != DUMP_VERSION {
            bail!(
                "a dump of format {} (this devnet reads {DUMP_VERSION})",
                dump.version
            );
        }
        if dump.chain.network_version != u32::from(self.chain.network_version()) {
            bail!(
                "a dump of a chain at nv{} (this devnet runs nv{})",
                dump.chain.network_version,
                u32::from(self.chain.network_version())
            );
        }
        let store = self.chain.store().clone();
        // Everything the dump needs is in it, or here already (the bundle's code).
        let needed = reachable(
            root,
            |c| match tmp.get(c)? {
                Some(b) => Ok(Some(b)),
                None => store.get(c),
            },
            &BTreeSet::new(),
        )
        .context("the dump is not whole")?;
        for (c, data) in &needed {
            if tmp.has(c)? {
                store.put_keyed(c, data)?;
            }
        }
        let chain = Chain::restore(self.chain.engine().clone(), store, dump.chain, dump.tipsets)?;
        self.replace_chain(
            chain,
            dump.node,
            dump.eth
                .into_iter()
                .filter_map(|(h, c)| <[u8; 32]>::try_from(h.as_slice()).ok().map(|h| (h, c))),
        );
        Ok(())
    }
}
