//! The fee split of a message (base fee burn, over-estimation burn, miner tip and penalty,
//! refund) against fvm 4.8.4's own `GasOutputs::compute`, on a grid of gas amounts up to
//! the largest a message may name, fee caps below and above the base fee, and premiums. fvm
//! 3.14.2's over-estimation code is the same as fvm 4's (fvm 2's and 3's `GasOutputs` are
//! private to their crates).
use skyr::gas::{FeeArithmetic, GasOutputs};
use skyr::shared::econ::TokenAmount;

#[test]
fn the_fee_split_is_fvm4s_at_every_size() {
    let big = i64::MAX as u64;
    let used_values = [
        1u64,
        100,
        1_000_000,
        10_000_000_000,
        i64::MAX as u64 / 11,
        i64::MAX as u64 / 11 + 1,
        900_000_000_000_000_000,
        big - 1,
        big,
    ];
    let mut compared = 0;
    let mut past_i64 = 0;
    for used in used_values {
        for extra in [0u64, 1, 1000, used / 10, used / 10 + 1, used, big] {
            let Some(limit) = used.checked_add(extra).filter(|l| *l <= big) else {
                continue;
            };
            for (base, cap, premium) in [(100u64, 200u64, 50u64), (100, 40, 5), (0, 1, 0)] {
                let (b, c, p) = (
                    TokenAmount::from_atto(base),
                    TokenAmount::from_atto(cap),
                    TokenAmount::from_atto(premium),
                );
                let ours = GasOutputs::compute(
                    used as i64,
                    limit as i64,
                    &b,
                    &c,
                    &p,
                    FeeArithmetic::Exact,
                );
                let theirs = fvm4::gas::GasOutputs::compute(used, limit, &b, &c, &p);
                let case = format!(
                    "used {used}, limit {limit}, base {base}, cap {cap}, premium {premium}"
                );
                assert_eq!(ours.base_fee_burn, theirs.base_fee_burn, "{case}");
                assert_eq!(
                    ours.over_estimation_burn, theirs.over_estimation_burn,
                    "{case}"
                );
                assert_eq!(ours.miner_penalty, theirs.miner_penalty, "{case}");
                assert_eq!(ours.miner_tip, theirs.miner_tip, "{case}");
                assert_eq!(ours.refund, theirs.refund, "{case}");
                assert_eq!(ours.gas_refund as u64, theirs.gas_refund, "{case}");
                assert_eq!(ours.gas_burned as u64, theirs.gas_burned, "{case}");
                compared += 1;
                past_i64 += usize::from(used.checked_mul(11).is_none_or(|x| x > big));
            }
        }
    }
    eprintln!("fee splits compared with fvm 4.8.4: {compared} ({past_i64} with 11 × gas used past i64::MAX)");
    assert!(
        past_i64 > 10,
        "the grid reached no gas amount whose allowance passes i64"
    );
}
