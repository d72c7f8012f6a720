//! The EVM-heavy workload: Solidity that spends its gas in the EVM actor's interpreter
//! (`tests/fevm/contracts/Heavy.sol`), deployed through the EAM and called on the official
//! bundles, recorded as vectors whose expectations are the reference's (fvm 4.8.4), so both
//! machines run them through their vector runners and a machine that reproduces one did the
//! work right.
//!
//! Each vector deploys the contract (twice for the call loop: caller and callee) and then
//! calls one function [`CALLS`] times, each call sized to use about the same gas (a fixed
//! budget), so execution time per gas compares across workloads and network versions.
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

use crate::run_nv18_28::{Bundles, OfficialEngines};
use crate::scenario_nv18_28::{OfficialBuilder, OfficialScenario, Reach};
use crate::table_nv18_20::fevm::{calldata, created, deploy, hex, id_word, invoke, word};

/// Bumped whenever the generated vectors change, so a stale file is made again.
pub const GENERATION: u32 = 1;
/// Calls of the workload's function in each vector (after the deployments).
pub const CALLS: usize = 3;
/// The gas limit of each call: the block's limit, so the loop size alone decides the work.
const GAS_LIMIT: u64 = 10_000_000_000;
/// The network versions the workload runs at: the first of fvm 4 and the newest.
pub const VERSIONS: [u32; 2] = [21, 28];

/// One function of `Heavy.sol` and how far it loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// A keccak-256 chain.
    Keccak,
    /// An insertion sort of an array in memory.
    Sort,
    /// Writes to fresh storage slots.
    Storage,
    /// Token transfers, each with its event.
    Transfers,
    /// Calls into another contract.
    CallLoop,
}

impl Workload {
    /// Every workload.
    pub const ALL: [Workload; 5] = [
        Workload::Keccak,
        Workload::Sort,
        Workload::Storage,
        Workload::Transfers,
        Workload::CallLoop,
    ];

    /// Its short name (in file and workload names).
    pub fn name(self) -> &'static str {
        match self {
            Workload::Keccak => "keccak-loop",
            Workload::Sort => "sort-in-memory",
            Workload::Storage => "storage-writes",
            Workload::Transfers => "erc20-transfers",
            Workload::CallLoop => "call-loop",
        }
    }

    /// The calldata of call `i` (storage writes go where the earlier calls did not), each
    /// sized to about 1.2 billion gas at nv28.
    fn calldata(self, i: usize) -> Vec<u8> {
        let i = i as u64;
        match self {
            Workload::Keccak => calldata("keccakLoop(uint256)", vec![word(20_000)], vec![]),
            Workload::Sort => calldata("sortArray(uint256)", vec![word(220)], vec![]),
            Workload::Storage => calldata(
                "storageWrites(uint256,uint256)",
                vec![word(i * 10_000), word(1_200)],
                vec![],
            ),
            Workload::Transfers => calldata(
                "transfers(address,uint256)",
                vec![word(0xbeef), word(4_500)],
                vec![],
            ),
            Workload::CallLoop => calldata(
                "callLoop(address,uint256)",
                vec![id_word(created(1).id().unwrap_or_default()), word(330)],
                vec![],
            ),
        }
    }
}

fn heavy_code() -> Vec<u8> {
    hex(include_str!("../../fevm/build/Heavy.bin"))
}

/// The scenario of `workload` at network version `nv`.
pub fn scenario(workload: Workload, nv: u32) -> OfficialScenario {
    let mut b = OfficialBuilder::new(format!("evm-heavy: {} (nv{nv})", workload.name()))
        .nv(nv)
        .msg(deploy(&heavy_code()).gas(GAS_LIMIT))
        .reach(Reach::Exit(0, 0));
    let mut first = 1;
    if workload == Workload::CallLoop {
        b = b
            .msg(deploy(&heavy_code()).gas(GAS_LIMIT))
            .reach(Reach::Exit(1, 0));
        first = 2;
    }
    for i in 0..CALLS {
        b = b
            .msg(invoke(created(0), workload.calldata(i)).gas(GAS_LIMIT))
            .reach(Reach::Exit(first + i, 0));
    }
    b.build()
}

/// The vector file of `workload` at `nv` in `dir`, made when missing (or made by another
/// generation of this code); expectations by the reference.
pub fn vector_file(dir: &Path, workload: Workload, nv: u32) -> Result<PathBuf> {
    let path = dir.join(format!(
        "evm-heavy-{}-nv{nv}-g{GENERATION}.json",
        workload.name()
    ));
    if path.is_file() {
        return Ok(path);
    }
    let bundles = Bundles::load_for(nv..=nv)
        .ok_or_else(|| anyhow!("the official bundle of nv{nv} is not in ../shared/bundles"))?;
    let engines = OfficialEngines::new()?;
    let s = scenario(workload, nv);
    let v = crate::corpus_nv18_28::vector(&engines, &bundles, &s)?;
    if let Some(bad) = v["postconditions"]["receipts"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["exit_code"] != 0))
    {
        return Err(anyhow!("{}: a call failed on the reference: {bad}", s.name));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, v.to_string()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each workload's calls succeed on both machines with the same receipts, and use about
    /// the same gas (within a factor of two of each other), so the bench compares like with
    /// like.
    #[test]
    fn every_workload_agrees_and_spends_a_similar_budget() {
        let Some(bundles) = Bundles::load_for(28..=28) else {
            println!("!! SKIPPED: no official nv28 bundle in ../shared/bundles");
            return;
        };
        let engines = OfficialEngines::new().expect("engines");
        let mut gas = Vec::new();
        for w in Workload::ALL {
            let s = scenario(w, 28);
            let outcomes = crate::run_nv18_28::compare(&engines, &bundles, &s).expect("agrees");
            let last = outcomes.last().expect("outcomes");
            println!("{}: {} gas a call", w.name(), last.gas_used);
            gas.push(last.gas_used);
        }
        let (lo, hi) = (gas.iter().min().unwrap(), gas.iter().max().unwrap());
        assert!(*hi < 2 * *lo, "gas a call: {gas:?}");
    }
}
