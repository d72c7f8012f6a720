//! A storage provider's life on both machines, from the storage genesis of
//! [`super::builtins`], with both verifiers answering proofs valid after charging them (as
//! conformance runners answer for vectors): sectors activated by `ProveCommitSectors3`
//! (builtin-actors v13 on) or by cron's batch of `ProveCommitSector` seals (v12), by an
//! aggregate and by FIP-0090's non-interactive PoRep; then window PoSts, the deadline cron
//! that follows them, faults found by cron or declared, recoveries, a disputed PoSt,
//! extensions, terminations, withdrawals and control changes.
//!
//! Each scenario reads what it changed back from the actors' exported getters (power's
//! `MinerRawPower`, the miner's `GetAvailableBalance` and `GetVestingFunds`,
//! `ControlAddresses`), so it shows power, pledge and vesting moved, not only exit codes.
//!
//! Timing: the miner is created at epoch 1000 and its proving period starts at epoch 169 (mod
//! 2880), so deadline `d` opens at `169 + 60 d`; sectors proven at epoch 1200 land in
//! deadline 0, which next opens at 3049. Cron runs at the last epoch of each deadline (the
//! epochs between are null rounds as far as the miner is concerned: nothing is due there).
use skyr::shared::address::Address;
use skyr::shared::bigint::bigint_ser::BigIntSer;
use skyr::shared::bigint::BigInt;
use skyr::shared::econ::TokenAmount;

use super::builtins::{
    cbor, cron_tick, exported, id, pre_committed, prove_commit_aggregate, prove_commit_ni,
    prove_sectors, with_miner, MINER, POWER, PROVE_AFTER,
};
use super::window_post::{post, posts, sector_zero, DECLARE_FAULTS, DECLARE_FAULTS_RECOVERED};
use crate::genesis_skyr::ids;
use crate::proof_log::{Answer, Asked};
use crate::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg, OfficialScenario, Reach};

const START: i64 = 1000;
/// Where the scenarios prove their sectors.
pub(super) const PROVE_AT: i64 = START + PROVE_AFTER;
/// Where deadline 0 of the period after the sectors' activation opens, and where its PoSt is
/// submitted.
const DEADLINE0_OPENS: i64 = 3049;
const POST_AT: i64 = DEADLINE0_OPENS + 10;
/// The last epoch of every deadline, modulo 60.
const DEADLINE_LAST: i64 = (DEADLINE0_OPENS + 59) % 60;
/// A proving period.
const PERIOD: i64 = 2880;

const CONTROL_ADDRESSES: u64 = 2;
const CHANGE_WORKER_ADDRESS: u64 = 3;
const TERMINATE_SECTORS: u64 = 9;
const WITHDRAW_BALANCE: u64 = 16;
const CHANGE_OWNER_ADDRESS: u64 = 23;
const DISPUTE_WINDOWED_POST: u64 = 24;
const EXTEND_SECTOR_EXPIRATION2: u64 = 32;
const REWARD: u64 = 2;
const AWARD_BLOCK_REWARD: u64 = 2;

/// Messages reading state back, sent by secp account 1 (which has no other part).
fn raw_power() -> OfficialMsg {
    OfficialMsg::new(From::Secp(1), id(POWER), exported("MinerRawPower")).params(cbor(&MINER))
}
fn available_balance() -> OfficialMsg {
    OfficialMsg::new(From::Secp(1), id(MINER), exported("GetAvailableBalance"))
}
fn vesting_funds() -> OfficialMsg {
    OfficialMsg::new(From::Secp(1), id(MINER), exported("GetVestingFunds"))
}
fn control_addresses() -> OfficialMsg {
    OfficialMsg::new(From::Secp(1), id(MINER), CONTROL_ADDRESSES)
}

/// `MinerRawPowerReturn` for `sectors` 32 GiB sectors: any power meets the consensus
/// minimum while the network has fewer miners than the minimum count.
fn power_of(sectors: u64) -> Vec<u8> {
    cbor(&(BigIntSer(&BigInt::from(sectors << 35)), sectors > 0))
}

