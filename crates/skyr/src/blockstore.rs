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

/// How a flush walks the new state: the reference's buffered blockstore changed what it
/// accepts between generations, and a state one refuses to flush the other may flush.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushWalk {
    /// fvm 2: blake2b-256 DAG-CBOR or raw CIDs (raw identity CIDs passed over, DAG-CBOR
    /// identity CIDs read); canonical CBOR lengths; string contents skipped without bounds
    /// checks; links of at most 100 bytes; the whole buffer emptied after.
    Fvm2,
    /// fvm 3 on: raw, CBOR and DAG-CBOR CIDs, blake2b-256 or identity (identity ones read
    /// only as DAG-CBOR); any CBOR length encoding; strings must fit in the block; links start
    /// with a 0 byte; blocks the root does not reach stay in the buffer.
    Fvm3,
}

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
    /// children, so the walk stops at them. As in the reference, the walk refuses CIDs that
    /// are not blake2b-256 DAG-CBOR or raw (identity and piece-commitment CIDs are passed
    /// over) and DAG-CBOR it cannot read, so such a state cannot be flushed.
    pub fn flush(&self, root: &Cid, walk: FlushWalk) -> Result<()> {
        if walk == FlushWalk::Fvm3 {
            return self.flush_fvm3(root);
        }
        let mut writes = self.writes.borrow_mut();
        let mut seen = BTreeSet::new();
        let mut stack = vec![*root];
        let mut out = Vec::new();
        while let Some(k) = stack.pop() {
            match (k.codec(), k.hash().code(), k.hash().size()) {
                (DAG_CBOR | IPLD_RAW, BLAKE2B_256, 32) => {}
                (IPLD_RAW, IDENTITY, _) => continue,
                (DAG_CBOR, IDENTITY, _) => {
                    scan_links(k.hash().digest(), &mut stack, FlushWalk::Fvm2)?;
                    continue;
                }
                (FIL_COMMITMENT_UNSEALED | FIL_COMMITMENT_SEALED, _, _) => continue,
                (codec, hash, len) => {
                    return Err(anyhow!(
                        "cid {k} has unexpected codec ({codec}), hash ({hash}), or length ({len})"
                    ))
                }
            }
            let Some(data) = writes.get(&k) else { continue };
            // Only buffered blocks are remembered: most links lead to blocks already in the
            // base store (a HAMT node's untouched siblings), and the checks above are cheap.
            if !seen.insert(k) {
                continue;
            }
            if k.codec() == DAG_CBOR {
                scan_links(data, &mut stack, FlushWalk::Fvm2)
                    .map_err(|e| anyhow!("flush: block {k}: {e}"))?;
            }
            out.push(k);
        }
        for k in out {
            if let Some(data) = writes.get(&k) {
                self.base.put_keyed(&k, data)?;
            }
        }
        writes.clear();
        Ok(())
    }

    /// The fvm 3 walk: moves what the root reaches to the base store, leaves the rest.
    fn flush_fvm3(&self, root: &Cid) -> Result<()> {
        let mut writes = self.writes.borrow_mut();
        let mut stack = vec![*root];
        let mut out = Vec::new();
        while let Some(k) = stack.pop() {
            match k.codec() {
                FIL_COMMITMENT_UNSEALED | FIL_COMMITMENT_SEALED => continue,
                IPLD_RAW | DAG_CBOR | CBOR => {}
                codec => return Err(anyhow!("cid {k} has unexpected codec ({codec})")),
            }
            match (k.hash().code(), k.hash().size()) {
                (BLAKE2B_256, 32) | (IDENTITY, _) => {}
                (hash, len) => {
                    return Err(anyhow!(
                        "cid {k} has unexpected multihash (code={hash}, len={len})"
                    ))
                }
            }
            if k.hash().code() == IDENTITY {
                if k.codec() == DAG_CBOR {
                    scan_links(k.hash().digest(), &mut stack, FlushWalk::Fvm3)?;
                }
                continue;
            }
            let Some(data) = writes.remove(&k) else {
                continue;
            };
            if k.codec() == DAG_CBOR {
                scan_links(&data, &mut stack, FlushWalk::Fvm3)
                    .map_err(|e| anyhow!("flush: block {k}: {e}"))?;
            }
            out.push((k, data));
        }
        for (k, data) in out {
            self.base.put_keyed(&k, &data)?;
        }
        Ok(())
    }
}

const IPLD_RAW: u64 = 0x55;
const CBOR: u64 = 0x51;
const BLAKE2B_256: u64 = 0xb220;
const IDENTITY: u64 = 0;
const FIL_COMMITMENT_UNSEALED: u64 = 0xf101;
const FIL_COMMITMENT_SEALED: u64 = 0xf102;

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

