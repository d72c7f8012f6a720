//! Blockstores: any `fvm_ipld_blockstore::Blockstore` plugs in as the base store; the
//! machine writes through a buffer and, at flush, copies to the base store only the blocks
//! the new state root reaches (as the reference does), so garbage never lands.
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::DAG_CBOR;

pub use fvm_ipld_blockstore::MemoryBlockstore;

/// The object-safe part of a blockstore, so the machine can hold any store without being
/// generic over it.
pub trait BaseStore {
    /// Reads a block.
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>>;
    /// Writes a block under its CID.
    fn put_keyed(&self, k: &Cid, data: &[u8]) -> Result<()>;
    /// True when the block is present.
    fn has(&self, k: &Cid) -> Result<bool>;
}

impl<T: Blockstore> BaseStore for T {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        Blockstore::get(self, k)
    }
    fn put_keyed(&self, k: &Cid, data: &[u8]) -> Result<()> {
        Blockstore::put_keyed(self, k, data)
    }
    fn has(&self, k: &Cid) -> Result<bool> {
        Blockstore::has(self, k)
    }
}

/// A shared handle on a base store.
pub type SharedStore = Rc<dyn BaseStore>;

/// Writes buffered in memory over a base store; reads see the buffer first.
#[derive(Clone)]
pub struct BufferedStore {
    base: SharedStore,
    writes: Rc<RefCell<BTreeMap<Cid, Vec<u8>>>>,
}

impl BufferedStore {
    /// A buffer over `base`.
    pub fn new(base: SharedStore) -> Self {
        BufferedStore {
            base,
            writes: Default::default(),
        }
    }

    /// The store under the buffer.
    pub fn base(&self) -> &SharedStore {
        &self.base
    }

    /// Copies to the base store every buffered block that `root` reaches, then empties the
    /// buffer. Blocks not in the buffer are already in the base store, and so are their
    /// children, so the walk stops at them.
    pub fn flush(&self, root: &Cid) -> Result<()> {
        let mut writes = self.writes.borrow_mut();
        let mut seen = BTreeSet::new();
        let mut stack = vec![*root];
        while let Some(k) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            let Some(data) = writes.get(&k) else { continue };
            if k.codec() == DAG_CBOR {
                scan_links(data, &mut stack)
                    .map_err(|e| anyhow!("flush: block {k} is not valid DAG-CBOR: {e}"))?;
            }
            self.base.put_keyed(&k, data)?;
        }
        writes.clear();
        Ok(())
    }
}

impl Blockstore for BufferedStore {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        if let Some(data) = self.writes.borrow().get(k) {
            return Ok(Some(data.clone()));
        }
        self.base.get(k)
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.writes.borrow_mut().insert(*k, block.to_vec());
        Ok(())
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        if self.writes.borrow().contains_key(k) {
            return Ok(true);
        }
        self.base.has(k)
    }
}

/// Pushes every CID linked from a DAG-CBOR block (tag 42) onto `out`.
pub fn scan_links(data: &[u8], out: &mut Vec<Cid>) -> Result<()> {
    let mut r = CborReader { data, pos: 0 };
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        let (major, arg) = r.head()?;
        match major {
            0 | 1 | 7 => {}
            2 | 3 => {
                r.skip(arg)?;
            }
            4 => pending += arg,
            5 => pending += arg.checked_mul(2).ok_or_else(|| anyhow!("map too long"))?,
            6 => {
                if arg == 42 {
                    let (m, len) = r.head()?;
                    if m != 2 {
                        return Err(anyhow!("tag 42 must wrap a byte string"));
                    }
                    let bytes = r.skip(len)?;
                    let cid = bytes
                        .split_first()
                        .filter(|(b, _)| **b == 0)
                        .ok_or_else(|| anyhow!("CID link without multibase prefix"))
                        .and_then(|(_, rest)| Ok(Cid::read_bytes(rest)?))?;
                    out.push(cid);
                } else {
                    pending += 1;
                }
            }
            _ => return Err(anyhow!("bad major type")),
        }
    }
    Ok(())
}

struct CborReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> CborReader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| anyhow!("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: u64) -> Result<&'a [u8]> {
        let n = usize::try_from(n)?;
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| anyhow!("length overflow"))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| anyhow!("truncated"))?;
        self.pos = end;
        Ok(s)
    }

    /// Reads an item head: (major type, argument). Indefinite lengths are not DAG-CBOR.
    fn head(&mut self) -> Result<(u8, u64)> {
        let b = self.byte()?;
        let (major, info) = (b >> 5, b & 0x1f);
        let arg = match info {
            0..=23 => info as u64,
            24 => self.byte()? as u64,
            25 => u16::from_be_bytes(self.skip(2)?.try_into()?) as u64,
            26 => u32::from_be_bytes(self.skip(4)?.try_into()?) as u64,
            27 => u64::from_be_bytes(self.skip(8)?.try_into()?),
            _ => return Err(anyhow!("indefinite or reserved length")),
        };
        Ok((major, arg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_ipld_encoding::CborStore;
    use multihash_codetable::Code;

    #[test]
    fn flush_copies_only_what_the_root_reaches() {
        let base = Rc::new(MemoryBlockstore::new());
        let buf = BufferedStore::new(base.clone());
        let leaf = buf.put_cbor(&"leaf", Code::Blake2b256).expect("put");
        let garbage = buf.put_cbor(&"garbage", Code::Blake2b256).expect("put");
        let root = buf.put_cbor(&(1u8, leaf), Code::Blake2b256).expect("put");
        buf.flush(&root).expect("flush");
        assert!(Blockstore::has(&*base, &root).expect("has"));
        assert!(Blockstore::has(&*base, &leaf).expect("has"));
        assert!(!Blockstore::has(&*base, &garbage).expect("has"));
    }

    #[test]
    fn links_are_found_in_nested_maps_and_lists() {
        let buf = BufferedStore::new(Rc::new(MemoryBlockstore::new()));
        let a = buf.put_cbor(&"a", Code::Blake2b256).expect("put");
        let b = buf.put_cbor(&"b", Code::Blake2b256).expect("put");
        let mut m = std::collections::BTreeMap::new();
        m.insert("k".to_string(), vec![a, b]);
        let bytes = fvm_ipld_encoding::to_vec(&(m, 7u64, "x")).expect("encode");
        let mut out = Vec::new();
        scan_links(&bytes, &mut out).expect("scan");
        assert_eq!(out, vec![a, b]);
        assert!(scan_links(&bytes[..bytes.len() - 1], &mut out).is_err());
    }
}
