//! What the chain tells the machine: randomness and the CIDs of earlier tipsets. A devnet has
//! no tickets and no beacon, so its randomness is a digest of a label and the epoch: the same
//! chain gives the same randomness on every run (execution stays deterministic). A chain
//! forked from a node's asks that node about the epochs up to the fork.
use std::collections::BTreeMap;
use std::rc::Rc;

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
    /// A forked chain's first height and what answers for epochs up to it (the node).
    pub history: Option<(ChainEpoch, Rc<dyn Externs>)>,
}

impl ChainExterns {
    /// What answers for `epoch`, when the node's history does.
    fn history_at(&self, epoch: ChainEpoch) -> Option<&Rc<dyn Externs>> {
        self.history
            .as_ref()
            .filter(|(first, _)| epoch <= *first)
            .map(|(_, h)| h)
    }
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
        match self.history_at(round) {
            Some(h) => h.chain_randomness(round),
            None => Ok(ticket_digest(round)),
        }
    }

    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        match self.history_at(round) {
            Some(h) => h.beacon_randomness(round),
            None => Ok(beacon_digest(round)),
        }
    }

    fn verify_consensus_fault(
        &self,
        h1: &[u8],
        h2: &[u8],
        extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        match &self.history {
            // Headers of a node's chain are the node's to judge.
            Some((_, h)) => h.verify_consensus_fault(h1, h2, extra),
            // One miner makes every block: no two headers of it can conflict.
            None => Ok((None, 0)),
        }
    }

    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        if let Some((first, h)) = &self.history {
            if epoch < *first {
                return h.tipset_cid(epoch);
            }
        }
        // A null round answers with the tipset before it, as Lotus does.
        self.tipsets
            .range(..=epoch)
            .next_back()
            .map(|(_, c)| *c)
            .ok_or_else(|| anyhow!("no tipset at or before epoch {epoch}"))
    }
}