/// Pushes every CID linked from a DAG-CBOR block (tag 42) onto `out`, reading the block the
/// way the reference's flush of that generation does: one top-level item (trailing bytes are
/// not looked at). fvm 2: canonical lengths only, string contents skipped without bounds
/// checks, links of at most 100 bytes whose first byte is not checked. fvm 3: any length
/// encoding, strings within the block, links starting with a 0 byte.
pub fn scan_links(data: &[u8], out: &mut Vec<Cid>, walk: FlushWalk) -> Result<()> {
    let strict = walk == FlushWalk::Fvm3;
    let mut r = CborReader {
        data,
        pos: 0,
        canonical: !strict,
    };
    let mut pending: u64 = 1;
    while pending > 0 {
        let (major, arg) = r.head()?;
        match major {
            0 | 1 | 7 => {}
            2 | 3 if strict => {
                r.take(usize::try_from(arg).unwrap_or(usize::MAX))
                    .map_err(|_| anyhow!("unexpected end of cbor stream"))?;
            }
            2 | 3 => {
                r.pos = r
                    .pos
                    .saturating_add(usize::try_from(arg).unwrap_or(usize::MAX))
            }
            4 => pending = pending.saturating_add(arg),
            5 => pending = pending.saturating_add(arg.saturating_mul(2)),
            _ => {
                if arg == 42 {
                    let (m, len) = r.head()?;
                    if m != 2 {
                        return Err(anyhow!("expected cbor type byte string in input"));
                    }
                    if strict {
                        let rest = r.data.len().saturating_sub(r.pos) as u64;
                        if len > rest {
                            return Err(anyhow!("unexpected end of cbor stream"));
                        }
                        if r.data.get(r.pos) != Some(&0) {
                            return Err(anyhow!("DagCBOR CID does not start with a 0x byte"));
                        }
                    } else if len > 100 {
                        return Err(anyhow!("string in cbor input too long"));
                    }
                    let bytes = r.take(len as usize)?;
                    let cid_bytes = bytes.get(1..).ok_or_else(|| anyhow!("empty CID link"))?;
                    out.push(Cid::try_from(cid_bytes)?);
                } else {
                    pending += 1;
                }
            }
        }
        pending -= 1;
    }
    Ok(())
}

struct CborReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Whether non-canonical lengths are refused (fvm 2).
    canonical: bool,
}

impl<'a> CborReader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| anyhow!("length overflow"))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or_else(|| anyhow!("unexpected end of block"))?;
        self.pos = end;
        Ok(s)
    }

    /// Reads an item head: (major type, argument), refusing non-canonical lengths.
    fn head(&mut self) -> Result<(u8, u64)> {
        let b = self.take(1)?[0];
        let (major, info) = (b >> 5, b & 0x1f);
        let arg = match info {
            0..=23 => info as u64,
            24 => {
                let v = self.take(1)?[0] as u64;
                if self.canonical && v < 24 {
                    return Err(anyhow!(
                        "cbor input was not canonical (lval 24 with value < 24)"
                    ));
                }
                v
            }
            25 => {
                let v = u16::from_be_bytes(self.take(2)?.try_into()?) as u64;
                if self.canonical && v <= u8::MAX as u64 {
                    return Err(anyhow!(
                        "cbor input was not canonical (lval 25 with value <= MaxUint8)"
                    ));
                }
                v
            }
            26 => {
                let v = u32::from_be_bytes(self.take(4)?.try_into()?) as u64;
                if self.canonical && v <= u16::MAX as u64 {
                    return Err(anyhow!(
                        "cbor input was not canonical (lval 26 with value <= MaxUint16)"
                    ));
                }
                v
            }
            27 => {
                let v = u64::from_be_bytes(self.take(8)?.try_into()?);
                if self.canonical && v <= u32::MAX as u64 {
                    return Err(anyhow!(
                        "cbor input was not canonical (lval 27 with value <= MaxUint32)"
                    ));
                }
                v
            }
            _ => return Err(anyhow!("invalid cbor header")),
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
        buf.flush(&root, FlushWalk::Fvm2).expect("flush");
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
        for walk in [FlushWalk::Fvm2, FlushWalk::Fvm3] {
            out.clear();
            scan_links(&bytes, &mut out, walk).expect("scan");
            assert_eq!(out, vec![a, b]);
            assert!(scan_links(&bytes[..bytes.len() - 40], &mut out, walk).is_err());
        }
        // Non-canonical lengths are refused by fvm 2's walk only.
        assert!(scan_links(&[0x18, 0x01], &mut out, FlushWalk::Fvm2).is_err());
        assert!(scan_links(&[0x18, 0x01], &mut out, FlushWalk::Fvm3).is_ok());
        // A string running past the block: fvm 2 skips it unread, fvm 3 refuses it.
        assert!(scan_links(&[0x45, 1, 2], &mut out, FlushWalk::Fvm2).is_ok());
        assert!(scan_links(&[0x45, 1, 2], &mut out, FlushWalk::Fvm3).is_err());
    }

    #[test]
    fn fvm3_flush_keeps_what_the_root_does_not_reach() {
        let base = Rc::new(MemoryBlockstore::new());
        let buf = BufferedStore::new(base.clone());
        let leaf = buf.put_cbor(&"leaf", Code::Blake2b256).expect("put");
        let garbage = buf.put_cbor(&"garbage", Code::Blake2b256).expect("put");
        let root = buf.put_cbor(&(1u8, leaf), Code::Blake2b256).expect("put");
        buf.flush(&root, FlushWalk::Fvm3).expect("flush");
        assert!(Blockstore::has(&*base, &leaf).expect("has"));
        assert!(!Blockstore::has(&*base, &garbage).expect("has"));
        // Still readable through the buffer, as in the reference.
        assert!(Blockstore::has(&buf, &garbage).expect("has"));
    }
}
