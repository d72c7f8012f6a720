//! Built-in actors of the official bundles doing their own work on both machines. The system
//! actor constructs the storage actors (reward, power, cron, market, verified registry,
//! datacap) with implicit messages; then a miner is created through power's `CreateMiner`
//! (init's `Exec`, the miner's constructor checking its owner and its worker's BLS key, and
//! from v17 on FIP-0077's creation deposit), sectors are pre-committed and proven with proofs
//! that fail verification after it is charged (so the Watermelon and Teep prices of a seal
//! are told apart on real actor runs), and cron ticks.
use skyr::shared::address::Address;
use skyr::shared::commcid;

use crate::genesis_skyr::ids;
use crate::proof_log::Asked;
use crate::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg, OfficialScenario};

/// The storage actors and the methods the scenarios call.
pub(super) const CRON: u64 = 3;
pub(super) const POWER: u64 = 4;
pub(super) const MARKET: u64 = 5;
pub(super) const VERIFREG: u64 = 6;
pub(super) const CREATE_MINER: u64 = 2;
pub(super) const CRON_EPOCH_TICK: u64 = 2;
/// The miner the scenarios create: the first actor init hands out.
pub(super) const MINER: u64 = ids::FIRST_NEW;
pub(super) const PRE_COMMIT_SECTOR_BATCH2: u64 = 28;
pub(super) const PROVE_COMMIT_SECTORS3: u64 = 34;
const PROVE_COMMIT_SECTOR: u64 = 7;
pub(super) const PROVE_COMMIT_SECTORS_NI: u64 = 36;
/// SnarkPack v2, the aggregate proof type, and the non-interactive 32 GiB seal type.
pub(super) const SNARKPACK_V2: i64 = 1;
const SEAL_32G_NI: i64 = 18;
/// Window PoSt of 32 GiB sectors, version 1.2, and the seal type that goes with it.
pub(super) const WINDOW_POST_32G: i64 = 13;
pub(super) const SEAL_32G: i64 = 8;
/// What a 32 GiB seal proof may weigh at most.
pub(super) const SEAL_PROOF_BYTES: usize = 1920;
/// Epochs between a pre-commit and its prove-commit: the challenge delay (150) and a margin.
pub(super) const PROVE_AFTER: i64 = 200;
/// What the miner is sent when created (FIP-0077's deposit from v17 on) and what the worker
/// sends with its pre-commits (their deposits), in whole FIL.
pub(super) const MINER_FUNDS: i64 = 10_000;

pub(super) fn cbor<T: serde::Serialize>(v: &T) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(v).expect("params encode")
}

pub(super) fn id(n: u64) -> Address {
    Address::new_id(n)
}

/// `CreateMinerParams` (the library's, which the devnet's genesis also sends).
pub(super) fn create_miner_params(owner: Address, worker: Address) -> Vec<u8> {
    skyr_chain::genesis::create_miner_params(&owner, &worker, b"skyr-peer").expect("params encode")
}

/// A piece commitment (CommP) made from `seed`.
pub(super) fn piece(seed: u8) -> cid::Cid {
    let mut c = [seed; 32];
    c[31] &= 0x3f; // a field element
    commcid::piece_commitment_v1_to_cid(&c).expect("a commitment")
}

/// A sealed sector CID (CommR) made from `seed`.
pub(super) fn comm_r(seed: u8) -> cid::Cid {
    let mut c = [seed; 32];
    c[31] &= 0x3f; // a field element
    commcid::replica_commitment_v1_to_cid(&c).expect("a commitment")
}

/// The epoch every sector's seal randomness is drawn at, and where sectors expire (about
/// 243 days after the scenarios' epoch 1000).
pub(super) const SEAL_RAND_EPOCH: i64 = 900;
pub(super) const EXPIRATION: i64 = 700_000;

/// `PreCommitSectorBatchParams2` for sectors `numbers`: 32 GiB, no deals, zero data.
pub(super) fn pre_commit(numbers: std::ops::Range<u64>) -> Vec<u8> {
    let sectors: Vec<_> = numbers
        .map(|n| {
            (
                SEAL_32G,
                n,
                comm_r((n as u8).wrapping_add(1)),
                SEAL_RAND_EPOCH,
                Vec::<u64>::new(),
                EXPIRATION,
                Option::<cid::Cid>::None,
            )
        })
        .collect();
    cbor(&(sectors,))
}

/// A `SectorActivationManifest` for each of sectors `numbers`, without pieces.
fn activations(numbers: std::ops::Range<u64>) -> Vec<(u64, Vec<()>)> {
    numbers.map(|n| (n, Vec::new())).collect()
}

