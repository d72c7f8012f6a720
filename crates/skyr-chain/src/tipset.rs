//! A tipset applied as a Filecoin node applies it, in the pieces a caller strings together
//! (the devnet mines one block a tipset; a replay of a real chain has several):
//!
//! - cron's tick for each null round between the parent and the tipset, each at its own
//!   epoch on the state the previous one left;
//! - each block in the tipset's order: its messages that are [selected](select_messages),
//!   BLS ones first, a message in two blocks applied once; then the block reward to its
//!   miner, with the tips and penalties of its messages;
//! - cron's tick at the tipset's epoch.
//!
//! Only explicit messages have receipts. Implicit messages (reward, cron) come from the system
//! actor, pay nothing, and must succeed: a failure means the state is not one the chain can
//! continue from.
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use cid::Cid;
use skyr::shared::address::Address;
use skyr::shared::clock::ChainEpoch;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr::{ApplyKind, Executor};

use crate::genesis::ids;
use crate::message::{cbor_cid, system_message, ChainMessage};
use crate::BLOCK_GAS_LIMIT;

/// Reward's `AwardBlockReward` and cron's `EpochTick`.
const AWARD_BLOCK_REWARD: u64 = 2;
const EPOCH_TICK: u64 = 2;
/// The gas an implicit reward message may use.
const REWARD_GAS_LIMIT: u64 = 1 << 30;

/// The messages of a tipset's blocks (each block's in its order: BLS ones, then signed ones)
/// that a node applies. For each sender, the first message met sets the nonce expected; a
/// later message whose nonce is not the next is passed over (a block is only valid when each
/// sender's first message is right, so that one always counts). A message met again in a
/// later block is passed over too. `vm` gives an item's message and the CID of the message
/// the machine applies ([`vm_message_cid`]). Senders are told apart by their ID in the
/// parent state (`resolve`, asked once per address); one `resolve` cannot find is told apart
/// by its address.
pub fn select_messages<T>(
    blocks: Vec<Vec<T>>,
    vm: impl Fn(&T) -> (&Message, Cid),
    mut resolve: impl FnMut(&Address) -> Result<Option<u64>>,
) -> Result<Vec<Vec<T>>> {
    let mut senders: BTreeMap<Address, Address> = BTreeMap::new();
    let mut next: BTreeMap<Address, u64> = BTreeMap::new();
    let mut seen: BTreeSet<Cid> = BTreeSet::new();
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        let mut kept = Vec::with_capacity(block.len());
        for item in block {
            let (msg, cid) = vm(&item);
            let sender = match senders.get(&msg.from) {
                Some(s) => *s,
                None => {
                    let s = resolve(&msg.from)?.map_or(msg.from, Address::new_id);
                    senders.insert(msg.from, s);
                    s
                }
            };
            let expected = *next.entry(sender).or_insert(msg.sequence);
            if expected != msg.sequence {
                continue;
            }
            next.insert(sender, expected + 1);
            if seen.insert(cid) {
                kept.push(item);
            }
        }
        out.push(kept);
    }
    Ok(out)
}

/// The CID of the message a machine applies (a signed message's, without its signature).
pub fn vm_message_cid(m: &ChainMessage) -> Result<Cid> {
    Ok(cbor_cid(&fvm_ipld_encoding::to_vec(m.message())?))
}

/// Rewards `miner` for a block at `epoch`: `penalty` and `gas_reward` are the sums over the
/// block's messages of what the miner owes and earned in tips.
pub fn award_block_reward(
    exec: &mut Executor,
    epoch: ChainEpoch,
    miner: Address,
    penalty: &TokenAmount,
    gas_reward: &TokenAmount,
    win_count: i64,
) -> Result<()> {
    let params = fvm_ipld_encoding::to_vec(&(miner, penalty, gas_reward, win_count))?;
    implicit(
        exec,
        ids::REWARD,
        AWARD_BLOCK_REWARD,
        params,
        epoch,
        REWARD_GAS_LIMIT,
    )
    .map_err(|e| e.context(format!("the block reward at epoch {epoch}")))
}

/// Cron's end-of-epoch tick at `epoch`.
pub fn cron_tick(exec: &mut Executor, epoch: ChainEpoch) -> Result<()> {
    implicit(
        exec,
        ids::CRON,
        EPOCH_TICK,
        Vec::new(),
        epoch,
        BLOCK_GAS_LIMIT * 10_000,
    )
    .map_err(|e| e.context(format!("cron's tick at epoch {epoch}")))
}

/// Applies an implicit message from the system actor; fails unless it succeeds.
fn implicit(
    exec: &mut Executor,
    to: u64,
    method: u64,
    params: Vec<u8>,
    epoch: ChainEpoch,
    gas_limit: u64,
) -> Result<()> {
    let msg = system_message(to, method, params, epoch as u64, gas_limit);
    // An implicit message pays no inclusion: its length prices nothing.
    let ret = exec.apply_message(&msg, ApplyKind::Implicit, 0)?;
    if !ret.receipt.exit_code.is_success() {
        bail!(
            "exit {}: {}",
            skyr::exit_names::exit_label(ret.receipt.exit_code.value()),
            ret.failure.unwrap_or_default()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(from: u64, sequence: u64, method: u64) -> ChainMessage {
        ChainMessage::Unsigned(Message {
            version: 0,
            from: Address::new_id(from),
            to: Address::new_id(99),
            sequence,
            value: TokenAmount::default(),
            method_num: method,
            params: Default::default(),
            gas_limit: 1,
            gas_fee_cap: TokenAmount::default(),
            gas_premium: TokenAmount::default(),
        })
    }

    /// Out-of-order nonces and a message repeated in a second block are passed over; each
    /// sender's first message sets its nonce; an address resolving to the same ID counts as
    /// the same sender.
    #[test]
    fn selection_follows_nonces_and_skips_repeats() {
        let blocks = vec![
            vec![msg(100, 5, 0), msg(100, 7, 0), msg(100, 6, 0)],
            vec![msg(100, 6, 0), msg(101, 0, 0), msg(200, 7, 1)],
        ];
        // 200 is another name of 100.
        let out = select_messages(
            blocks,
            |m| (m.message(), vm_message_cid(m).unwrap()),
            |a| {
                Ok(Some(match a.id()? {
                    200 => 100,
                    n => n,
                }))
            },
        )
        .unwrap();
        let kept = |b: &Vec<ChainMessage>| {
            b.iter()
                .map(|m| (m.message().from.id().unwrap(), m.message().sequence))
                .collect::<Vec<_>>()
        };
        assert_eq!(kept(&out[0]), vec![(100, 5), (100, 6)]);
        assert_eq!(kept(&out[1]), vec![(101, 0), (200, 7)]);
    }
}
