//! Gas: milligas amounts, the per-message tracker, and the price lists.
//!
//! Everything is counted in milligas (1/1000 gas) so execution gas can be charged per WASM
//! instruction without rounding; receipts report whole gas, rounded up.

mod outputs;
mod price_list;
mod schedules;

pub use outputs::{FeeArithmetic, GasOutputs};
pub use price_list::{
    AggregatePrices, BlsAggregatePrices, EntryEventPrices, HashPrices, LinkPrices, PriceList,
    Scaling, SendPrices, Split, StateAccessPrices, WasmPrices, RETURN_VALUE_CHARGE,
    TABLE_ELEMENT_BYTES,
};
pub use schedules::{HYGGE_PRICES, SKYR_PRICES, TEEP_PRICES, WATERMELON_PRICES};

use crate::error::{ExecError, Result};
use crate::trace::{Charge, TraceEvent};

/// Milligas per gas.
pub const MILLIGAS_PER_GAS: i64 = 1000;

/// An amount of gas, held in milligas. Arithmetic saturates, as the reference's does, so a
/// hostile actor asking for absurd amounts runs out of gas instead of wrapping around.
#[derive(Copy, Clone, Default, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gas(i64);

impl Gas {
    /// Whole gas units.
    pub const fn new(gas: i64) -> Gas {
        Gas(gas.saturating_mul(MILLIGAS_PER_GAS))
    }
    /// Milligas units.
    pub const fn from_milligas(milligas: i64) -> Gas {
        Gas(milligas)
    }
    /// Zero gas.
    pub const fn zero() -> Gas {
        Gas(0)
    }
    /// The amount in milligas.
    pub const fn as_milligas(self) -> i64 {
        self.0
    }
    /// Whole gas, rounding a fractional part up (how receipts report gas used).
    pub const fn round_up(self) -> i64 {
        let q = self.0 / MILLIGAS_PER_GAS;
        if self.0 > 0 && self.0 % MILLIGAS_PER_GAS != 0 {
            q.saturating_add(1)
        } else {
            q
        }
    }
    /// True when zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::Add for Gas {
    type Output = Gas;
    fn add(self, rhs: Gas) -> Gas {
        Gas(self.0.saturating_add(rhs.0))
    }
}
impl std::ops::Sub for Gas {
    type Output = Gas;
    fn sub(self, rhs: Gas) -> Gas {
        Gas(self.0.saturating_sub(rhs.0))
    }
}
impl std::ops::Mul<i64> for Gas {
    type Output = Gas;
    fn mul(self, rhs: i64) -> Gas {
        Gas(self.0.saturating_mul(rhs))
    }
}
impl std::ops::AddAssign for Gas {
    fn add_assign(&mut self, rhs: Gas) {
        *self = *self + rhs;
    }
}

impl std::fmt::Display for Gas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{:03}",
            self.0 / MILLIGAS_PER_GAS,
            (self.0 % MILLIGAS_PER_GAS).abs()
        )
    }
}

/// One named charge. Compute and other parts (storage, deferred work) are kept apart because
/// traces (and the reference's) report them separately; only their sum is charged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasCharge {
    /// The reference's name for the charge, e.g. `OnBlockLink`.
    pub name: &'static str,
    /// Compute part.
    pub compute: Gas,
    /// Other part: storage and deferred work.
    pub other: Gas,
}

impl GasCharge {
    /// A charge with both parts.
    pub fn new(name: &'static str, compute: Gas, other: Gas) -> Self {
        GasCharge {
            name,
            compute,
            other,
        }
    }
    /// Compute plus other.
    pub fn total(&self) -> Gas {
        self.compute + self.other
    }
}

/// Gas used so far by one message against its limit.
///
/// A send given its own gas limit runs under a nested limit: [`push_limit`](Self::push_limit)
/// saves the outer limit and usage and starts counting from zero against the smaller of the
/// new limit and what was left; [`pop_limit`](Self::pop_limit) adds the inner usage back.
#[derive(Debug, Clone)]
pub struct GasTracker {
    limit: Gas,
    used: Gas,
    /// How a charge is added to what was used (the reference's integer width).
    sum: GasSum,
    /// Outer (limit, used) pairs, innermost last.
    saved: Vec<(Gas, Gas)>,
    /// The message's trace, when it is traced. Kept here because every charge passes
    /// through the tracker; the call manager adds its calls to the same list, in order.
    trace: Option<Vec<TraceEvent>>,
}