/// Cron at the last epoch of every deadline in `from..=to`.
fn crons(mut b: OfficialBuilder, from: i64, to: i64) -> OfficialBuilder {
    for epoch in (from..=to).filter(|e| e.rem_euclid(60) == DEADLINE_LAST) {
        b = cron_tick(b.at_epoch(epoch));
    }
    b
}

/// Sectors `0..n` pre-committed and proven at network version `nv`, every proof valid.
fn proven(name: &str, nv: u32, n: u64) -> OfficialBuilder {
    let b = pre_committed(name, 0..n)
        .nv(nv)
        .proofs(Answer::Valid)
        .msg(available_balance());
    prove_sectors(b.at_epoch(PROVE_AT), nv, MINER, 0, n)
}

/// A block won by the miner at the builder's epoch, with `gas_reward` FIL of fees: the reward
/// actor (funded first, as the storage genesis leaves it empty) pays it, three quarters of
/// the block reward locked to vest.
fn rewarded(b: OfficialBuilder, gas_reward: i64) -> OfficialBuilder {
    b.msg(OfficialMsg::new(From::Secp(1), id(REWARD), 0).value_whole(100))
        .exits(0)
        .implicit(
            id(REWARD),
            AWARD_BLOCK_REWARD,
            cbor(&(
                id(MINER),
                TokenAmount::default(),
                TokenAmount::from_whole(gas_reward),
                1i64,
            )),
        )
        .exits(0)
}

/// Versions whose power actor refuses a pledge change that would take the network's total
/// pledge below zero (builtin-actors v17 on). A network of one miner holds less pledge than
/// that miner's penalties (a disputed PoSt, an early termination) can take, because FIP-0077's
/// creation deposit is locked by the miner but never counted in power's total.
const PLEDGE_TOTAL_REFUSED: std::ops::RangeInclusive<u32> = 27..=28;
const UPDATE_PLEDGE_TOTAL: u64 = 6;

/// The pledge the rest of the network holds (mainnet's other miners), added to power's total
/// by the one way power accepts it: the miner reporting a pledge change (an implicit message,
/// as no miner sends one). Without it, penalties fail at [`PLEDGE_TOTAL_REFUSED`].
fn network_pledge(b: OfficialBuilder) -> OfficialBuilder {
    b.implicit_as(
        id(MINER),
        id(POWER),
        UPDATE_PLEDGE_TOTAL,
        cbor(&TokenAmount::from_whole(1_000_000)),
    )
    .exits(0)
}

/// Power read back: `sectors` sectors' worth.
fn return_power_kept(b: OfficialBuilder, sectors: u64) -> OfficialBuilder {
    b.msg(raw_power())
        .reach_last(|i| Reach::Returns(i, power_of(sectors)))
}

/// [`proven`], then the balance read again: the initial pledge is locked (the reading differs
/// from the one before proving, message 1 after the setup).
fn pledged(name: &str, nv: u32, n: u64) -> OfficialBuilder {
    proven(name, nv, n).msg(available_balance())
}

/// Requires the last message, a balance reading, to differ from the scenario's first one
/// (made before the sectors were proven): their pledge is locked.
fn pledge_locked(b: OfficialBuilder) -> OfficialBuilder {
    let first = first_reading(b.build_ref());
    b.reach_last(|i| Reach::ReturnDiffers(i, first))
}

/// [`pledged`], crons up to deadline 0, its PoSt, and power read back: the sectors' power is
/// claimed once they are first proven.
fn powered(name: &str, nv: u32, n: u64) -> OfficialBuilder {
    let b = crons(pledged(name, nv, n), PROVE_AT + 1, DEADLINE0_OPENS - 1);
    let b = b.at_epoch(POST_AT).msg(raw_power());
    let before = b.last_index();
    b.msg(post(0, POST_AT))
        .exits(0)
        .msg(raw_power())
        .reach(Reach::Returns(before, power_of(0)))
        .reach_last(|i| Reach::Returns(i, power_of(n)))
}

