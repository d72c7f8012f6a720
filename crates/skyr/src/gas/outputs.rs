//! How a message's gas turns into money: base fee burn, miner tip, over-estimation burn,
//! miner penalty and the sender's refund.
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;

/// How the over-estimation burn is computed where a message's gas is huge. Gas used is at
/// most the limit, which messages may set far beyond any block's (a machine failure then
/// charges all of it), so `11 × gas used` can pass what 64 bits hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeArithmetic {
    /// fvm 2: in i64, wrapping past i64::MAX as its release build does.
    WrappingI64,
    /// fvm 3 and 4: exactly (they widen to 128 bits).
    Exact,
}

/// The fee split of one message.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct GasOutputs {
    /// Burnt at the base fee for the gas used.
    pub base_fee_burn: TokenAmount,
    /// Burnt for gas limit asked beyond what was used (past the 10% allowance).
    pub over_estimation_burn: TokenAmount,
    /// Owed by the block's miner (base fee above the fee cap).
    pub miner_penalty: TokenAmount,
    /// Paid to the block's miner: the premium on the whole gas limit.
    pub miner_tip: TokenAmount,
    /// Returned to the sender.
    pub refund: TokenAmount,
    /// Gas units refunded.
    pub gas_refund: i64,
    /// Gas units burnt for over-estimation.
    pub gas_burned: i64,
}

impl GasOutputs {
    /// Splits the fee of a message that used `gas_used` of `gas_limit`.
    pub fn compute(
        gas_used: i64,
        gas_limit: i64,
        base_fee: &TokenAmount,
        fee_cap: &TokenAmount,
        premium: &TokenAmount,
        arithmetic: FeeArithmetic,
    ) -> Self {
        let mut out = GasOutputs::default();
        let paid_base_fee = if base_fee > fee_cap {
            fee_cap
        } else {
            base_fee
        };
        if base_fee > fee_cap {
            out.miner_penalty = (base_fee - fee_cap) * gas_used;
        }
        out.base_fee_burn = paid_base_fee * gas_used;

        let tip_per_gas = if &(paid_base_fee + premium) > fee_cap {
            fee_cap - paid_base_fee
        } else {
            premium.clone()
        };
        out.miner_tip = &tip_per_gas * gas_limit;

        let (refund, burned) = over_estimation(gas_used, gas_limit, arithmetic);
        out.gas_refund = refund;
        out.gas_burned = burned;
        if burned != 0 {
            out.over_estimation_burn = paid_base_fee * burned;
            out.miner_penalty += (base_fee - paid_base_fee) * burned;
        }
        out.refund =
            fee_cap * gas_limit - &out.base_fee_burn - &out.miner_tip - &out.over_estimation_burn;
        out
    }
}

/// (gas refunded, gas burnt): gas up to 110% of what was used is free to over-estimate; past
/// that, a growing share of the unused gas is burnt.
fn over_estimation(gas_used: i64, gas_limit: i64, arithmetic: FeeArithmetic) -> (i64, i64) {
    if gas_used == 0 {
        return (0, gas_limit);
    }
    // What is over the 110% allowance (negative: within it).
    let over = match arithmetic {
        FeeArithmetic::WrappingI64 => gas_limit.wrapping_sub(gas_used.wrapping_mul(11) / 10),
        // Between -i64::MAX / 10 and i64::MAX (gas used is not negative), so it fits.
        FeeArithmetic::Exact => {
            let exact = i128::from(gas_limit) - i128::from(gas_used) * 11 / 10;
            i64::try_from(exact).unwrap_or(i64::MIN)
        }
    };
    if over < 0 {
        return (gas_limit - gas_used, 0);
    }
    let over = over.min(gas_used);
    let burned = BigInt::from(gas_limit - gas_used) * over / gas_used;
    // The product is at most (limit - used) * used / used, so it fits in an i64.
    let burned = i64::try_from(burned).unwrap_or(gas_limit - gas_used);
    (gas_limit - gas_used - burned, burned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_burnt_within_the_allowance() {
        assert_eq!(over_estimation(100, 110, FeeArithmetic::Exact), (10, 0));
        assert_eq!(over_estimation(100, 100, FeeArithmetic::Exact), (0, 0));
    }

    #[test]
    fn unused_gas_is_partly_burnt_past_the_allowance() {
        // over = 300 - 110 = 190, capped at 100: burn (300-100)*100/100 = 200.
        assert_eq!(over_estimation(100, 300, FeeArithmetic::Exact), (0, 200));
        // over = 150 - 110 = 40: burn 50*40/100 = 20, refund 30.
        assert_eq!(over_estimation(100, 150, FeeArithmetic::Exact), (30, 20));
        assert_eq!(over_estimation(0, 10, FeeArithmetic::Exact), (0, 10));
    }

    #[test]
    fn a_huge_gas_limit_is_computed_as_each_reference_computes_it() {
        // 11 × 9e17 passes i64::MAX: fvm 2 wraps (to a negative allowance, so everything
        // over it is burnt), fvm 3 and 4 compute exactly (within the allowance: nothing).
        let g = 900_000_000_000_000_000;
        assert_eq!(over_estimation(g, g, FeeArithmetic::Exact), (0, 0));
        assert_eq!(over_estimation(g, g, FeeArithmetic::WrappingI64), (0, 0));
        let limit = g + 1000;
        assert_eq!(over_estimation(g, limit, FeeArithmetic::Exact), (1000, 0));
        assert_eq!(
            over_estimation(g, limit, FeeArithmetic::WrappingI64),
            (0, 1000)
        );
    }

    #[test]
    fn fee_parts_add_up_to_what_was_reserved() {
        let bf = TokenAmount::from_atto(100);
        let cap = TokenAmount::from_atto(150);
        let prem = TokenAmount::from_atto(80);
        let o = GasOutputs::compute(1000, 5000, &bf, &cap, &prem, FeeArithmetic::Exact);
        assert_eq!(o.miner_tip, TokenAmount::from_atto(50 * 5000));
        let total = &o.base_fee_burn + &o.over_estimation_burn + &o.miner_tip + &o.refund;
        assert_eq!(total, &cap * 5000);
    }
}
