//! The base fee of the next tipset. From FireHorse (nv28) on it follows the premiums a tipset
//! paid, not its gas use: the premium found at the 8e9-th unit of gas limit, counting from the
//! highest premium down (premium weighted by gas limit), pulls the base fee towards it by at
//! most an eighth per epoch, and it never goes below 100 attoFIL (Lotus
//! `chain/store/basefee.go`, `ComputeNextBaseFeeFromPremiums`). An idle chain therefore decays
//! by an eighth per epoch to the floor.
use skyr::shared::econ::TokenAmount;

/// The lowest base fee, in attoFIL.
pub const MINIMUM_BASE_FEE: u64 = 100;
/// The base fee of the genesis (the parent base fee of the first tipset), in attoFIL.
pub const INITIAL_BASE_FEE: u64 = 100_000_000;
/// How much the base fee may move in one epoch: one part in this many.
pub const MAX_CHANGE_DENOM: u64 = 8;
/// The unit of gas limit whose premium sets the next base fee (`BlockGasTargetIndex`).
pub const GAS_TARGET_INDEX: u64 = 8_000_000_000 - 1;

/// What a message offers the miner per unit of gas at `base_fee`: its premium, capped by what
/// its fee cap leaves above the base fee (never below zero).
pub fn effective_premium(
    fee_cap: &TokenAmount,
    premium: &TokenAmount,
    base_fee: &TokenAmount,
) -> TokenAmount {
    let available = if fee_cap > base_fee {
        fee_cap - base_fee
    } else {
        TokenAmount::default()
    };
    if premium <= &available {
        premium.clone()
    } else {
        available
    }
}

/// The premium at [`GAS_TARGET_INDEX`] of `(gas limit, effective premium)` pairs, walking the
/// premiums from the highest down; zero when their limits add up to less.
pub fn premium_at_target(mut offers: Vec<(u64, TokenAmount)>) -> TokenAmount {
    offers.sort_by(|a, b| b.1.cmp(&a.1));
    let mut seen: u128 = 0;
    for (limit, premium) in offers {
        seen += limit as u128;
        if seen > GAS_TARGET_INDEX as u128 {
            return premium;
        }
    }
    TokenAmount::default()
}

/// The next base fee, from the current one and the percentile premium.
pub fn next_base_fee(base_fee: &TokenAmount, premium: &TokenAmount) -> TokenAmount {
    let denom = MAX_CHANGE_DENOM;
    let atto = base_fee.atto();
    let max_adj = TokenAmount::from_atto((atto + (denom - 1)) / denom);
    let towards = premium - &max_adj;
    let step = if towards < max_adj { towards } else { max_adj };
    let next = base_fee + step;
    let floor = TokenAmount::from_atto(MINIMUM_BASE_FEE);
    if next < floor {
        floor
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atto(n: u64) -> TokenAmount {
        TokenAmount::from_atto(n)
    }

    #[test]
    fn an_idle_chain_decays_by_an_eighth_to_the_floor() {
        assert_eq!(
            next_base_fee(&atto(100_000_000), &atto(0)),
            atto(87_500_000)
        );
        // ceil(801 / 8) = 101.
        assert_eq!(next_base_fee(&atto(801), &atto(0)), atto(700));
        assert_eq!(next_base_fee(&atto(105), &atto(0)), atto(100));
        assert_eq!(next_base_fee(&atto(100), &atto(0)), atto(100));
    }

    #[test]
    fn a_high_premium_raises_it_by_at_most_an_eighth() {
        assert_eq!(next_base_fee(&atto(800), &atto(10_000)), atto(900));
        // A premium just above the step moves it by premium − step.
        assert_eq!(next_base_fee(&atto(800), &atto(150)), atto(850));
    }

    #[test]
    fn the_target_premium_is_weighted_by_gas_limit() {
        let offers = vec![
            (5_000_000_000, atto(10)),
            (2_000_000_000, atto(30)),
            (2_000_000_000, atto(20)),
        ];
        // From the top: 2e9 at 30, 4e9 at 20, 9e9 at 10: index 8e9−1 falls on 10.
        assert_eq!(premium_at_target(offers), atto(10));
        assert_eq!(premium_at_target(vec![(7_999_999_999, atto(5))]), atto(0));
        assert_eq!(premium_at_target(vec![(8_000_000_000, atto(5))]), atto(5));
    }

    #[test]
    fn the_effective_premium_is_capped_by_the_fee_cap() {
        assert_eq!(
            effective_premium(&atto(150), &atto(80), &atto(100)),
            atto(50)
        );
        assert_eq!(effective_premium(&atto(90), &atto(80), &atto(100)), atto(0));
        assert_eq!(
            effective_premium(&atto(300), &atto(80), &atto(100)),
            atto(80)
        );
    }
}
