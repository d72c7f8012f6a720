//! The executor: applies messages to a machine and settles their fees.
//!
//! An explicit message (one from a block) is checked first (sender, sequence, balance,
//! inclusion gas); failures there cost the sender nothing and the miner a penalty. Then the
//! sender pays for the whole gas limit up front, the message runs, and the fee is split
//! between burning, the miner's tip and the sender's refund. Implicit messages (cron, rewards)
//! skip both checks and fees.
use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::event::StampedEvent;
use fvm_shared::message::Message;
use fvm_shared::receipt::Receipt;
use num_traits::Zero;

use crate::call_manager::{
    CallManager, Frame, InvocationResult, MessageOrigin, SendOptions, EAM_ACTOR_ID,
};
use crate::error::ExecError;
use crate::gas::{Gas, GasCharge, GasOutputs, GasTracker};
use crate::kernel::Block;
use crate::machine::{Machine, BURNT_FUNDS_ACTOR_ID, REWARD_ACTOR_ID};
use crate::rules::SenderRule;
use crate::trace::{Charge, TraceEvent};

/// Whether a message came in a block (pays fees) or from the system (does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyKind {
    /// From a block: checked, charged, fees settled.
    Explicit,
    /// From the system (cron, rewards): neither checked nor charged.
    Implicit,
}

/// Everything applying a message produced.
#[derive(Clone, Debug)]
pub struct ApplyRet {
    /// The receipt: exit code, return bytes, gas used.
    pub receipt: Receipt,
    /// Owed by the miner that included the message.
    pub miner_penalty: TokenAmount,
    /// Paid to the miner.
    pub miner_tip: TokenAmount,
    /// Burnt at the base fee.
    pub base_fee_burn: TokenAmount,
    /// Burnt for over-estimating gas.
    pub over_estimation_burn: TokenAmount,
    /// Returned to the sender.
    pub refund: TokenAmount,
    /// Gas units refunded.
    pub gas_refund: i64,
    /// Gas units burnt for over-estimation.
    pub gas_burned: i64,
    /// Why it failed, when it did: a pre-validation reason or the call backtrace.
    pub failure: Option<String>,
    /// Frames of failed calls, innermost first.
    pub backtrace: Vec<Frame>,
    /// Debug logs the actors wrote (with debugging on).
    pub logs: Vec<String>,
    /// Events the message emitted (their AMT root is in the receipt).
    pub events: Vec<StampedEvent>,
    /// How many syscalls the message's actors entered (for tools and tests: whether code
    /// got as far as the machine).
    pub syscalls: u64,
    /// The message's calls and charges in order, when the machine traces
    /// ([`MachineConfig::trace`](crate::MachineConfig::trace)); empty otherwise, and for a
    /// message refused before it ran. See [`crate::trace`].
    pub trace: Vec<TraceEvent>,
}

impl ApplyRet {
    /// A result with this receipt and no fees settled yet.
    fn unsettled(
        receipt: Receipt,
        failure: Option<String>,
        backtrace: Vec<Frame>,
        logs: Vec<String>,
    ) -> ApplyRet {
        ApplyRet {
            receipt,
            miner_penalty: TokenAmount::zero(),
            miner_tip: TokenAmount::zero(),
            base_fee_burn: TokenAmount::zero(),
            over_estimation_burn: TokenAmount::zero(),
            refund: TokenAmount::zero(),
            gas_refund: 0,
            gas_burned: 0,
            failure,
            backtrace,
            logs,
            events: Vec::new(),
            syscalls: 0,
            trace: Vec::new(),
        }
    }

    fn prevalidation_fail(code: ExitCode, why: String, penalty: TokenAmount) -> ApplyRet {
        let receipt = Receipt {
            exit_code: code,
            return_data: RawBytes::default(),
            gas_used: 0,
            events_root: None,
        };
        let mut ret = ApplyRet::unsettled(
            receipt,
            Some(format!("pre-validation failed: {why}")),
            Vec::new(),
            Vec::new(),
        );
        ret.miner_penalty = penalty;
        ret
    }
}

/// Applies messages to a machine.
pub struct Executor {
    machine: Option<Machine>,
}

impl Executor {
    /// An executor over `machine`.
    pub fn new(machine: Machine) -> Self {
        Executor {
            machine: Some(machine),
        }
    }

    /// The machine (for reading state between messages). It is absent only when a panic
    /// escaped an earlier message while the machine was out on loan, which the call manager's
    /// guards leave to glue code between them.
    pub fn machine(&self) -> Result<&Machine> {
        self.machine.as_ref().ok_or_else(machine_lost)
    }