/// `ProveCommitSectors3Params` proving sectors `numbers` with one (failing) proof each.
pub(super) fn prove_commit(numbers: std::ops::Range<u64>, require_success: bool) -> Vec<u8> {
    let proofs: Vec<_> = numbers
        .clone()
        .map(|_| serde_bytes::ByteBuf::from(vec![0u8; SEAL_PROOF_BYTES]))
        .collect();
    cbor(&(
        activations(numbers),
        proofs,
        serde_bytes::ByteBuf::new(),
        Option::<i64>::None,
        require_success,
        false,
    ))
}

/// A scenario starting with the system actor constructing every storage actor, with the
/// library's genesis calls (`skyr_chain::genesis::storage_constructors`, which the devnet's
/// genesis also makes).
pub(super) fn storage(name: &str) -> OfficialBuilder {
    let root_key = Address::new_id(ids::SECP[2]);
    let calls = skyr_chain::genesis::storage_constructors(&root_key).expect("params encode");
    calls
        .into_iter()
        .fold(OfficialBuilder::new(name).nv(21).builtins(), |b, c| {
            b.implicit(id(c.to), c.method, c.params).exits(0)
        })
}

/// [`storage`], then a miner owned by secp account 0 with BLS account 0 as its worker.
pub(super) fn with_miner(name: &str) -> OfficialBuilder {
    let owner = Address::new_id(ids::SECP[0]);
    let worker = Address::new_id(ids::BLS[0]);
    storage(name)
        .msg(
            OfficialMsg::new(From::Secp(0), id(POWER), CREATE_MINER)
                .params(create_miner_params(owner, worker))
                .value_whole(MINER_FUNDS),
        )
        .exits(0)
}

/// [`with_miner`], then sectors `numbers` pre-committed by the worker.
pub(super) fn pre_committed(name: &str, numbers: std::ops::Range<u64>) -> OfficialBuilder {
    with_miner(name)
        .msg(
            OfficialMsg::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                .params(pre_commit(numbers))
                .value_whole(MINER_FUNDS),
        )
        .exits(0)
}

/// Every scenario of the family (at nv21; the table runs them at the versions whose
/// bundles have what each needs).
pub fn scenarios() -> Vec<OfficialScenario> {
    let owner = Address::new_id(ids::SECP[0]);
    let power = id(POWER);
    vec![
        with_miner("builtin: power CreateMiner").build(),
        storage("builtin: CreateMiner with a secp worker is refused")
            .msg(
                OfficialMsg::new(From::Secp(0), power, CREATE_MINER)
                    .params(create_miner_params(owner, owner))
                    .value_whole(MINER_FUNDS),
            )
            .exits(16)
            .build(),
        pre_committed("builtin: miner pre-commits two sectors", 0..2).build(),
        // The machines are built anew at the later epoch: the seal randomness of epoch 900
        // is then past the miner's lookback (a day and a finality).
        with_miner("builtin: a pre-commit 5000 epochs later with stale randomness")
            .later(5000)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                    .params(pre_commit(0..1))
                    .value_whole(MINER_FUNDS),
            )
            .exits(16)
            .build(),
        cron_tick(pre_committed(
            "builtin: cron ticks after a pre-commit",
            0..1,
        ))
        .build(),
    ]
}

/// Scenarios proving sectors with `ProveCommitSectors3` (builtin-actors v13 on, nv22 on):
/// the seals are verified in one batch, each charged at the price list's seal price.
pub fn prove_commit_scenarios() -> Vec<OfficialScenario> {
    let prove = |name: &str, n: u64, require: bool| {
        let b = pre_committed(name, 0..n).later(PROVE_AFTER).msg(
            OfficialMsg::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS3)
                .params(prove_commit(0..n, require)),
        );
        b.exits(16).asks(Asked::seals(n)).build()
    };
    vec![
        prove(
            "builtin: prove-commit of one sector fails verification",
            1,
            true,
        ),
        prove(
            "builtin: prove-commit of two sectors fails verification",
            2,
            true,
        ),
        prove(
            "builtin: prove-commit of two sectors, activation not required",
            2,
            false,
        ),
    ]
}

/// The proving of builtin-actors v12 (nv21): `ProveCommitSector` queues the seal with the
/// power actor, and cron's tick at the end of the epoch verifies the queue in one batch.
pub fn prove_commit_by_cron_scenarios() -> Vec<OfficialScenario> {
    let prove = |name: &str, n: u64| {
        prove_sectors(
            pre_committed(name, 0..n).later(PROVE_AFTER),
            21,
            MINER,
            0,
            n,
        )
        .build()
    };
    vec![
        prove("builtin: cron verifies one queued seal", 1),
        prove("builtin: cron verifies two queued seals", 2),
    ]
}

