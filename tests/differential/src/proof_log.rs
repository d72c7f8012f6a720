//! A verifier that answers as the scenario says and counts what it was asked, so a scenario
//! can require that a message got as far as verifying its seals or PoSts: verification is
//! charged before it runs, so agreeing on gas, the reference got there too.
use std::cell::Cell;

use skyr::proof_types::ProofTypes;
use skyr::shared::sector::{
    AggregateSealVerifyProofAndInfos, ReplicaUpdateInfo, SealVerifyInfo, WindowPoStVerifyInfo,
};
use skyr::{RealProofs, Verifier};

/// How the verifier answers: each scenario, and each message that needs another answer, names
/// one, and both machines give it after charging the check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Answer {
    /// Checked for real, as Skyr's [`RealProofs`] and the reference's kernel check them. The
    /// scenarios' made-up proofs fail.
    #[default]
    Checked,
    /// Valid, as conformance runners answer for vectors (whose proofs mainnet checked).
    Valid,
    /// Invalid (a disputed PoSt).
    Invalid,
}

/// What a message asked the verifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    /// Single seals, alone or in a batch.
    pub seals: u64,
    /// Aggregates of seals (each counted once, whatever it holds).
    pub aggregates: u64,
    /// Window PoSts.
    pub posts: u64,
    /// Replica updates.
    pub updates: u64,
}

/// A verifier giving the [`Answer`] it is set to, counting every proof it is asked to check.
#[derive(Default)]
pub struct CountingProofs {
    asked: Cell<Asked>,
    answer: Cell<Answer>,
}

impl Asked {
    /// Only `n` single seals.
    pub fn seals(n: u64) -> Asked {
        Asked {
            seals: n,
            ..Asked::default()
        }
    }

    /// Only `n` aggregates of seals.
    pub fn aggregates(n: u64) -> Asked {
        Asked {
            aggregates: n,
            ..Asked::default()
        }
    }

    /// Only `n` window PoSts.
    pub fn posts(n: u64) -> Asked {
        Asked {
            posts: n,
            ..Asked::default()
        }
    }
}

impl CountingProofs {
    /// Everything asked so far.
    pub fn asked(&self) -> Asked {
        self.asked.get()
    }

    /// Answers `answer` from now on.
    pub fn set_answer(&self, answer: Answer) {
        self.answer.set(answer);
    }

    /// Counts a question and answers it: `check` verifies for real.
    fn note(
        &self,
        f: impl FnOnce(&mut Asked),
        check: impl FnOnce() -> anyhow::Result<bool>,
    ) -> anyhow::Result<bool> {
        let mut a = self.asked.get();
        f(&mut a);
        self.asked.set(a);
        match self.answer.get() {
            Answer::Checked => check(),
            answer => Ok(answer == Answer::Valid),
        }
    }
}

impl std::ops::Sub for Asked {
    type Output = Asked;
    fn sub(self, b: Asked) -> Asked {
        Asked {
            seals: self.seals - b.seals,
            aggregates: self.aggregates - b.aggregates,
            posts: self.posts - b.posts,
            updates: self.updates - b.updates,
        }
    }
}

impl Verifier for CountingProofs {
    fn verify_seal(&self, info: &SealVerifyInfo, types: &ProofTypes) -> anyhow::Result<bool> {
        self.note(|a| a.seals += 1, || RealProofs.verify_seal(info, types))
    }
    fn verify_post(&self, info: &WindowPoStVerifyInfo, types: &ProofTypes) -> anyhow::Result<bool> {
        self.note(|a| a.posts += 1, || RealProofs.verify_post(info, types))
    }
    fn verify_aggregate_seals(
        &self,
        info: &AggregateSealVerifyProofAndInfos,
        types: &ProofTypes,
    ) -> anyhow::Result<bool> {
        self.note(
            |a| a.aggregates += 1,
            || RealProofs.verify_aggregate_seals(info, types),
        )
    }
    fn verify_replica_update(&self, info: &ReplicaUpdateInfo) -> anyhow::Result<bool> {
        self.note(
            |a| a.updates += 1,
            || RealProofs.verify_replica_update(info),
        )
    }
}
