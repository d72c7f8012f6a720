//! Data in sectors on both machines, builtin-actors v13 on (nv22–28), every proof valid: a
//! sector activated by `ProveCommitSectors3` with a piece (its unsealed CID checked against the
//! pieces by the `compute_unsealed_sector_cid` syscall), and SnapDeals' `ProveReplicaUpdates3`
//! putting a piece into a proven committed-capacity sector. Both emit the miner's sector
//! events (`sector-activated`, `sector-updated`).
use super::builtins::{
    cbor, comm_r, cron_tick, exported, id, piece, prove_sectors, with_miner, EXPIRATION, MARKET,
    MINER, MINER_FUNDS, PRE_COMMIT_SECTOR_BATCH2, PROVE_AFTER, PROVE_COMMIT_SECTORS3, SEAL_32G,
    SEAL_PROOF_BYTES, SEAL_RAND_EPOCH, VERIFREG,
};
use super::lifecycle::PROVE_AT;
use super::registry::{
    client, datacap, deal_from, deal_of, funded, get_balance, PUBLISH_STORAGE_DEALS,
};
use crate::proof_log::{Answer, Asked};
use crate::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg, OfficialScenario, Reach};

const PROVE_REPLICA_UPDATES3: u64 = 35;
/// The replica-update proof of 32 GiB sectors.
const UPDATE_32G: i64 = 3;
/// The first allocation the verified registry makes.
const FIRST_ALLOCATION: u64 = 1;
/// A 32 GiB piece: alone in a sector, its commitment is the sector's unsealed CID.
const PIECE_SIZE: u64 = 1 << 35;

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

/// The manifest of `piece(seed)` notifying the market that deal `deal` is in the sector,
/// claiming the client's verified allocation `allocation` if given.
fn manifest_of_deal(seed: u8, deal: u64, allocation: Option<u64>) -> Manifest {
    let notify = (id(MARKET), serde_bytes::ByteBuf::from(cbor(&deal)));
    let key = allocation.map(|a| (client().id().expect("an ID address"), a));
    (piece(seed), PIECE_SIZE, key, vec![notify])
}

/// Pre-commits sector 0 holding `piece(seed)`.
fn pre_commit_with_data(seed: u8) -> Vec<u8> {
    pre_commit_with_deals(seed, Vec::new())
}

