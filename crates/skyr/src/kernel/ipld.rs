//! IPLD syscalls: open, create, read, stat and link blocks.
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::error::ErrorNumber;
use multihash_codetable::{Code, MultihashDigest};

use super::{Block, Kernel};
use crate::error::{fatal, syscall_err, OrErr, Result};

/// The only hash blocks may be linked with: blake2b-256.
const BLAKE2B_256: u64 = 0xb220;

impl Kernel {
    /// Loads a block from the store; returns its handle, codec and size.
    pub fn block_open(&mut self, cid: &Cid) -> Result<(u32, u64, u32)> {
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_block_open_base())?;
        let data = self
            .cm
            .machine
            .state
            .store()
            .get(cid)
            .or_fatal()?
            .ok_or_else(|| fatal(format!("missing state: {cid}")))?;
        let block = Block::new(cid.codec(), data);
        self.charge(pl.on_block_open_per_byte(block.size() as usize))?;
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
        self.charge(pl.on_block_create(data.len()))?;
        self.blocks.put(Block::new(codec, data))
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
