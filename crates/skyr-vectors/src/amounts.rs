//! Token amounts as people read them. Filecoin counts in attoFIL (10^-18 FIL); a user reading
//! a receipt wants "140.856 FIL". Machine-readable output (`--json`) keeps exact attoFIL
//! strings, and the command line offers `--atto` for exact figures.
use fvm_shared::bigint::{BigInt, Sign};
use fvm_shared::econ::TokenAmount;

/// Significant digits kept after the leading one when an amount is rounded.
const SIGNIFICANT: usize = 6;

/// `amount` in FIL, exact when it fits six significant digits (`10000 FIL`, `0.5 FIL`,
/// `0.000000000000000001 FIL`) and otherwise rounded half-up to six, marked `≈`
/// (`≈140.856 FIL`).
pub fn fil(amount: &TokenAmount) -> String {
    let atto = amount.atto();
    let sign = if atto.sign() == Sign::Minus { "-" } else { "" };
    let digits = atto.magnitude().to_string();
    let (text, exact) = round_significant(&digits, SIGNIFICANT);
    format!(
        "{}{sign}{} FIL",
        if exact { "" } else { "≈" },
        place_point(&text, 18)
    )
}

/// `amount` in FIL, or in exact attoFIL when `atto` is set (the `--atto` flag).
pub fn amount(amount: &TokenAmount, atto: bool) -> String {
    if atto {
        format!("{} attoFIL", amount.atto())
    } else {
        fil(amount)
    }
}

/// A price per unit of gas, in attoFIL as Lotus and the chain quote it.
pub fn per_gas(price: &TokenAmount) -> String {
    format!("{} attoFIL/gas", price.atto())
}

/// The decimal `digits` (no sign, no leading zeros unless "0") rounded half-up to `keep`
/// significant digits, trailing digits zeroed; and whether that changed nothing.
fn round_significant(digits: &str, keep: usize) -> (String, bool) {
    if digits.len() <= keep {
        return (digits.to_string(), true);
    }
    let cut = &digits[keep..];
    if cut.bytes().all(|b| b == b'0') {
        return (digits.to_string(), true);
    }
    let head: BigInt = digits[..keep].parse().unwrap_or_default();
    let head = if cut.as_bytes()[0] >= b'5' {
        head + 1
    } else {
        head
    };
    // Rounding 999999… up adds a digit: the zeros below keep the magnitude right.
    let zeros = digits.len() - keep;
    (format!("{head}{}", "0".repeat(zeros)), false)
}

/// `digits` (an integer count of 10^-`scale` units) as a decimal with trailing zeros after
/// the point dropped.
fn place_point(digits: &str, scale: usize) -> String {
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atto(s: &str) -> TokenAmount {
        TokenAmount::from_atto(s.parse::<BigInt>().expect("test amount"))
    }

    #[test]
    fn whole_and_small_amounts_are_exact() {
        assert_eq!(fil(&atto("0")), "0 FIL");
        assert_eq!(fil(&atto("10000000000000000000000")), "10000 FIL");
        assert_eq!(fil(&atto("500000000000000000")), "0.5 FIL");
        assert_eq!(fil(&atto("1")), "0.000000000000000001 FIL");
        assert_eq!(fil(&atto("-2500000000000000000")), "-2.5 FIL");
    }

    #[test]
    fn long_amounts_are_rounded_and_marked() {
        assert_eq!(fil(&atto("140856059354505990364")), "≈140.856 FIL");
        assert_eq!(fil(&atto("114454447300000")), "≈0.000114454 FIL");
        assert_eq!(fil(&atto("999999600000000000000")), "≈1000 FIL");
        assert_eq!(fil(&atto("-140856559354505990364")), "≈-140.857 FIL");
    }

    #[test]
    fn atto_keeps_the_exact_figure() {
        let a = atto("140856059354505990364");
        assert_eq!(amount(&a, true), "140856059354505990364 attoFIL");
        assert_eq!(amount(&a, false), "≈140.856 FIL");
        assert_eq!(per_gas(&atto("100")), "100 attoFIL/gas");
    }
}
