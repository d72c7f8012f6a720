//! Events actors emit during a message (FIP-0049): kept in order, dropped with the call that
//! emitted them if it fails, and committed to an AMT whose root goes in the receipt.
use cid::Cid;
use fvm_ipld_amt::Amt;
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_shared::event::StampedEvent;

use crate::error::{fatal, Result};

/// Bit width of the events AMT.
const EVENTS_AMT_BIT_WIDTH: u32 = 5;

/// The events of one message so far.
#[derive(Debug, Default)]
pub struct Events {
    events: Vec<StampedEvent>,
    /// Event counts at the start of each open call.
    layers: Vec<usize>,
}

impl Events {
    /// Adds an event.
    pub fn push(&mut self, event: StampedEvent) {
        self.events.push(event);
    }

    /// Opens a call.
    pub fn begin(&mut self) {
        self.layers.push(self.events.len());
    }

    /// Closes a call, dropping its events when it failed.
    pub fn end(&mut self, revert: bool) -> Result<()> {
        let mark = self
            .layers
            .pop()
            .ok_or_else(|| fatal("event accumulator not in a call"))?;
        if revert {
            self.events.truncate(mark);
        }
        Ok(())
    }

    /// The events and the root of their AMT (none without events). The AMT's blocks are
    /// not kept: the root commits to them, the node stores them if it wants.
    pub fn finish(self) -> Result<(Vec<StampedEvent>, Option<Cid>)> {
        if !self.layers.is_empty() {
            return Err(fatal("event accumulator finished inside a call"));
        }
        if self.events.is_empty() {
            return Ok((self.events, None));
        }
        let root = Amt::new_from_iter_with_bit_width(
            MemoryBlockstore::new(),
            EVENTS_AMT_BIT_WIDTH,
            self.events.iter(),
        )
        .map_err(|e| fatal(format!("failed to build the events AMT: {e}")))?;
        Ok((self.events, Some(root)))
    }
}
