//! Blocks an invocation has open, addressed by handle. Handle 0 means "no block".
//!
//! Where the network rules track reachability (FIP-0071), the registry also holds the set of
//! CIDs the invocation may open, link to or set as its root: its state root once read, the
//! children of every block it was handed or opened, and the blocks it linked. It is only
//! asked whether a CID is in it, so its order never shows.
use std::collections::HashSet;
use std::rc::Rc;

use cid::Cid;
use fvm_shared::error::ErrorNumber;

use crate::error::{syscall_err, Result};

/// Handle meaning "no data" (no parameters, no return value).
pub const NO_DATA_BLOCK_ID: u32 = 0;

/// Most blocks one invocation may hold.
const MAX_BLOCKS: usize = i32::MAX as usize;

/// An IPLD block in memory: codec, bytes and (where reachability is tracked) the CIDs it
/// links to. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    codec: u64,
    data: Rc<[u8]>,
    links: Rc<[Cid]>,
}

impl Block {
    /// A block of `codec` holding `data`, with no links.
    pub fn new(codec: u64, data: impl Into<Rc<[u8]>>) -> Self {
        Block::with_links(codec, data, Vec::new())
    }
    /// A block of `codec` holding `data` that links to `links`.
    pub fn with_links(codec: u64, data: impl Into<Rc<[u8]>>, links: Vec<Cid>) -> Self {
        Block {
            codec,
            data: data.into(),
            links: links.into(),
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
    /// The CIDs it links to (found when it was created or opened).
    pub fn links(&self) -> &[Cid] {
        &self.links
    }
}

/// The open blocks of one invocation; handles count from 1.
#[derive(Debug)]
pub struct BlockRegistry {
    blocks: Vec<Block>,
    /// Codecs a block may have (the network rules decide).
    codecs: &'static [u64],
    /// CIDs the invocation may reach, where tracked.
    reachable: Option<HashSet<Cid>>,
}

impl BlockRegistry {
    /// An empty registry holding blocks of `codecs` only, tracking reachability when
    /// `track_reachability`.
    pub fn new(codecs: &'static [u64], track_reachability: bool) -> Self {
        BlockRegistry {
            blocks: Vec::new(),
            codecs,
            reachable: track_reachability.then(HashSet::new),
        }
    }

    /// Adds a block the invocation was handed or opened, of an allowed codec; its children
    /// become reachable.
    pub fn put(&mut self, block: Block) -> Result<u32> {
        self.check_room()?;
        if !self.codecs.contains(&block.codec) {
            return Err(syscall_err(
                ErrorNumber::IllegalCodec,
                format!("codec {:#x} is not allowed", block.codec),
            ));
        }
        if let Some(set) = &mut self.reachable {
            set.extend(block.links().iter().copied());
        }
        Ok(self.push(block))
    }

    /// Adds a block the actor created (its codec already checked): each of its children must
    /// already be reachable.
    pub fn put_created(&mut self, block: Block) -> Result<u32> {
        self.check_room()?;
        if let Some(k) = block.links().iter().find(|k| !self.is_reachable(k)) {
            return Err(syscall_err(
                ErrorNumber::NotFound,
                format!("cannot put block: {k} not reachable"),
            ));
        }
        Ok(self.push(block))
    }

    fn check_room(&self) -> Result<()> {
        if self.is_full() {
            return Err(syscall_err(ErrorNumber::LimitExceeded, "too many blocks"));
        }
        Ok(())
    }

    fn push(&mut self, block: Block) -> u32 {
        self.blocks.push(block);
        self.blocks.len() as u32
    }

    /// Whether this registry checks reachability.
    pub fn tracks_reachability(&self) -> bool {
        self.reachable.is_some()
    }

    /// Makes `k` reachable (a state root read, a block linked).
    pub fn mark_reachable(&mut self, k: &Cid) {
        if let Some(set) = &mut self.reachable {
            set.insert(*k);
        }
    }

    /// Whether the invocation may reach `k` (always, where not tracked). Inline CIDs are not
    /// reachable by themselves: they may hide links to blocks that are not.
    pub fn is_reachable(&self, k: &Cid) -> bool {
        self.reachable.as_ref().is_none_or(|set| set.contains(k))
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
