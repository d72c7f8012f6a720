//! Blocks an invocation has open, addressed by handle. Handle 0 means "no block".
use std::rc::Rc;

use fvm_shared::error::ErrorNumber;

use crate::error::{syscall_err, Result};

/// Handle meaning "no data" (no parameters, no return value).
pub const NO_DATA_BLOCK_ID: u32 = 0;

/// Most blocks one invocation may hold.
const MAX_BLOCKS: usize = i32::MAX as usize;

/// An IPLD block in memory: codec and bytes. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    codec: u64,
    data: Rc<[u8]>,
}

impl Block {
    /// A block of `codec` holding `data`.
    pub fn new(codec: u64, data: impl Into<Rc<[u8]>>) -> Self {
        Block {
            codec,
            data: data.into(),
        }
    }
    /// Its codec.
    pub fn codec(&self) -> u64 {
        self.codec
    }
    /// Its bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// Its length.
    pub fn size(&self) -> u32 {
        self.data.len() as u32
    }
}

/// The open blocks of one invocation; handles count from 1.
#[derive(Debug)]
pub struct BlockRegistry {
    blocks: Vec<Block>,
    /// Codecs a block may have (the network rules decide).
    codecs: &'static [u64],
}

impl BlockRegistry {
    /// An empty registry holding blocks of `codecs` only.
    pub fn new(codecs: &'static [u64]) -> Self {
        BlockRegistry {
            blocks: Vec::new(),
            codecs,
        }
    }

    /// Adds a block of an allowed codec.
    pub fn put(&mut self, block: Block) -> Result<u32> {
        if self.is_full() {
            return Err(syscall_err(ErrorNumber::LimitExceeded, "too many blocks"));
        }
        if !self.codecs.contains(&block.codec) {
            return Err(syscall_err(
                ErrorNumber::IllegalCodec,
                format!("codec {:#x} is not allowed", block.codec),
            ));
        }
        self.blocks.push(block);
        Ok(self.blocks.len() as u32)
    }

    /// The block behind a handle.
    pub fn get(&self, id: u32) -> Result<&Block> {
        (id as usize)
            .checked_sub(1)
            .and_then(|i| self.blocks.get(i))
            .ok_or_else(|| {
                syscall_err(
                    ErrorNumber::InvalidHandle,
                    format!("no block with handle {id}"),
                )
            })
    }

    /// True when no more blocks fit.
    pub fn is_full(&self) -> bool {
        self.blocks.len() >= MAX_BLOCKS
    }
}