/// One sector proven and powered, cron run to the middle of the next deadline but one, the
/// builder set there: deadline 0 is then neither open nor next, so it may be changed.
pub(super) fn powered_at(name: &str, nv: u32) -> OfficialBuilder {
    crons(powered(name, nv, 1), POST_AT + 1, POST_AT + 129).at_epoch(POST_AT + 130)
}

/// `WithdrawBalance` of 100 FIL, sent by `from`.
fn withdraw(from: From) -> OfficialMsg {
    OfficialMsg::new(from, id(MINER), WITHDRAW_BALANCE)
        .params(cbor(&(TokenAmount::from_whole(100),)))
}

fn worker_message(method: u64, params: Vec<u8>) -> OfficialMsg {
    OfficialMsg::new(From::Bls(0), id(MINER), method).params(params)
}

/// `{deadline 0, partition 0, sectors {0}}` as one `ExpirationExtension2` to `new_expiration`.
fn extension(new_expiration: i64) -> Vec<u8> {
    let sectors = serde_bytes::ByteBuf::from(vec![0x0c]);
    cbor(&(vec![(
        0u64,
        0u64,
        sectors,
        Vec::<(u64, Vec<u64>, Vec<u64>)>::new(),
        new_expiration,
    )],))
}

/// Every scenario of the family at network version `nv`.
pub fn scenarios(nv: u32) -> Vec<OfficialScenario> {
    let owner = Address::new_id(ids::SECP[0]);
    let new_owner = Address::new_id(ids::SECP[3]);
    let new_worker = Address::new_id(ids::BLS[1]);
    let deadline0_last = DEADLINE0_OPENS + 59;
    let mut out = vec![
        pledge_locked(pledged(
            "builtin: prove-commit activates and pledges",
            nv,
            1,
        ))
        .build(),
        pledge_locked(pledged(
            "builtin: prove-commit activates three sectors",
            nv,
            3,
        ))
        .build(),
        powered(
            "builtin: first window PoSt brings the sectors' power",
            nv,
            2,
        )
        .build(),
        // Deadline 0's cron with no PoSt: the unproven sector is faulty, nothing claimed.
        crons(
            pledged("builtin: cron faults a sector whose PoSt was missed", nv, 1),
            PROVE_AT + 1,
            deadline0_last,
        )
        .msg(raw_power())
        .reach_last(|i| Reach::Returns(i, power_of(0)))
        .build(),
        // Proven, then missed in the next period: cron takes the power back.
        crons(
            powered("builtin: cron takes the power of a missed PoSt", nv, 1),
            POST_AT + 1,
            deadline0_last + PERIOD,
        )
        .msg(raw_power())
        .reach_last(|i| Reach::Returns(i, power_of(0)))
        .build(),
        // Declared faulty, declared recovered, and proven again a period later: the PoSt
        // with a recovery is verified.
        {
            let declare_at = POST_AT + 130;
            let b = crons(
                powered("builtin: declared fault recovered by a PoSt", nv, 1),
                POST_AT + 1,
                declare_at - 1,
            );
            let b = b
                .at_epoch(declare_at)
                .msg(worker_message(DECLARE_FAULTS, sector_zero()))
                .exits(0)
                .msg(raw_power())
                .reach_last(|i| Reach::Returns(i, power_of(0)))
                .msg(worker_message(DECLARE_FAULTS_RECOVERED, sector_zero()))
                .exits(0);
            let b = crons(b, declare_at + 1, DEADLINE0_OPENS + PERIOD - 1);
            b.at_epoch(POST_AT + PERIOD)
                .msg(post(0, POST_AT + PERIOD))
                .exits(0)
                .asks(Asked::posts(1))
                .msg(raw_power())
                .reach_last(|i| Reach::Returns(i, power_of(1)))
                .build()
        },
        // The PoSt was accepted optimistically; disputed after its deadline closed, the
        // verifier finds it invalid: the sector is faulted and the disputer rewarded.
        disputed(
            network_pledge(powered(
                "builtin: a disputed window PoSt is found invalid",
                nv,
                1,
            )),
            Answer::Invalid,
        )
        .exits(0)
        .asks(Asked::posts(1))
        .msg(raw_power())
        .reach_last(|i| Reach::Returns(i, power_of(0)))
        .build(),
        disputed(
            powered("builtin: a dispute of a valid PoSt is refused", nv, 1),
            Answer::Valid,
        )
        .exits(16)
        .asks(Asked::posts(1))
        .build(),
        powered_at("builtin: sector expiration extended", nv)
            .msg(worker_message(
                EXTEND_SECTOR_EXPIRATION2,
                extension(800_000),
            ))
            .exits(0)
            .build(),
        powered_at("builtin: an extension past the maximum is refused", nv)
            .msg(worker_message(
                EXTEND_SECTOR_EXPIRATION2,
                extension(5_000_000),
            ))
            .exits(16)
            .build(),
        // Terminated early: power is gone at once, the fee is settled by the deadline's cron.
        {
            let terminate_at = POST_AT + 330;
            let b = crons(
                powered(
                    "builtin: a sector terminated early, cron settles the fee",
                    nv,
                    1,
                ),
                POST_AT + 1,
                terminate_at - 1,
            );
            let b = b.at_epoch(terminate_at).msg(available_balance());
            let before = b.last_index();
            let b = network_pledge(b)
                .msg(worker_message(TERMINATE_SECTORS, sector_zero()))
                .exits(0);
            crons(
                return_power_kept(b, 0),
                terminate_at + 1,
                terminate_at + 120,
            )
            .msg(available_balance())
            .reach_last(|i| Reach::ReturnDiffers(i, before))
            .build()
        },
        // A block won: the reward actor pays the miner, three quarters locked to vest.
        {
            let b = proven("builtin: a block reward vests", nv, 1)
                .at_epoch(PROVE_AT + 10)
                .msg(vesting_funds());
            let before = b.last_index();
            rewarded(b, 1)
                .msg(vesting_funds())
                .reach_last(|i| Reach::ReturnDiffers(i, before))
                .build()
        },
        pledged("builtin: owner withdraws balance", nv, 1)
            .at_epoch(PROVE_AT + 10)
            .msg(withdraw(From::Secp(0)))
            .exits(0)
            .msg(available_balance())
            .reach_last(|i| Reach::ReturnDiffers(i, i - 2))
            .build(),
        pledged("builtin: the worker may not withdraw", nv, 1)
            .at_epoch(PROVE_AT + 10)
            .msg(withdraw(From::Bls(0)))
            .exits(18)
            .build(),
        with_miner("builtin: owner changes the worker")
            .nv(nv)
            .msg(control_addresses())
            .msg(
                OfficialMsg::new(From::Secp(0), id(MINER), CHANGE_WORKER_ADDRESS)
                    .params(cbor(&(new_worker, Vec::<Address>::new()))),
            )
            .exits(0)
            .msg(control_addresses())
            .build(),
        with_miner("builtin: ownership proposed and accepted")
            .nv(nv)
            .msg(
                OfficialMsg::new(From::Secp(0), id(MINER), CHANGE_OWNER_ADDRESS)
                    .params(cbor(&new_owner)),
            )
            .exits(0)
            .msg(control_addresses())
            .msg(
                OfficialMsg::new(From::Secp(3), id(MINER), CHANGE_OWNER_ADDRESS)
                    .params(cbor(&new_owner)),
            )
            .exits(0)
            .msg(control_addresses())
            .reach_last(|i| Reach::ReturnDiffers(i, i - 2))
            .build(),
        with_miner("builtin: only the owner proposes a new owner")
            .nv(nv)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), CHANGE_OWNER_ADDRESS)
                    .params(cbor(&owner)),
            )
            .exits(18)
            .build(),
    ];
    if PLEDGE_TOTAL_REFUSED.contains(&nv) {
        // The same dispute on a network holding only this miner's pledge: power refuses the
        // change, the message fails, and nothing it did is kept.
        out.push(
            disputed(
                powered(
                    "builtin: a penalty beyond the network's pledge is refused",
                    nv,
                    1,
                ),
                Answer::Invalid,
            )
            .exits(20)
            .msg(raw_power())
            .reach_last(|i| Reach::Returns(i, power_of(1)))
            .build(),
        );
    }
    if super::NI_POREP_VERSIONS.contains(&nv) {
        out.push(two_partitions(nv));
    }
    if !super::PROVE_BY_CRON_VERSIONS.contains(&nv) {
        out.push(
            pledge_locked(
                pre_committed("builtin: an aggregate proves four sectors", 0..4)
                    .nv(nv)
                    .proofs(Answer::Valid)
                    .msg(available_balance())
                    .at_epoch(PROVE_AT)
                    .msg(prove_commit_aggregate(0..4))
                    .exits(0)
                    .asks(Asked::aggregates(1))
                    .msg(available_balance()),
            )
            .build(),
        );
    }
    if super::NI_POREP_VERSIONS.contains(&nv) {
        out.push(
            with_miner("builtin: non-interactive PoRep activates three sectors")
                .nv(nv)
                .proofs(Answer::Valid)
                .msg(available_balance())
                .msg(prove_commit_ni(0..3, 30))
                .exits(0)
                .asks(Asked::aggregates(1))
                .msg(available_balance())
                .reach_last(|i| Reach::ReturnDiffers(i, i - 2))
                .build(),
        );
    }
    out
}

