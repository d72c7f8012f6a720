//! The devnet's timeline, as a test suite drives it: snapshots and reverts (`evm_snapshot`,
//! `evm_revert`), moving time (`evm_increaseTime`, `evm_setNextBlockTimestamp`,
//! `evm_setTime`, `anvil_setBlockTimestampInterval`), dropping pending transactions and
//! starting over (`anvil_reset`).
//!
//! Reverting removes the snapshot and every later one, as Hardhat and Anvil do, and restores
//! the pool and the pending time moves with the chain.
use cid::Cid;

use crate::error::{RpcError, RpcResult};
use crate::node::{Node, Pending};

/// Time moves the next block takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeMoves {
    /// The next block's timestamp, if set.
    pub next_timestamp: Option<u64>,
    /// Seconds added to the next block's timestamp.
    pub jump: u64,
    /// Seconds between blocks, when not the chain's delay.
    pub interval: Option<u64>,
    /// Every second `evm_increaseTime` ever added (what it answers).
    pub total_jump: u64,
}

impl TimeMoves {
    /// Takes the moves meant for one block: its set timestamp and the jump.
    pub fn take_next(&mut self) -> (Option<u64>, u64) {
        let out = (self.next_timestamp.take(), self.jump);
        self.jump = 0;
        out
    }
}

/// What a snapshot keeps: the head, the state it produced (edits included), the pool and the
/// pending time moves.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// What `evm_snapshot` answered.
    pub id: u64,
    height: i64,
    state_root: Cid,
    pool: Vec<Pending>,
    time: TimeMoves,
}

impl Node {
    /// Takes a snapshot and returns its ID.
    pub fn snapshot(&mut self) -> u64 {
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        let head = self.chain.head();
        self.snapshots.push(Snapshot {
            id,
            height: head.height(),
            state_root: head.state_root,
            pool: self.pool.clone(),
            time: self.time,
        });
        id
    }

    /// Goes back to snapshot `id`, which is removed with every later one. False when there is
    /// no such snapshot (already reverted, or never taken).
    pub fn revert(&mut self, id: u64) -> RpcResult<bool> {
        let Some(i) = self.snapshots.iter().position(|s| s.id == id) else {
            return Ok(false);
        };
        let s = self.snapshots[i].clone();
        self.chain
            .revert_to(s.height, s.state_root)
            .map_err(|e| RpcError::internal(format!("reverting: {e:#}")))?;
        self.snapshots.truncate(i);
        self.pool = s.pool;
        self.time = s.time;
        Ok(true)
    }

    /// Back to the genesis: no blocks, no pool, no snapshots, no time moves (`anvil_reset`).
    pub fn reset(&mut self) -> RpcResult<()> {
        self.chain
            .reset()
            .map_err(|e| RpcError::internal(format!("resetting: {e:#}")))?;
        self.pool.clear();
        self.snapshots.clear();
        self.time = TimeMoves::default();
        Ok(())
    }

    /// Adds `seconds` to the next block's timestamp; returns all seconds added so far.
    pub fn increase_time(&mut self, seconds: u64) -> u64 {
        self.time.jump = self.time.jump.saturating_add(seconds);
        self.time.total_jump = self.time.total_jump.saturating_add(seconds);
        self.time.total_jump
    }

    /// Sets the next block's timestamp, which may not be before the head's.
    pub fn set_next_timestamp(&mut self, ts: u64) -> RpcResult<()> {
        let head = self.chain.head().header.timestamp;
        if ts < head {
            return Err(RpcError::rejected(format!(
                "timestamp {ts} is before the latest block's ({head})"
            )));
        }
        self.time.next_timestamp = Some(ts);
        self.time.jump = 0;
        Ok(())
    }

    /// Sets the clock: the next block is at `ts` (even before the head, as Anvil allows).
    /// Returns how far that moved the next block from where it was due.
    pub fn set_time(&mut self, ts: u64) -> i64 {
        let due = self.due_timestamp();
        self.time.next_timestamp = Some(ts);
        self.time.jump = 0;
        ts as i64 - due as i64
    }

    /// Drops a pending transaction by hash, and the sender's later ones, which could no
    /// longer be mined; returns whether it was pending.
    pub fn drop_transaction(&mut self, hash: &[u8; 32]) -> bool {
        let Some(i) = self.pool.iter().position(|p| &p.eth_hash == hash) else {
            return false;
        };
        let dropped = self.pool.remove(i);
        let from = dropped.message.message().from;
        let nonce = dropped.message.message().sequence;
        self.pool.retain(|p| {
            let m = p.message.message();
            m.from != from || m.sequence < nonce
        });
        true
    }

    /// Drops every pending transaction from `eth` (`anvil_removePoolTransactions`).
    pub fn drop_transactions_from(&mut self, eth: &[u8; 20]) {
        let from = crate::ethtx::eth_to_filecoin(eth);
        self.pool.retain(|p| p.message.message().from != from);
    }
}
