//! IPLD syscalls: open, create, read, stat and link blocks; where reachability is tracked
//! (FIP-0071), each block's links are found and checked.
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::error::ErrorNumber;
use multihash_codetable::{Code, MultihashDigest};

use super::links;
use super::{Block, Kernel};
use crate::error::{fatal, syscall_err, OrErr, Result};

/// The only hash blocks may be linked with: blake2b-256.
const BLAKE2B_256: u64 = 0xb220;

impl Kernel {
    /// Loads a block from the store; returns its handle, codec and size.
    pub fn block_open(&mut self, cid: &Cid) -> Result<(u32, u64, u32)> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_block_open_base())?;
        if !self.blocks.is_reachable(cid) {
            return Err(syscall_err(
                ErrorNumber::NotFound,
                format!("block not reachable: {cid}"),
            ));
        }
        let data = self
            .cm
            .machine
            .state
            .store()
            .get(cid)
            .or_fatal()?
            .ok_or_else(|| fatal(format!("missing state: {cid}")))?;
        let children = self.scan_links(cid.codec(), &data)?;
        self.charge(pl.on_block_open_per_byte(data.len(), children.len()))?;
        let block = Block::with_links(cid.codec(), data, children);
        let (codec, size) = (block.codec(), block.size());
        let id = self.blocks.put(block)?;
        Ok((id, codec, size))
    }

    /// Holds new block data; returns its handle.
    pub fn block_create(&mut self, codec: u64, data: &[u8]) -> Result<u32> {
        if let Some(max) = self.cm.machine.rules.max_block_size {
            if data.len() > max {
                return Err(crate::error::syscall_err(
                    fvm_shared::error::ErrorNumber::LimitExceeded,
                    "blocks may not be larger than 1MiB",
                ));
            }
        }
        let pl = self.cm.machine.rules.prices;
        if !self.blocks.tracks_reachability() {
            self.charge(pl.on_block_create(data.len(), 0))?;
            return self.blocks.put(Block::new(codec, data));
        }
        if !self.cm.machine.rules.block_codecs.contains(&codec) {
            return Err(syscall_err(
                ErrorNumber::IllegalCodec,
                format!("codec {codec} not allowed"),
            ));
        }
        let children = self.scan_links(codec, data)?;
        self.charge(pl.on_block_create(data.len(), children.len()))?;
        self.blocks
            .put_created(Block::with_links(codec, data, children))
    }

    /// The links of a block about to be held, where reachability is tracked (none where it
    /// is not); the walk is paid as it goes, then charged as one `OnScanIpldLinks`.
    fn scan_links(&mut self, codec: u64, data: &[u8]) -> Result<Vec<cid::Cid>> {
        let prices = match self.cm.machine.rules.prices.links {
            Some(p) if self.blocks.tracks_reachability() => p,
            _ => return Ok(Vec::new()),
        };
        let codecs = self.cm.machine.rules.block_codecs;
        let (found, used) = links::scan(codec, data, prices, codecs, self.cm.gas.available());
        self.cm.gas.charge("OnScanIpldLinks", used)?;
        found
    }

    /// Hashes an open block, stores it, and returns its CID.
    pub fn block_link(&mut self, id: u32, hash_fun: u64, hash_len: u32) -> Result<Cid> {
        if hash_fun != BLAKE2B_256 || hash_len != 32 {
            return Err(syscall_err(
                ErrorNumber::IllegalCid,
                "cids must be 32-byte blake2b",
            ));
        }
        let block = self.blocks.get(id)?.clone();
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_block_link(hash_fun, block.size() as usize))?;
        let k = Cid::new_v1(block.codec(), Code::Blake2b256.digest(block.data()));
        self.cm
            .machine
            .state
            .store()
            .put_keyed(&k, block.data())
            .or_fatal()?;
        self.blocks.mark_reachable(&k);
        Ok(k)
    }

    /// Copies block bytes from `offset` into `buf`; returns the bytes remaining past the
    /// end of `buf` (negative when `buf` reaches past the block).
    pub fn block_read(&mut self, id: u32, offset: u32, buf: &mut [u8]) -> Result<i32> {
        let end = i32::try_from(offset as u64 + buf.len() as u64).map_err(|_| {
            syscall_err(
                ErrorNumber::IllegalArgument,
                "offset plus buffer length exceeds i32",
            )
        })?;
        let block = self.blocks.get(id)?.clone();
        let data = block.data();
        let start = offset as usize;
        let n = data.len().saturating_sub(start).min(buf.len());
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_block_read(n))?;
        if n > 0 {
            buf[..n].copy_from_slice(&data[start..start + n]);
        }
        Ok(data.len() as i32 - end)
    }

    /// Codec and size of an open block.
    pub fn block_stat(&mut self, id: u32) -> Result<(u64, u32)> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_block_stat())?;
        let b = self.blocks.get(id)?;
        Ok((b.codec(), b.size()))
    }
}