/// `b` (one sector powered in deadline 0), crons until deadline 0 has closed, then secp
/// account 1 disputing its PoSt, which the verifier answers `answer` for.
fn disputed(b: OfficialBuilder, answer: Answer) -> OfficialBuilder {
    let deadline0_last = DEADLINE0_OPENS + 59;
    crons(b, POST_AT + 1, deadline0_last + 99)
        .at_epoch(deadline0_last + 100)
        .msg(
            OfficialMsg::new(From::Secp(1), id(MINER), DISPUTE_WINDOWED_POST)
                .params(cbor(&(0u64, 0u64)))
                .answered(answer),
        )
}

/// Sectors in one partition of a deadline (32 GiB window PoSt).
const PARTITION_SECTORS: u64 = 2349;
/// The most sectors one non-interactive PoRep proves.
const NI_BATCH: u64 = 65;
/// The deadline the two-partition scenario fills: neither current nor next at epoch 1000
/// (deadline 13), open from 169 + 15 × 60.
const FULL_DEADLINE: u64 = 15;

/// One window PoSt proving two partitions of a deadline. Deadline assignment fills a
/// partition in each of the 48 deadlines before it starts a second anywhere, so only FIP-0090's
/// non-interactive PoRep, which names the deadline, reaches two partitions with few sectors:
/// one full partition and one more sector, in batches of [`NI_BATCH`].
fn two_partitions(nv: u32) -> OfficialScenario {
    let sectors = PARTITION_SECTORS + 1;
    let mut b = with_miner("builtin: one window PoSt proves two partitions")
        .nv(nv)
        .proofs(Answer::Valid);
    for first in (0..sectors).step_by(NI_BATCH as usize) {
        let batch = first..(first + NI_BATCH).min(sectors);
        b = b.msg(prove_commit_ni(batch, FULL_DEADLINE)).exits(0);
    }
    let opens = 169 + 60 * FULL_DEADLINE as i64;
    let at = opens + 10;
    crons(b, START + 1, opens - 1)
        .at_epoch(at)
        .msg(posts(FULL_DEADLINE, 2, at))
        .exits(0)
        .asks(Asked::default())
        .msg(raw_power())
        .reach_last(|i| Reach::Returns(i, power_of(sectors)))
        .build()
}

/// The first explicit balance reading of a scenario (made just after the pre-commit).
fn first_reading(s: &OfficialScenario) -> usize {
    let method = exported("GetAvailableBalance");
    s.messages
        .iter()
        .position(|m| m.message.method_num == method)
        .expect("a balance reading")
}