/// How a tracker adds a charge to the gas used when the total passes i64::MAX milligas, which
/// only a charge or a gas limit past 9.2e15 gas makes possible (limits are capped there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GasSum {
    /// fvm 2: in i64, saturating at i64::MAX; a capped limit equals that, so the charge fits.
    SaturatingI64,
    /// fvm 3 and 4: in u64 milligas; a total past i64::MAX is past every limit, so the
    /// message runs out of gas.
    UnsignedU64,
}

impl GasTracker {
    /// A tracker for a message with this gas limit (whole gas), adding charges as `sum` says.
    pub fn new(limit: Gas, sum: GasSum) -> Self {
        GasTracker {
            limit,
            used: Gas::zero(),
            sum,
            saved: Vec::new(),
            trace: None,
        }
    }

    /// A tracker that also records the message's trace.
    pub fn traced(limit: Gas, sum: GasSum) -> Self {
        GasTracker {
            trace: Some(Vec::new()),
            ..GasTracker::new(limit, sum)
        }
    }

    /// Whether the message is traced.
    pub fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// Adds an event to the trace, if the message is traced (`event` is only built then).
    pub fn record(&mut self, event: impl FnOnce() -> TraceEvent) {
        if let Some(trace) = &mut self.trace {
            trace.push(event());
        }
    }

    /// The last event of the trace, when it is a charge named `name` (taken out, to be
    /// recorded again where the reference's trace has it).
    pub fn take_last_charge(&mut self, name: &str) -> Option<TraceEvent> {
        let trace = self.trace.as_mut()?;
        match trace.last() {
            Some(TraceEvent::Charge(c)) if c.name == name => trace.pop(),
            _ => None,
        }
    }

    /// The trace recorded so far (empty when not traced). Where a send refused for depth
    /// left its gas limit pushed (fvm 3's rule), the gas used outside that limit is not in
    /// [`used`](Self::used); the trace ends with a negative
    /// [`FORGOTTEN_OUTSIDE_LIMIT`](crate::trace::FORGOTTEN_OUTSIDE_LIMIT) charge saying so.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        let forgotten = self.saved.iter().fold(Gas::zero(), |sum, (_, u)| sum + *u);
        let mut trace = self.trace.as_mut().map(std::mem::take).unwrap_or_default();
        if self.trace.is_some() && !forgotten.is_zero() {
            trace.push(TraceEvent::Charge(Charge::unpriced(
                crate::trace::FORGOTTEN_OUTSIDE_LIMIT,
                Gas::zero() - forgotten,
            )));
        }
        trace
    }

    /// Starts counting against `limit` (or what is left, if less).
    pub fn push_limit(&mut self, limit: Gas) {
        self.saved.push((self.limit, self.used));
        self.limit = self.available().min(limit);
        self.used = Gas::zero();
    }

    /// Goes back to the outer limit, counting what was used under the inner one.
    pub fn pop_limit(&mut self) -> Result<()> {
        let (limit, used) = self
            .saved
            .pop()
            .ok_or_else(|| crate::error::fatal("no gas limit to pop"))?;
        self.limit = limit;
        self.used += used;
        Ok(())
    }

    /// Adds `amount` to the gas used. Past the limit, the used gas is pinned at the limit and
    /// the message is out of gas.
    pub fn charge(&mut self, name: &str, amount: Gas) -> Result<()> {
        self.charge_parts(name, amount, Gas::zero())
    }

    /// Applies a named charge.
    pub fn apply(&mut self, charge: &GasCharge) -> Result<()> {
        self.charge_parts(charge.name, charge.compute, charge.other)
    }

    fn charge_parts(&mut self, name: &str, compute: Gas, other: Gas) -> Result<()> {
        let before = self.used;
        // None past i64::MAX: fvm 2 saturates there; fvm 3 and 4's unsigned total is past
        // any limit.
        let exact = before
            .as_milligas()
            .checked_add(compute.as_milligas())
            .and_then(|x| x.checked_add(other.as_milligas()));
        self.used = exact.map_or(before + compute + other, Gas::from_milligas);
        let out_of_gas =
            self.used > self.limit || (exact.is_none() && self.sum == GasSum::UnsignedU64);
        if out_of_gas {
            self.used = self.limit;
        }
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent::Charge(Charge {
                name: name.to_owned(),
                compute,
                other,
                applied: self.used - before,
            }));
        }
        match out_of_gas {
            true => Err(ExecError::OutOfGas),
            false => Ok(()),
        }
    }

    /// Gas used.
    pub fn used(&self) -> Gas {
        self.used
    }

    /// Gas left before the limit.
    pub fn available(&self) -> Gas {
        self.limit - self.used
    }
}
