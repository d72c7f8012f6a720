//! Proof types by their numbers on chain, per generation of the reference.
//!
//! Proof types travel as integers. Which integers exist, and which proof of
//! `filecoin-proofs-api` each one means, changed over the FVM's life: fvm 2 (network
//! versions 16–17) knows seal types 0–9 and window PoSt types 5–9 (PoSt version 1); later
//! generations add seal types and move window PoSt to 10–14 (version 1.2). The shared types
//! keep the integer whatever it is (`Invalid(n)` for one they do not name), so the machine
//! asks the table of its network rules what an integer means.
use anyhow::{anyhow, Result};
use filecoin_proofs_api::{RegisteredPoStProof as ApiPoSt, RegisteredSealProof as ApiSeal};
use fvm_shared::sector::{RegisteredPoStProof, RegisteredSealProof};

/// The proof types one generation knows.
#[derive(Debug)]
pub struct ProofTypes {
    /// What the table covers, for the rules table.
    pub summary: &'static str,
    /// Seal types: number, the proof it names, and the window PoSt type of its sectors.
    seal: &'static [(i64, ApiSeal, i64)],
    /// PoSt types (winning and window): number and the proof it names.
    post: &'static [(i64, ApiPoSt)],
}

impl ProofTypes {
    /// The table's entry for a seal type: the proof it names and its sectors' window PoSt.
    fn seal_entry(&self, p: RegisteredSealProof) -> Option<&(i64, ApiSeal, i64)> {
        let n = i64::from(p);
        self.seal.iter().find(|s| s.0 == n)
    }

    /// The seal proof a seal type names, or an error for a type this generation lacks.
    pub fn seal(&self, p: RegisteredSealProof) -> Result<ApiSeal> {
        self.seal_entry(p)
            .map(|s| s.1)
            .ok_or_else(|| anyhow!("unsupported seal proof type: {}", i64::from(p)))
    }

    /// Whether this generation knows the seal type.
    pub fn knows_seal(&self, p: RegisteredSealProof) -> bool {
        self.seal_entry(p).is_some()
    }

    /// The PoSt proof a PoSt type names, or an error for a type this generation lacks.
    pub fn post(&self, p: RegisteredPoStProof) -> Result<ApiPoSt> {
        let n = i64::from(p);
        self.post
            .iter()
            .find(|s| s.0 == n)
            .map(|s| s.1)
            .ok_or_else(|| anyhow!("unsupported PoSt proof type: {n}"))
    }

    /// The window PoSt proof of sectors sealed with a seal type.
    pub fn window_post_of_seal(&self, p: RegisteredSealProof) -> Result<ApiPoSt> {
        let entry = self
            .seal_entry(p)
            .ok_or_else(|| anyhow!("no window PoSt type for seal proof type {}", i64::from(p)))?;
        self.post(RegisteredPoStProof::from(entry.2))
    }
}

/// fvm 2 (network versions 16–17): seal 0–4 (version 1) and 5–9 (version 1.1), winning PoSt
/// 0–4, window PoSt 5–9 (version 1).
pub static FVM2_PROOF_TYPES: ProofTypes = ProofTypes {
    summary: "fvm 2: seal 0-9, winning PoSt 0-4, window PoSt 5-9 (v1)",
    seal: &[
        (0, ApiSeal::StackedDrg2KiBV1, 5),
        (1, ApiSeal::StackedDrg8MiBV1, 6),
        (2, ApiSeal::StackedDrg512MiBV1, 7),
        (3, ApiSeal::StackedDrg32GiBV1, 8),
        (4, ApiSeal::StackedDrg64GiBV1, 9),
        (5, ApiSeal::StackedDrg2KiBV1_1, 5),
        (6, ApiSeal::StackedDrg8MiBV1_1, 6),
        (7, ApiSeal::StackedDrg512MiBV1_1, 7),
        (8, ApiSeal::StackedDrg32GiBV1_1, 8),
        (9, ApiSeal::StackedDrg64GiBV1_1, 9),
    ],
    post: &[
        (0, ApiPoSt::StackedDrgWinning2KiBV1),
        (1, ApiPoSt::StackedDrgWinning8MiBV1),
        (2, ApiPoSt::StackedDrgWinning512MiBV1),
        (3, ApiPoSt::StackedDrgWinning32GiBV1),
        (4, ApiPoSt::StackedDrgWinning64GiBV1),
        (5, ApiPoSt::StackedDrgWindow2KiBV1),
        (6, ApiPoSt::StackedDrgWindow8MiBV1),
        (7, ApiPoSt::StackedDrgWindow512MiBV1),
        (8, ApiPoSt::StackedDrgWindow32GiBV1),
        (9, ApiPoSt::StackedDrgWindow64GiBV1),
    ],
};

