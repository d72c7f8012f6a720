//! Gas: milligas amounts, the per-message tracker, and the price lists.
//!
//! Everything is counted in milligas (1/1000 gas) so execution gas can be charged per WASM
//! instruction without rounding; receipts report whole gas, rounded up.

mod outputs;
mod price_list;
mod schedules;

pub use outputs::GasOutputs;
pub use price_list::{
    AggregatePrices, BlsAggregatePrices, EntryEventPrices, HashPrices, LinkPrices, PriceList,
    Scaling, SendPrices, Split, StateAccessPrices, WasmPrices, TABLE_ELEMENT_BYTES,
};
pub use schedules::{HYGGE_PRICES, SKYR_PRICES, TEEP_PRICES, WATERMELON_PRICES};

use crate::error::{ExecError, Result};

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
    /// Outer (limit, used) pairs, innermost last.
    saved: Vec<(Gas, Gas)>,
}

impl GasTracker {
    /// A tracker for a message with this gas limit (whole gas).
    pub fn new(limit: Gas) -> Self {
        GasTracker {
            limit,
            used: Gas::zero(),
            saved: Vec::new(),
        }
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
    pub fn charge(&mut self, _name: &str, amount: Gas) -> Result<()> {
        self.used += amount;
        if self.used > self.limit {
            self.used = self.limit;
            return Err(ExecError::OutOfGas);
        }
        Ok(())
    }

    /// Applies a named charge.
    pub fn apply(&mut self, charge: &GasCharge) -> Result<()> {
        self.charge(charge.name, charge.total())
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