    /// The machine, mutably.
    pub fn machine_mut(&mut self) -> Result<&mut Machine> {
        self.machine.as_mut().ok_or_else(machine_lost)
    }

    /// Gives the machine back.
    pub fn into_machine(self) -> Option<Machine> {
        self.machine
    }

    /// Writes the state and returns the new state root.
    pub fn flush(&mut self) -> Result<Cid> {
        self.machine_mut()?.flush()
    }

    /// Applies one message. `raw_length` is its encoded length on chain (for a secp256k1
    /// signed message, including the signature), which prices its inclusion. An `Err` means
    /// the machine could not go on (a broken state or store), not that the message failed.
    ///
    /// No panic leaves it: one inside the message's execution is a fatal error for that
    /// message (its receipt is SYS_ASSERTION_FAILED and it pays its whole gas limit, as for
    /// any machine failure); one outside it, in the checks or the fee settlement, is an `Err`.
    /// Either way the state tree drops what the message left uncommitted.
    pub fn apply_message(
        &mut self,
        msg: &Message,
        kind: ApplyKind,
        raw_length: usize,
    ) -> Result<ApplyRet> {
        let applied = crate::error::on_panic(
            || self.apply_unguarded(msg, kind, raw_length),
            |said| anyhow!("panic while applying the message: {said}"),
        );
        if applied.is_err() {
            if let Some(m) = &mut self.machine {
                m.state.discard_uncommitted();
            }
        }
        applied
    }

