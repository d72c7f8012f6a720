//! What the chain tells the machine: randomness and the CIDs of earlier tipsets. A devnet has
//! no tickets and no beacon, so its randomness is a digest of a label and the epoch: the same
//! chain gives the same randomness on every run (execution stays deterministic).
use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use cid::Cid;
use skyr::externs::epoch_digest;
use skyr::shared::clock::ChainEpoch;
use skyr::shared::consensus::ConsensusFault;
use skyr::Externs;

/// How far back the machine may ask for a tipset CID (the chain finality of fvm 4's
/// `tipset_cid`): older ones need not be kept.
pub const TIPSET_LOOKBACK: ChainEpoch = 900;

/// Externs of a chain at one epoch.
pub struct ChainExterns {
    /// Tipset key CIDs by epoch, for the epochs before the one executing (at most
    /// [`TIPSET_LOOKBACK`] of them).
    pub tipsets: BTreeMap<ChainEpoch, Cid>,
}

/// The ticket digest at `round` (what a node's `StateGetRandomnessDigestFromTickets` answers).
pub fn ticket_digest(round: ChainEpoch) -> [u8; 32] {
    epoch_digest(b"skyr-chain/ticket", round)
}

/// The beacon digest at `round` (`StateGetRandomnessDigestFromBeacon`).
pub fn beacon_digest(round: ChainEpoch) -> [u8; 32] {
    epoch_digest(b"skyr-chain/beacon", round)
}

impl Externs for ChainExterns {
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Ok(ticket_digest(round))
    }

    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Ok(beacon_digest(round))
    }

    fn verify_consensus_fault(
        &self,
        _h1: &[u8],
        _h2: &[u8],
        _extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        // One miner makes every block: no two headers of it can conflict.
        Ok((None, 0))
    }

    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        // A null round answers with the tipset before it, as Lotus does.
        self.tipsets
            .range(..=epoch)
            .next_back()
            .map(|(_, c)| *c)
            .ok_or_else(|| anyhow!("no tipset at or before epoch {epoch}"))
    }
}
