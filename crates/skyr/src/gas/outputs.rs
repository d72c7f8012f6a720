//! How a message's gas turns into money: base fee burn, miner tip, over-estimation burn,
//! miner penalty and the sender's refund.
use fvm_shared::bigint::BigInt;
use fvm_shared::econ::TokenAmount;

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

        let (refund, burned) = over_estimation(gas_used, gas_limit);
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
fn over_estimation(gas_used: i64, gas_limit: i64) -> (i64, i64) {
    if gas_used == 0 {
        return (0, gas_limit);
    }
    let over = gas_limit - (11 * gas_used) / 10;
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
        assert_eq!(over_estimation(100, 110), (10, 0));
        assert_eq!(over_estimation(100, 100), (0, 0));
    }

    #[test]
    fn unused_gas_is_partly_burnt_past_the_allowance() {
        // over = 300 - 110 = 190, capped at 100: burn (300-100)*100/100 = 200.
        assert_eq!(over_estimation(100, 300), (0, 200));
        // over = 150 - 110 = 40: burn 50*40/100 = 20, refund 30.
        assert_eq!(over_estimation(100, 150), (30, 20));
        assert_eq!(over_estimation(0, 10), (0, 10));
    }

    #[test]
    fn fee_parts_add_up_to_what_was_reserved() {
        let bf = TokenAmount::from_atto(100);
        let cap = TokenAmount::from_atto(150);
        let prem = TokenAmount::from_atto(80);
        let o = GasOutputs::compute(1000, 5000, &bf, &cap, &prem);
        assert_eq!(o.miner_tip, TokenAmount::from_atto(50 * 5000));
        let total = &o.base_fee_burn + &o.over_estimation_burn + &o.miner_tip + &o.refund;
        assert_eq!(total, &cap * 5000);
    }
}