/// Sectors `0..n` of `miner` proven by its worker, BLS account `worker`, at the builder's
/// epoch and network version `nv`: `ProveCommitSectors3` from v13 (nv22) on,
/// `ProveCommitSector` and cron's batch before. Every seal must be asked; the proving
/// message (or cron) exits 0 whatever the verifier answers.
pub(super) fn prove_sectors(
    mut b: OfficialBuilder,
    nv: u32,
    miner: u64,
    worker: usize,
    n: u64,
) -> OfficialBuilder {
    if super::PROVE_BY_CRON_VERSIONS.contains(&nv) {
        for sector in 0..n {
            let proof = serde_bytes::ByteBuf::from(vec![0u8; SEAL_PROOF_BYTES]);
            b = b
                .msg(
                    OfficialMsg::new(From::Bls(worker), id(miner), PROVE_COMMIT_SECTOR)
                        .params(cbor(&(sector, proof))),
                )
                .exits(0);
        }
        cron_tick(b).asks(Asked::seals(n))
    } else {
        b.msg(
            OfficialMsg::new(From::Bls(worker), id(miner), PROVE_COMMIT_SECTORS3)
                .params(prove_commit(0..n, true)),
        )
        .exits(0)
        .asks(Asked::seals(n))
    }
}

/// Cron's end-of-epoch tick at the builder's epoch, applied implicitly as a node applies it;
/// it must exit 0 (the cron actor ignores what its entries answer).
pub(super) fn cron_tick(b: OfficialBuilder) -> OfficialBuilder {
    b.implicit(id(CRON), CRON_EPOCH_TICK, Vec::new()).exits(0)
}

/// The method number of an actor's FRC-42 exported method `name`.
pub(super) fn exported(name: &str) -> u64 {
    skyr_vectors::names::frc42_method_number(name).expect("an FRC-42 name")
}

/// The worker's `ProveCommitSectors3` proving sectors `numbers` with one (failing unless
/// answered otherwise) SnarkPack v2 aggregate.
pub(super) fn prove_commit_aggregate(numbers: std::ops::Range<u64>) -> OfficialMsg {
    OfficialMsg::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS3).params(cbor(&(
        activations(numbers),
        Vec::<serde_bytes::ByteBuf>::new(),
        serde_bytes::ByteBuf::from(vec![0u8; 4096]),
        Some(SNARKPACK_V2),
        true,
        false,
    )))
}

/// The worker's `ProveCommitSectorsNI` (its parameters as v14 to v18 have them) for sectors
/// `numbers` sealed by the miner itself, with one (failing unless answered otherwise)
/// aggregate, scheduled at `deadline`.
pub(super) fn prove_commit_ni(numbers: std::ops::Range<u64>, deadline: u64) -> OfficialMsg {
    let sectors: Vec<_> = numbers
        .map(|n| {
            (
                n,
                MINER,
                comm_r((n as u8).wrapping_add(1)),
                n,
                SEAL_RAND_EPOCH,
                EXPIRATION,
            )
        })
        .collect();
    let proof = serde_bytes::ByteBuf::from(vec![0u8; 4096]);
    OfficialMsg::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS_NI).params(cbor(&(
        sectors,
        proof,
        SEAL_32G_NI,
        SNARKPACK_V2,
        deadline,
        true,
    )))
}

/// Scenarios verifying aggregates of seals: `ProveCommitSectors3` with a SnarkPack v2
/// aggregate (v13 on) and FIP-0090's non-interactive PoRep, `ProveCommitSectorsNI`.
pub fn aggregate_scenarios() -> Vec<OfficialScenario> {
    vec![
        pre_committed("builtin: prove-commit of four sectors by aggregate", 0..4)
            .later(PROVE_AFTER)
            .msg(prove_commit_aggregate(0..4))
            .exits(16)
            .asks(Asked::aggregates(1))
            .build(),
    ]
}

/// Non-interactive PoRep of `n` sectors at network version `nv`.
pub fn ni_scenarios(nv: u32) -> Vec<OfficialScenario> {
    let ni = |name: &str, n: u64| {
        with_miner(name)
            .nv(nv)
            .msg(prove_commit_ni(0..n, 30))
            .exits(16)
            .asks(Asked::aggregates(1))
            .build()
    };
    vec![
        ni("builtin: non-interactive PoRep of one sector", 1),
        ni("builtin: non-interactive PoRep of three sectors", 3),
    ]
}