/// fvm 3 (network versions 18–20): seal 0–9 as fvm 2 plus 10–14 (version 1.1 with synthetic
/// PoRep), winning PoSt 0–4, window PoSt 5–9 (version 1) and 10–14 (version 1.2); sectors of
/// every seal type prove with window PoSt 1.2.
pub static FVM3_PROOF_TYPES: ProofTypes = ProofTypes {
    summary: "fvm 3: seal 0-14, winning PoSt 0-4, window PoSt 5-9 (v1) and 10-14 (v1.2)",
    seal: &[
        (0, ApiSeal::StackedDrg2KiBV1, 10),
        (1, ApiSeal::StackedDrg8MiBV1, 11),
        (2, ApiSeal::StackedDrg512MiBV1, 12),
        (3, ApiSeal::StackedDrg32GiBV1, 13),
        (4, ApiSeal::StackedDrg64GiBV1, 14),
        (5, ApiSeal::StackedDrg2KiBV1_1, 10),
        (6, ApiSeal::StackedDrg8MiBV1_1, 11),
        (7, ApiSeal::StackedDrg512MiBV1_1, 12),
        (8, ApiSeal::StackedDrg32GiBV1_1, 13),
        (9, ApiSeal::StackedDrg64GiBV1_1, 14),
        (10, ApiSeal::StackedDrg2KiBV1_1_Feat_SyntheticPoRep, 10),
        (11, ApiSeal::StackedDrg8MiBV1_1_Feat_SyntheticPoRep, 11),
        (12, ApiSeal::StackedDrg512MiBV1_1_Feat_SyntheticPoRep, 12),
        (13, ApiSeal::StackedDrg32GiBV1_1_Feat_SyntheticPoRep, 13),
        (14, ApiSeal::StackedDrg64GiBV1_1_Feat_SyntheticPoRep, 14),
    ],
    post: &[
        (0, ApiPoSt::StackedDrgWinning2KiBV1),
        (1, ApiPoSt::StackedDrgWinning8MiBV1),
        (2, ApiPoSt::StackedDrgWinning512MiBV1),
        (3, ApiPoSt::StackedDrgWinning32GiBV1),
        (4, ApiPoSt::StackedDrgWinning64GiBV1),
        (5, ApiPoSt::StackedDrgWindow2KiBV1),
        (6, ApiPoSt::StackedDrgWindow8MiBV1),
        (7, ApiPoSt::StackedDrgWindow512MiBV1),
        (8, ApiPoSt::StackedDrgWindow32GiBV1),
        (9, ApiPoSt::StackedDrgWindow64GiBV1),
        (10, ApiPoSt::StackedDrgWindow2KiBV1_2),
        (11, ApiPoSt::StackedDrgWindow8MiBV1_2),
        (12, ApiPoSt::StackedDrgWindow512MiBV1_2),
        (13, ApiPoSt::StackedDrgWindow32GiBV1_2),
        (14, ApiPoSt::StackedDrgWindow64GiBV1_2),
    ],
};