/// Pre-commits sector 0 holding `piece(seed)`, the piece of deals `deals` (builtin-actors
/// v12 activates pre-committed deals when the sector is proven).
fn pre_commit_with_deals(seed: u8, deals: Vec<u64>) -> Vec<u8> {
    cbor(&(vec![(
        SEAL_32G,
        0u64,
        comm_r(1),
        SEAL_RAND_EPOCH,
        deals,
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

/// `ProveReplicaUpdatesParams2` (builtin-actors v12) putting `piece(seed)` into sector 0
/// (deadline 0, partition 0), with deals `deals`.
fn update2_with_data(seed: u8, deals: Vec<u64>) -> Vec<u8> {
    cbor(&(vec![(
        0u64,
        0u64,
        0u64,
        comm_r(99),
        piece(seed),
        deals,
        UPDATE_32G,
        serde_bytes::ByteBuf::from(vec![0u8; SEAL_PROOF_BYTES]),
    )],))
}

/// A miner and a deal of piece 5 it published at network version `nv`, every proof to be
/// answered valid; `verified` after the client got datacap (the market then turns the deal
/// into a verified-registry allocation).
fn deal_published(name: &str, nv: u32, verified: bool) -> OfficialBuilder {
    let b = with_miner(name).nv(nv).proofs(Answer::Valid);
    let b = if verified {
        datacap(b, 2 * PIECE_SIZE, PIECE_SIZE)
    } else {
        b
    };
    funded(b)
        .msg(
            OfficialMsg::new(From::Bls(0), id(MARKET), PUBLISH_STORAGE_DEALS).params(deal_of(
                piece(5),
                PIECE_SIZE,
                verified,
                true,
            )),
        )
        .exits(0)
}

/// The verified registry's `GetClaims` of the miner's claim 1 (the first allocation's).
fn get_claims() -> OfficialMsg {
    OfficialMsg::new(From::Secp(1), id(VERIFREG), exported("GetClaims"))
        .params(cbor(&(MINER, vec![FIRST_ALLOCATION])))
}

/// The paths of builtin-actors v12 (nv21) that v13 replaced, every proof valid: deals
/// pre-committed with their sector and activated when cron confirms its seal; sectors proven
/// by `ProveCommitAggregate`; SnapDeals through `ProveReplicaUpdates2`.
pub fn v12_scenarios(nv: u32) -> Vec<OfficialScenario> {
    const PROVE_COMMIT_AGGREGATE: u64 = 26;
    const PROVE_REPLICA_UPDATES2: u64 = 29;
    /// The RLE+ bitfield {0, 1, 2, 3}.
    const SECTORS_0_TO_3: u8 = 0x94;
    // A deal of piece 5 (verified after the client got datacap) published, pre-committed
    // with sector 0 and activated when cron confirms the seal (the market claims a verified
    // deal's allocation from the registry then).
    let with_deal = |name: &str, verified: bool| {
        let b = deal_published(name, nv, verified)
            .msg(get_claims())
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                    .params(pre_commit_with_deals(5, vec![0]))
                    .value_whole(MINER_FUNDS),
            )
            .exits(0)
            .later(PROVE_AFTER);
        prove_sectors(b, nv, MINER, 0, 1)
    };
    let client_balance =
        || OfficialMsg::new(From::Secp(1), id(MARKET), get_balance()).params(cbor(&client()));
    // v12's market pays deals from cron, deal 0 first at epoch 86,400 (the deal-update
    // interval, quantized): cron runs daily up to there (each tick walks the epochs since
    // the last), the miner's deadlines falling behind as they may.
    // `GetDealActivation`: the epochs the deal was activated and terminated (-1: not).
    let activation = exported("GetDealActivation");
    let mut paid = with_deal("builtin: market cron pays a deal (v12)", false)
        .msg(OfficialMsg::new(From::Secp(1), id(MARKET), activation).params(cbor(&0u64)))
        .reach_last(|i| Reach::Returns(i, cbor(&(PROVE_AT, -1i64))))
        .msg(client_balance());
    let before = paid.last_index();
    for epoch in (PROVE_AT + 2880..86_400).step_by(2880).chain([86_410]) {
        paid = cron_tick(paid.at_epoch(epoch));
    }
    vec![
        with_deal(
            "builtin: a pre-committed deal activated with its sector",
            false,
        )
        .build(),
        {
            let b = with_deal(
                "builtin: a verified deal activated with its sector (v12)",
                true,
            );
            let first = b
                .build_ref()
                .messages
                .iter()
                .position(|m| m.message.method_num == get_claims().method);
            b.msg(get_claims())
                .reach_last(|i| Reach::ReturnDiffers(i, first.expect("a first reading")))
                .build()
        },
        paid.msg(client_balance())
            .reach_last(|i| Reach::ReturnDiffers(i, before))
            .build(),
        super::builtins::pre_committed("builtin: an aggregate proves four sectors (v12)", 0..4)
            .nv(nv)
            .proofs(Answer::Valid)
            .later(PROVE_AFTER)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), PROVE_COMMIT_AGGREGATE).params(cbor(&(
                    serde_bytes::ByteBuf::from(vec![SECTORS_0_TO_3]),
                    serde_bytes::ByteBuf::from(vec![0u8; 4096]),
                ))),
            )
            .exits(0)
            .asks(Asked::aggregates(1))
            .build(),
        // v12 updates a sector only to put deals in it.
        funded(super::lifecycle::powered_at(
            "builtin: a replica update puts a deal into a sector (v12)",
            nv,
        ))
        .msg(
            OfficialMsg::new(From::Bls(0), id(MARKET), PUBLISH_STORAGE_DEALS).params(deal_from(
                piece(9),
                PIECE_SIZE,
                false,
                true,
                4000,
            )),
        )
        .exits(0)
        .msg(
            OfficialMsg::new(From::Bls(0), id(MINER), PROVE_REPLICA_UPDATES2)
                .params(update2_with_data(9, vec![0])),
        )
        .exits(0)
        .asks(Asked {
            updates: 1,
            ..Asked::default()
        })
        .build(),
    ]
}

/// Every scenario of the family at network version `nv` (22 on).
pub fn scenarios(nv: u32) -> Vec<OfficialScenario> {
    let pre_commit = |name: &str, seed: u8| {
        with_miner(name)
            .nv(nv)
            .proofs(Answer::Valid)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                    .params(pre_commit_with_data(seed))
                    .value_whole(MINER_FUNDS),
            )
            .exits(0)
            .later(PROVE_AFTER)
    };
    let prove = |seed: u8| {
        OfficialMsg::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS3)
            .params(prove_with_data(seed))
    };
    // A deal of piece 5 published (verified after the client got datacap: the market
    // turns it into a verified-registry allocation), pre-committed and activated.
    let deal = |name: &str, verified: bool| {
        deal_published(name, nv, verified)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), PRE_COMMIT_SECTOR_BATCH2)
                    .params(pre_commit_with_data(5))
                    .value_whole(MINER_FUNDS),
            )
            .exits(0)
            .later(PROVE_AFTER)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), PROVE_COMMIT_SECTORS3).params(
                    prove_with(manifest_of_deal(5, 0, verified.then_some(FIRST_ALLOCATION))),
                ),
            )
            .exits(0)
            .asks(Asked::seals(1))
            .reach_last(Reach::Events)
    };
    let client_balance =
        || OfficialMsg::new(From::Secp(1), id(MARKET), get_balance()).params(cbor(&client()));
    let settle = exported("SettleDealPayments");
    vec![
        deal("builtin: a deal activated into a sector", false).build(),
        // From v13 the market's cron no longer pays deals: anyone settles them.
        deal(
            "builtin: deal payments settled after the deal's start",
            false,
        )
        .msg(client_balance())
        .later(2100)
        .msg(
            OfficialMsg::new(From::Secp(1), id(MARKET), settle)
                .params(cbor(&serde_bytes::ByteBuf::from(vec![0x0c]))),
        )
        .exits(0)
        .msg(client_balance())
        .reach_last(|i| Reach::ReturnDiffers(i, i - 2))
        .build(),
        deal(
            "builtin: a verified deal's allocation claimed by its sector",
            true,
        )
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
                OfficialMsg::new(From::Bls(0), id(MINER), PROVE_REPLICA_UPDATES3)
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
