//! What one message produced, in a form both machines fill in and tests compare whole.
use cid::Cid;
use fvm_shared::econ::TokenAmount;

/// Every consensus-relevant output of one message, plus the state root after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub exit_code: u32,
    pub return_data: Vec<u8>,
    pub gas_used: i64,
    pub base_fee_burn: TokenAmount,
    pub over_estimation_burn: TokenAmount,
    pub miner_penalty: TokenAmount,
    pub miner_tip: TokenAmount,
    pub refund: TokenAmount,
    pub gas_refund: i64,
    pub gas_burned: i64,
    /// The events AMT root of the receipt (none before nv18, or without events).
    pub events_root: Option<Cid>,
    pub root: Cid,
}

impl Outcome {
    /// What Skyr's executor made of one message, with the state root after it.
    pub fn of_skyr(ret: &skyr::ApplyRet, root: Cid) -> anyhow::Result<Outcome> {
        use crate::bridge::tokens_back;
        Ok(Outcome {
            exit_code: ret.receipt.exit_code.value(),
            return_data: ret.receipt.return_data.to_vec(),
            gas_used: i64::try_from(ret.receipt.gas_used)?,
            base_fee_burn: tokens_back(&ret.base_fee_burn),
            over_estimation_burn: tokens_back(&ret.over_estimation_burn),
            miner_penalty: tokens_back(&ret.miner_penalty),
            miner_tip: tokens_back(&ret.miner_tip),
            refund: tokens_back(&ret.refund),
            gas_refund: ret.gas_refund,
            gas_burned: ret.gas_burned,
            events_root: ret.receipt.events_root,
            root,
        })
    }

    /// The first field where `self` (Skyr) and `other` (the reference) differ.
    pub fn first_difference(&self, other: &Outcome) -> Option<String> {
        macro_rules! cmp {
            ($($f:ident),*) => {$(
                if self.$f != other.$f {
                    return Some(format!("{}: skyr {:?} != reference {:?}", stringify!($f), self.$f, other.$f));
                }
            )*};
        }
        cmp!(
            exit_code,
            return_data,
            gas_used,
            base_fee_burn,
            over_estimation_burn,
            miner_penalty,
            miner_tip,
            refund,
            gas_refund,
            gas_burned,
            events_root,
            root
        );
        None
    }
}

/// The first of `bad`'s messages failed fatally — SYS_ASSERTION_FAILED, its whole gas limit
/// (`gas_limit`) paid, a failure naming each of `said` — and the executor went on: the second
/// ran as it did in the `honest` run. For tests of failures of the host (panics, budgets).
pub fn assert_failed_alone(
    nv: u32,
    bad: &[skyr::ApplyRet],
    honest: &[skyr::ApplyRet],
    gas_limit: u64,
    said: &[&str],
) {
    use skyr::shared::error::ExitCode;
    let r = &bad[0];
    assert_eq!(
        r.receipt.exit_code,
        ExitCode::SYS_ASSERTION_FAILED,
        "nv{nv}: {:?}",
        r.failure
    );
    assert_eq!(r.receipt.gas_used, gas_limit, "nv{nv}: the whole limit");
    let failure = r.failure.clone().unwrap_or_default();
    assert!(
        said.iter().all(|s| failure.contains(s)),
        "nv{nv}: the failure names {said:?}: {failure}"
    );
    assert_eq!(bad[1].receipt.exit_code, ExitCode::OK, "nv{nv}");
    assert_eq!(
        bad[1].receipt.gas_used, honest[1].receipt.gas_used,
        "nv{nv}: the next message ran as after an honest one"
    );
}