/// fvm 4 (network versions 21–28): seal 0–14 as fvm 3 plus 15–19 (version 1.2,
/// non-interactive PoRep, FIP-0092), winning PoSt 0–4, window PoSt 10–14 (version 1.2) only:
/// version 1 window PoSt is gone.
pub static FVM4_PROOF_TYPES: ProofTypes = ProofTypes {
    summary: "fvm 4: seal 0-19, winning PoSt 0-4, window PoSt 10-14 (v1.2)",
    seal: &[
        (0, ApiSeal::StackedDrg2KiBV1, 10),
        (1, ApiSeal::StackedDrg8MiBV1, 11),
        (2, ApiSeal::StackedDrg512MiBV1, 12),
        (3, ApiSeal::StackedDrg32GiBV1, 13),
        (4, ApiSeal::StackedDrg64GiBV1, 14),
        (5, ApiSeal::StackedDrg2KiBV1_1, 10),
        (6, ApiSeal::StackedDrg8MiBV1_1, 11),
        (7, ApiSeal::StackedDrg512MiBV1_1, 12),
        (8, ApiSeal::StackedDrg32GiBV1_1, 13),
        (9, ApiSeal::StackedDrg64GiBV1_1, 14),
        (10, ApiSeal::StackedDrg2KiBV1_1_Feat_SyntheticPoRep, 10),
        (11, ApiSeal::StackedDrg8MiBV1_1_Feat_SyntheticPoRep, 11),
        (12, ApiSeal::StackedDrg512MiBV1_1_Feat_SyntheticPoRep, 12),
        (13, ApiSeal::StackedDrg32GiBV1_1_Feat_SyntheticPoRep, 13),
        (14, ApiSeal::StackedDrg64GiBV1_1_Feat_SyntheticPoRep, 14),
        (15, ApiSeal::StackedDrg2KiBV1_2_Feat_NonInteractivePoRep, 10),
        (16, ApiSeal::StackedDrg8MiBV1_2_Feat_NonInteractivePoRep, 11),
        (
            17,
            ApiSeal::StackedDrg512MiBV1_2_Feat_NonInteractivePoRep,
            12,
        ),
        (
            18,
            ApiSeal::StackedDrg32GiBV1_2_Feat_NonInteractivePoRep,
            13,
        ),
        (
            19,
            ApiSeal::StackedDrg64GiBV1_2_Feat_NonInteractivePoRep,
            14,
        ),
    ],
    post: &[
        (0, ApiPoSt::StackedDrgWinning2KiBV1),
        (1, ApiPoSt::StackedDrgWinning8MiBV1),
        (2, ApiPoSt::StackedDrgWinning512MiBV1),
        (3, ApiPoSt::StackedDrgWinning32GiBV1),
        (4, ApiPoSt::StackedDrgWinning64GiBV1),
        (10, ApiPoSt::StackedDrgWindow2KiBV1_2),
        (11, ApiPoSt::StackedDrgWindow8MiBV1_2),
        (12, ApiPoSt::StackedDrgWindow512MiBV1_2),
        (13, ApiPoSt::StackedDrgWindow32GiBV1_2),
        (14, ApiPoSt::StackedDrgWindow64GiBV1_2),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fvm2_knows_the_first_ten_seal_types_only() {
        let t = &FVM2_PROOF_TYPES;
        for n in 0..10 {
            assert!(t.knows_seal(RegisteredSealProof::from(n)), "seal {n}");
        }
        for n in [-1, 10, 14, 15, 19, 20] {
            assert!(!t.knows_seal(RegisteredSealProof::from(n)), "seal {n}");
        }
    }

    #[test]
    fn fvm2_window_post_is_version_one_at_five_to_nine() {
        let t = &FVM2_PROOF_TYPES;
        assert_eq!(
            t.post(RegisteredPoStProof::from(8)).ok(),
            Some(ApiPoSt::StackedDrgWindow32GiBV1)
        );
        // Numbers the newest shared types give to window PoSt 1.2 are unknown to fvm 2.
        assert!(t.post(RegisteredPoStProof::from(13)).is_err());
        assert_eq!(
            t.window_post_of_seal(RegisteredSealProof::from(8)).ok(),
            Some(ApiPoSt::StackedDrgWindow32GiBV1)
        );
        assert_eq!(
            t.window_post_of_seal(RegisteredSealProof::from(4)).ok(),
            Some(ApiPoSt::StackedDrgWindow64GiBV1)
        );
    }
}
