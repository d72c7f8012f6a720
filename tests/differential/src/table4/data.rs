//! Data in sectors on both machines, builtin-actors v13 on (nv22–28), every proof valid: a
//! sector activated by `ProveCommitSectors3` with a piece (its unsealed CID checked against the
//! pieces by the `compute_unsealed_sector_cid` syscall), and SnapDeals' `ProveReplicaUpdates3`
//! putting a piece into a proven committed-capacity sector. Both emit the miner's sector
//! events (`sector-activated`, `sector-updated`).
use super::builtins::{
    cbor, comm_r, id, with_miner, EXPIRATION, MARKET, MINER, MINER_FUNDS, PRE_COMMIT_SECTOR_BATCH2,
    PROVE_AFTER, PROVE_COMMIT_SECTORS3, SEAL_32G, SEAL_PROOF_BYTES, SEAL_RAND_EPOCH,
};
use super::registry::{deal_of, funded, PUBLISH_STORAGE_DEALS};
use crate::proof_log::{Answer, Asked};
use crate::scenario3::{From, Reach, Scenario3, M3};

const PROVE_REPLICA_UPDATES3: u64 = 35;
/// The replica-update proof of 32 GiB sectors.
const UPDATE_32G: i64 = 3;
/// A 32 GiB piece: alone in a sector, its commitment is the sector's unsealed CID.
const PIECE_SIZE: u64 = 1 << 35;

/// A piece commitment (CommP) made from `seed`.
fn piece(seed: u8) -> cid::Cid {
    let mut c = [seed; 32];
    c[31] &= 0x3f;
    skyr::shared::commcid::piece_commitment_v1_to_cid(&c).expect("a commitment")
}

/// A `PieceActivationManifest`: piece, size, verified allocation key, notifications.
type Manifest = (
    cid::Cid,
    u64,
    Option<(u64, u64)>,
    Vec<(skyr::shared::address::Address, serde_bytes::ByteBuf)>,
);

/// The manifest of `piece(seed)`: no verified allocation, no notification.
fn manifest(seed: u8) -> Manifest {
    (piece(seed), PIECE_SIZE, None, Vec::new())
}

/// The manifest of `piece(seed)` notifying the market that deal `deal` is in the sector.
fn manifest_of_deal(seed: u8, deal: u64) -> Manifest {
    let notify = (id(MARKET), serde_bytes::ByteBuf::from(cbor(&deal)));
    (piece(seed), PIECE_SIZE, None, vec![notify])
}

/// Pre-commits sector 0 holding `piece(seed)`.
fn pre_commit_with_data(seed: u8) -> Vec<u8> {
    cbor(&(vec![(
        SEAL_32G,
        0u64,
        comm_r(1),
        SEAL_RAND_EPOCH,
        Vec::<u64>::new(),
        EXPIRATION,
        Some(piece(seed)),
    )],))
}

/// `ProveCommitSectors3Params` activating sector 0 with `piece(seed)`.
fn prove_with_data(seed: u8) -> Vec<u8> {
    prove_with(manifest(seed))
}

/// `ProveCommitSectors3Params` activating sector 0 with one piece, notifications required.
fn prove_with(piece: Manifest) -> Vec<u8> {
    cbor(&(
        vec![(0u64, vec![piece])],
        vec![serde_bytes::ByteBuf::from(vec![0u8; SEAL_PROOF_BYTES])],
        serde_bytes::ByteBuf::new(),
        Option::<i64>::None,
        true,
        false,
    ))
}

/// `ProveReplicaUpdates3Params` putting `piece(seed)` into sector 0 (deadline 0, partition 0).
fn update_with_data(seed: u8) -> Vec<u8> {
    cbor(&(
        vec![(0u64, 0u64, 0u64, comm_r(99), vec![manifest(seed)])],
        vec![serde_bytes::ByteBuf::from(vec![0u8; SEAL_PROOF_BYTES])],
        serde_bytes::ByteBuf::new(),
        UPDATE_32G,
        Option::<i64>::None,
        true,
        false,
    ))
}

/// Every scenario of the family at network version `nv` (22 on).
pub fn scenarios(nv: u32) -> Vec<Scenario3> {
    let pre_commit = |name: &str, seed: u8| {
        with_miner(name)
            .nv(nv)
            .proofs(Answer::Valid)
            .msg(
                M3::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                    .params(pre_commit_with_data(seed))
                    .value_whole(MINER_FUNDS),
            )
            .exits(0)
            .later(PROVE_AFTER)
    };
    let prove = |seed: u8| {
        M3::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS3).params(prove_with_data(seed))
    };
    let published = funded(with_miner("builtin: a deal activated into a sector").nv(nv))
        .msg(
            M3::new(From::Bls(0), id(MARKET), PUBLISH_STORAGE_DEALS).params(deal_of(
                piece(5),
                PIECE_SIZE,
                true,
            )),
        )
        .exits(0);
    vec![
        published
            .proofs(Answer::Valid)
            .msg(
                M3::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                    .params(pre_commit_with_data(5))
                    .value_whole(MINER_FUNDS),
            )
            .exits(0)
            .later(PROVE_AFTER)
            .msg(
                M3::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS3)
                    .params(prove_with(manifest_of_deal(5, 0))),
            )
            .exits(0)
            .asks(Asked::seals(1))
            .reach_last(Reach::Events)
            .build(),
        pre_commit("builtin: a sector activated with a piece", 7)
            .msg(prove(7))
            .exits(0)
            .asks(Asked::seals(1))
            .reach_last(Reach::Events)
            .build(),
        // The pieces must hash to the unsealed CID the pre-commit named.
        pre_commit("builtin: a piece not matching the pre-commit's data", 7)
            .msg(prove(8))
            .exits(16)
            .build(),
        super::lifecycle::powered_at("builtin: a replica update puts a piece into a sector", nv)
            .msg(
                M3::new(From::Bls(0), id(MINER), PROVE_REPLICA_UPDATES3)
                    .params(update_with_data(9)),
            )
            .exits(0)
            .asks(Asked {
                updates: 1,
                ..Asked::default()
            })
            .reach_last(Reach::Events)
            .build(),
    ]
}
