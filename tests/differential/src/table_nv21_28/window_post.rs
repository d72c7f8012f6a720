//! Window PoSt on both machines. A sector needs a valid seal proof to be proven, which no
//! scenario has, so the sector is activated the way a genesis activates presealed sectors:
//! by the power actor confirming its proof (builtin-actors v12 and v13) or the system actor
//! setting it up (v14 on, FIP-0084), in an implicit message. The miner's worker then submits
//! a PoSt for its deadline, which fails verification after it is charged.
use multihash_codetable::{Code, MultihashDigest};
use skyr::shared::bigint::bigint_ser::BigIntSer;
use skyr::shared::bigint::BigInt;
use skyr::Externs;

use super::builtins::{cbor, id, pre_committed, MINER, POWER, PROVE_AFTER, WINDOW_POST_32G};
use crate::proof_log::Asked;
use crate::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg, OfficialScenario};

const SETUP_PRESEALED: u64 = 17;
/// Versions whose miner takes method 17 from the power actor (ConfirmSectorProofsValid,
/// v12 and v13); later ones from the system actor (InternalSectorSetupForPreseal).
const CONFIRMED_BY_POWER: std::ops::RangeInclusive<u32> = 21..=22;
const SUBMIT_WINDOWED_POST: u64 = 5;
pub(super) const DECLARE_FAULTS: u64 = 10;
pub(super) const DECLARE_FAULTS_RECOVERED: u64 = 11;
/// The domain separation tag of a PoSt's chain commitment.
const POST_CHAIN_COMMIT: i64 = 9;

/// A smoothed estimate at `position`, not moving (`zero` velocity): `[position, velocity]`
/// in Q.128.
fn estimate<'a>(position: &'a BigInt, zero: &'a BigInt) -> (BigIntSer<'a>, BigIntSer<'a>) {
    (BigIntSer(position), BigIntSer(zero))
}

/// The parameters that activate sectors `numbers`: an epoch reward of one FIL, a baseline
/// and network power of one EiB.
fn activation(numbers: &[u64]) -> Vec<u8> {
    let zero = BigInt::default();
    let reward = BigInt::from(10u64.pow(18)) << 128;
    let eib = BigInt::from(1u64 << 60);
    let power = eib.clone() << 128;
    cbor(&(
        numbers.to_vec(),
        estimate(&reward, &zero),
        BigIntSer(&eib),
        estimate(&power, &zero),
    ))
}

/// The randomness a miner draws for a PoSt committed to the chain at `epoch`: the digest the
/// node gives, personalised by the actor.
fn chain_commit_rand(epoch: i64) -> Vec<u8> {
    let digest = skyr::TestExterns
        .chain_randomness(epoch)
        .expect("test randomness");
    let mut data = POST_CHAIN_COMMIT.to_be_bytes().to_vec();
    data.extend_from_slice(&digest);
    data.extend_from_slice(&epoch.to_be_bytes());
    Code::Blake2b256.digest(&data).digest().to_vec()
}

/// `SubmitWindowedPoStParams`: partitions `0..partitions` of `deadline`, one proof (failing
/// unless the verifier answers otherwise), committed to the chain one epoch before `at`.
fn submit(deadline: u64, partitions: u64, at: i64) -> Vec<u8> {
    let partitions: Vec<_> = (0..partitions)
        .map(|p| (p, serde_bytes::ByteBuf::new()))
        .collect();
    cbor(&(
        deadline,
        partitions,
        vec![(WINDOW_POST_32G, serde_bytes::ByteBuf::from(vec![0u8; 192]))],
        at - 1,
        serde_bytes::ByteBuf::from(chain_commit_rand(at - 1)),
    ))
}

/// The worker's window PoSt of partition 0 of `deadline`, submitted at `at`.
pub(super) fn post(deadline: u64, at: i64) -> OfficialMsg {
    posts(deadline, 1, at)
}

/// The worker's window PoSt of partitions `0..partitions` of `deadline`, submitted at `at`.
pub(super) fn posts(deadline: u64, partitions: u64, at: i64) -> OfficialMsg {
    OfficialMsg::new(From::Bls(0), id(MINER), SUBMIT_WINDOWED_POST)
        .params(submit(deadline, partitions, at))
}

/// A miner with sector 0 active at network version `nv`, set up as at genesis: confirmed by
/// the power actor up to v13 (nv22), by the system actor from v14 on.
fn with_sector(name: &str, nv: u32) -> OfficialBuilder {
    let from = if CONFIRMED_BY_POWER.contains(&nv) {
        id(POWER)
    } else {
        id(0)
    };
    pre_committed(name, 0..1)
        .nv(nv)
        .later(PROVE_AFTER)
        .implicit_as(from, id(MINER), SETUP_PRESEALED, activation(&[0]))
        .exits(0)
}

/// `{deadline 0, partition 0, sectors {0}}` in a list: the parameters of DeclareFaults and
/// DeclareFaultsRecovered. `0x0c` is the RLE+ bitfield holding only sector 0.
pub(super) fn sector_zero() -> Vec<u8> {
    cbor(&(vec![(0u64, 0u64, serde_bytes::ByteBuf::from(vec![0x0c]))],))
}

/// Every scenario of the family at network version `nv`, whose sector 0 is in `deadline`,
/// open from epoch `open` on.
pub fn scenarios(nv: u32, deadline: u64, open: i64) -> Vec<OfficialScenario> {
    let at = open + 10;
    vec![
        with_sector("builtin: window PoSt accepted optimistically", nv)
            .later(at - 1000)
            .msg(post(deadline, at))
            .exits(0)
            .asks(Asked::default())
            .build(),
        with_sector("builtin: window PoSt recovering a fault is verified", nv)
            .msg(OfficialMsg::new(From::Bls(0), id(MINER), DECLARE_FAULTS).params(sector_zero()))
            .exits(0)
            .msg(
                OfficialMsg::new(From::Bls(0), id(MINER), DECLARE_FAULTS_RECOVERED)
                    .params(sector_zero()),
            )
            .exits(0)
            .later(at - 1000)
            .msg(post(deadline, at))
            .exits(16)
            .asks(Asked::posts(1))
            .build(),
    ]
}