    fn apply_unguarded(
        &mut self,
        msg: &Message,
        kind: ApplyKind,
        raw_length: usize,
    ) -> Result<ApplyRet> {
        msg.check().map_err(|e| anyhow!("invalid message: {e}"))?;
        let rules = self.machine.as_ref().ok_or_else(machine_lost)?.rules;
        for addr in [&msg.from, &msg.to] {
            rules
                .check_address(addr)
                .map_err(|e| anyhow!("invalid message: {e}"))?;
        }
        // `check` refused limits above i64::MAX, which gas arithmetic could not hold.
        let gas_limit = i64::try_from(msg.gas_limit)
            .map_err(|_| anyhow!("invalid message: gas limit {} too large", msg.gas_limit))?;
        let (sender, gas_cost, inclusion) =
            match self.preflight(msg, gas_limit, kind, raw_length)? {
                Ok(v) => v,
                Err(ret) => return Ok(ret),
            };
        // The receiver as it stands before the message (its first read is then free).
        let m = self.machine_mut()?;
        let receiver = match m.rules.prices.state_access {
            Some(_) => m.state.lookup_id(&msg.to).map_err(|e| anyhow!("{e}"))?,
            None => None,
        };
        // From here until the call manager gives it back, the machine is out on loan.
        let machine = self.machine.take().ok_or_else(machine_lost)?;
        let gas_premium = effective_premium(msg, &machine.config.base_fee);
        let params_codec = machine.rules.params_codec.for_method(msg.method_num);
        let origin = MessageOrigin {
            address: msg.from,
            id: sender,
            nonce: msg.sequence,
            gas_premium,
            receiver,
        };
        let (limit, sum) = (Gas::new(gas_limit), machine.rules.gas_sum);
        let gas = match machine.config.trace {
            true => GasTracker::traced(limit, sum),
            false => GasTracker::new(limit, sum),
        };
        let mut cm = CallManager::new(machine, gas, origin);
        let result = match cm.gas.apply(&inclusion) {
            Err(e) => Err(e),
            Ok(()) => {
                let params =
                    (!msg.params.is_empty()).then(|| Block::new(params_codec, msg.params.bytes()));
                let (res, back) = cm.send(
                    sender,
                    msg.to,
                    msg.method_num,
                    params,
                    &msg.value,
                    SendOptions::default(),
                );
                cm = back;
                res
            }
        };
        let gas_used = cm.gas.used().as_milligas().max(0);
        let gas_used = Gas::from_milligas(gas_used).round_up();
        let tracing = cm.gas.tracing();
        let used_milligas = cm.gas.used();
        let mut trace = cm.gas.take_trace();
        let CallManager {
            machine,
            mut backtrace,
            logs,
            events,
            syscalls,
            ..
        } = cm;
        self.machine = Some(machine);
        let (events, events_root) = events.finish().map_err(|e| anyhow!("{e}"))?;

        let (exit_code, return_data, gas_used) = match result {
            Ok(InvocationResult::Return(ret)) => {
                backtrace.clear();
                (
                    ExitCode::OK,
                    ret.map(|b| RawBytes::new(b.data().to_vec()))
                        .unwrap_or_default(),
                    gas_used,
                )
            }
            Ok(InvocationResult::Failure(code, value)) => {
                if code.is_success() {
                    return Err(anyhow!("actor failed with status OK"));
                }
                let data = value
                    .map(|b| RawBytes::new(b.data().to_vec()))
                    .unwrap_or_default();
                (code, data, gas_used)
            }
            Err(ExecError::OutOfGas) => (ExitCode::SYS_OUT_OF_GAS, RawBytes::default(), gas_used),
            Err(ExecError::Syscall(e)) => {
                let code = match e.number {
                    ErrorNumber::InsufficientFunds => ExitCode::SYS_INSUFFICIENT_FUNDS,
                    ErrorNumber::NotFound => ExitCode::SYS_INVALID_RECEIVER,
                    _ => ExitCode::SYS_ASSERTION_FAILED,
                };
                backtrace.push(Frame {
                    actor: sender,
                    method: msg.method_num,
                    code,
                    message: e.message,
                });
                (code, RawBytes::default(), gas_used)
            }
            Err(ExecError::Fatal(e)) => {
                // A failure (or a panic) mid-send may have left transactions open.
                if let Some(m) = &mut self.machine {
                    m.state.discard_uncommitted();
                }
                // The receipt charges the whole limit; the trace says where the rest went.
                if tracing {
                    let rest = Gas::new(gas_limit) - used_milligas;
                    trace.push(TraceEvent::Charge(Charge::unpriced(
                        crate::trace::FATAL_REST_OF_LIMIT,
                        rest,
                    )));
                }
                backtrace.push(Frame {
                    actor: sender,
                    method: msg.method_num,
                    code: ExitCode::SYS_ASSERTION_FAILED,
                    message: format!("fatal: {e:#}"),
                });
                (
                    ExitCode::SYS_ASSERTION_FAILED,
                    RawBytes::default(),
                    gas_limit,
                )
            }
        };
        let receipt = Receipt {
            exit_code,
            return_data,
            // Never negative: rounded up from a non-negative amount, or the limit.
            gas_used: u64::try_from(gas_used).unwrap_or_default(),
            events_root,
        };
        let failure = (!exit_code.is_success() && !backtrace.is_empty()).then(|| {
            backtrace
                .iter()
                .map(|f| {
                    format!(
                        "{} (method {}): exit {}: {}",
                        f.actor, f.method, f.code, f.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
        let mut ret = ApplyRet::unsettled(receipt, failure, backtrace, logs);
        ret.events = events;
        ret.syscalls = syscalls;
        ret.trace = trace;
        if kind == ApplyKind::Explicit {
            self.settle_fees(msg, gas_used, gas_limit, &mut ret, gas_cost)?;
        }
        Ok(ret)
    }

    /// Checks an explicit message before it runs and takes the gas deposit.
    #[allow(clippy::type_complexity)]
    fn preflight(
        &mut self,
        msg: &Message,
        gas_limit: i64,
        kind: ApplyKind,
        raw_length: usize,
    ) -> Result<std::result::Result<(u64, TokenAmount, GasCharge), ApplyRet>> {
        let m = self.machine_mut()?;
        let base_fee = m.config.base_fee.clone();
        let (inclusion, penalty) = match kind {
            ApplyKind::Implicit => (
                GasCharge::new("none", Gas::zero(), Gas::zero()),
                TokenAmount::zero(),
            ),
            ApplyKind::Explicit => {
                let inclusion = m.rules.prices.on_chain_message(raw_length);
                let total = inclusion.total().round_up();
                if total > gas_limit {
                    return Ok(Err(ApplyRet::prevalidation_fail(
                        ExitCode::SYS_OUT_OF_GAS,
                        format!("Out of gas ({total} > {gas_limit})"),
                        &base_fee * total,
                    )));
                }
                (inclusion, &base_fee * gas_limit)
            }
        };
        let Some(sender) = m.state.lookup_id(&msg.from)? else {
            return Ok(Err(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_INVALID,
                "Sender invalid".into(),
                penalty,
            )));
        };
        if kind == ApplyKind::Implicit {
            return Ok(Ok((sender, TokenAmount::zero(), inclusion)));
        }
        let Some(actor) = m.state.get_actor(sender)? else {
            return Ok(Err(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_INVALID,
                "Sender invalid".into(),
                penalty,
            )));
        };
        let mut actor = actor;
        let valid = match m.rules.senders {
            SenderRule::AccountsOnly => m.manifest.is_account(&actor.code),
            SenderRule::AccountsEthAccountsAndPlaceholders => {
                let f410 = matches!(actor.delegated_address.map(|a| *a.payload()),
                    Some(Payload::Delegated(d)) if d.namespace() == EAM_ACTOR_ID);
                if m.manifest.is_placeholder(&actor.code) && actor.sequence == 0 && f410 {
                    // FIP-0055: the placeholder becomes an EthAccount as it sends.
                    actor.code = m.manifest.eth_account_code().map_err(|e| anyhow!("{e}"))?;
                    true
                } else {
                    m.manifest.is_account(&actor.code) || m.manifest.is_eth_account(&actor.code)
                }
            }
        };
        if !valid {
            return Ok(Err(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_INVALID,
                "Send not from valid sender".into(),
                penalty,
            )));
        }
        if msg.sequence != actor.sequence {
            return Ok(Err(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_STATE_INVALID,
                format!(
                    "Actor sequence invalid: {} != {}",
                    msg.sequence, actor.sequence
                ),
                penalty,
            )));
        }
        let gas_cost = &msg.gas_fee_cap * gas_limit;
        if actor.balance < gas_cost {
            return Ok(Err(ApplyRet::prevalidation_fail(
                ExitCode::SYS_SENDER_STATE_INVALID,
                format!(
                    "Actor balance less than needed: {} < {}",
                    actor.balance, gas_cost
                ),
                penalty,
            )));
        }
        actor.balance -= &gas_cost;
        // As the reference's release build: past u64::MAX the sequence wraps to 0.
        actor.sequence = actor.sequence.wrapping_add(1);
        m.state.set_actor(sender, actor);
        Ok(Ok((sender, gas_cost, inclusion)))
    }

    /// Splits the gas deposit between burning, the miner and the sender, for a message that
    /// used `gas_used` of `gas_limit` (whole gas).
    fn settle_fees(
        &mut self,
        msg: &Message,
        gas_used: i64,
        gas_limit: i64,
        ret: &mut ApplyRet,
        gas_cost: TokenAmount,
    ) -> Result<()> {
        let m = self.machine_mut()?;
        let out = GasOutputs::compute(
            gas_used,
            gas_limit,
            &m.config.base_fee,
            &msg.gas_fee_cap,
            &msg.gas_premium,
            m.rules.fee_arithmetic,
        );
        let from = msg.from;
        let mut pay = |to: Address, amount: &TokenAmount| -> Result<()> {
            if amount.is_negative() {
                return Err(anyhow!("attempted to transfer negative value into actor"));
            }
            if amount.is_zero() {
                return Ok(());
            }
            let id = m
                .state
                .lookup_id(&to)?
                .ok_or_else(|| anyhow!("failed to lookup actor {to} for transfer"))?;
            let found = m.state.mutate_actor(id, |a| {
                a.balance += amount;
                Ok(())
            })?;
            if !found {
                return Err(anyhow!("failed to lookup actor {to} for transfer"));
            }
            Ok(())
        };
        pay(Address::new_id(BURNT_FUNDS_ACTOR_ID), &out.base_fee_burn)?;
        pay(Address::new_id(REWARD_ACTOR_ID), &out.miner_tip)?;
        pay(
            Address::new_id(BURNT_FUNDS_ACTOR_ID),
            &out.over_estimation_burn,
        )?;
        pay(from, &out.refund)?;
        if &out.base_fee_burn + &out.over_estimation_burn + &out.refund + &out.miner_tip != gas_cost
        {
            return Err(anyhow!("gas handling math is wrong"));
        }
        ret.miner_penalty = out.miner_penalty;
        ret.miner_tip = out.miner_tip;
        ret.base_fee_burn = out.base_fee_burn;
        ret.over_estimation_burn = out.over_estimation_burn;
        ret.refund = out.refund;
        ret.gas_refund = out.gas_refund;
        ret.gas_burned = out.gas_burned;
        Ok(())
    }
}

/// The premium a message pays per gas unit: its premium, capped by what its fee cap leaves
/// above the base fee, never negative.
fn effective_premium(msg: &Message, base_fee: &TokenAmount) -> TokenAmount {
    let room = &msg.gas_fee_cap - base_fee;
    let premium = if msg.gas_premium < room {
        msg.gas_premium.clone()
    } else {
        room
    };
    if premium.is_negative() {
        TokenAmount::zero()
    } else {
        premium
    }
}

/// Why the executor has no machine.
fn machine_lost() -> anyhow::Error {
    anyhow!("the machine was lost: a panic escaped an earlier message while it ran")
}
