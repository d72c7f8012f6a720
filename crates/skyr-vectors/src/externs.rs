//! Externs of a vector run: recorded randomness replayed by (kind, epoch), with the reference
//! runner's fixed fallback when no rule matches, and no consensus faults.
use anyhow::Result;
use fvm_shared::clock::ChainEpoch;
use fvm_shared::consensus::ConsensusFault;
use serde_json::Value;

use crate::schema::{b64, RandomnessRule};

/// What an unmatched randomness request gets (the reference runner's fallback).
pub const FALLBACK: [u8; 32] = *b"i_am_random_____i_am_random_____";

/// Randomness kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Chain,
    Beacon,
}

/// Replays a vector's randomness.
#[derive(Clone, Debug, Default)]
pub struct ReplayExterns {
    rules: Vec<(Kind, ChainEpoch, [u8; 32])>,
}

impl ReplayExterns {
    /// Reads the rules; rules of the older shape (matching on tag and entropy too) are kept by
    /// kind and epoch, the only inputs the FVM's externs receive.
    pub fn new(rules: &[RandomnessRule]) -> Result<Self> {
        let mut out = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let field = format!("randomness[{i}]");
            let kind = match r.on.first().and_then(Value::as_str) {
                Some("chain") => Kind::Chain,
                Some("beacon") => Kind::Beacon,
                other => anyhow::bail!("{field}.on[0]: unknown randomness kind {other:?}"),
            };
            let epoch = match r.on.len() {
                2 => r.on[1].as_i64(),
                4 => r.on[2].as_i64(),
                _ => None,
            }
            .ok_or_else(|| anyhow::anyhow!("{field}.on: expected [kind, epoch]"))?;
            let ret = b64(&r.ret, &format!("{field}.ret"))?;
            let ret: [u8; 32] = ret.try_into().map_err(|v: Vec<u8>| {
                anyhow::anyhow!("{field}.ret: {} bytes, expected 32", v.len())
            })?;
            out.push((kind, epoch, ret));
        }
        Ok(ReplayExterns { rules: out })
    }

    fn find(&self, kind: Kind, epoch: ChainEpoch) -> [u8; 32] {
        self.rules
            .iter()
            .find(|(k, e, _)| *k == kind && *e == epoch)
            .map(|r| r.2)
            .unwrap_or(FALLBACK)
    }
}

impl skyr::Externs for ReplayExterns {
    fn chain_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Ok(self.find(Kind::Chain, round))
    }
    fn beacon_randomness(&self, round: ChainEpoch) -> Result<[u8; 32]> {
        Ok(self.find(Kind::Beacon, round))
    }
    fn verify_consensus_fault(
        &self,
        _: &[u8],
        _: &[u8],
        _: &[u8],
    ) -> Result<(Option<ConsensusFault>, i64)> {
        Ok((None, 0))
    }
}
