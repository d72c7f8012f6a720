//! What a node tells the machine while it executes a tipset: randomness as the node draws it
//! (the digests of `StateGetRandomnessDigestFromTickets` and `…FromBeacon`, to which the
//! machine mixes in the actor's tag and entropy), and the CIDs of earlier tipsets. Answers are
//! cached: they name the executing tipset by key.
use std::rc::Rc;

use anyhow::{anyhow, bail, Result};
use cid::Cid;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::ConsensusFault;
use serde_json::json;

use crate::chain::{key_json, tipset_at};
use crate::source::{parse_b64, NodeSource};

/// Externs of the tipset `anchor` on a node.
pub struct NodeExterns {
    source: Rc<NodeSource>,
    anchor: Vec<Cid>,
}

impl NodeExterns {
    /// Externs executing tipset `anchor` (its key).
    pub fn new(source: Rc<NodeSource>, anchor: Vec<Cid>) -> NodeExterns {
        NodeExterns { source, anchor }
    }

    fn digest(&self, method: &str, round: ChainEpoch) -> Result<[u8; 32]> {
        let v = self
            .source
            .answer(method, json!([round, key_json(&self.anchor)]))?;
        let bytes = parse_b64(&v, method)?;
        bytes
            .try_into()
            .map_err(|b: Vec<u8>| anyhow!("{method}({round}): {} bytes, not 32", b.len()))
    }
}

impl skyr::Externs for NodeExterns {
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.digest("Filecoin.StateGetRandomnessDigestFromTickets", round)
    }

    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        self.digest("Filecoin.StateGetRandomnessDigestFromBeacon", round)
    }

    fn verify_consensus_fault(
        &self,
        _h1: &[u8],
        _h2: &[u8],
        _extra: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        bail!(
            "checking a consensus fault needs the node's block headers and signatures, which \
             Skyr does not check yet: a ReportConsensusFault message cannot be executed from a node"
        )
    }

    fn tipset_cid(&self, epoch: ChainEpoch) -> Result<Cid> {
        tipset_at(&self.source, epoch, &self.anchor)?.key_cid()
    }
}
