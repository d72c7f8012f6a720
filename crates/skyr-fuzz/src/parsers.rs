//! The doors for files: vector JSON, CARs (state and bundles). Any bytes must give a result
//! or an error that says what was wrong, never a panic; and the same input twice gives the
//! same result.
use std::path::PathBuf;
use std::sync::OnceLock;

use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr::Engine;
use skyr_vectors::exec::{exec_message, ExecState, Sequence};
use skyr_vectors::runner::{run_text, Status};
use skyr_vectors::BundleSet;

use crate::watch::guarded;
use crate::Reached;

/// One engine and Skyr's own bundles, for the whole run (as `skyr vectors run` has).
fn context() -> &'static (Engine, BundleSet) {
    static CONTEXT: OnceLock<(Engine, BundleSet)> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let engine = Engine::new().unwrap_or_else(|e| panic!("no engine: {e:#}"));
        let mut bundles = BundleSet::default();
        // Skyr's own bundle and test actors, which the vectors of `tests/vectors` name.
        let own = skyr_differential::genesis_skyr::BUNDLE.to_vec();
        if let Err(e) = bundles.add(PathBuf::from("<skyr's own bundle>"), own) {
            panic!("Skyr's own bundle does not load: {e:#}");
        }
        bundles.add_code(skyr_differential::genesis_official::TEST_ACTOR.to_vec());
        bundles.add_code(skyr_differential::genesis_official::TEST_ACTOR4.to_vec());
        (engine, bundles)
    })
}

/// A vector file's text, run as `skyr vectors run` runs it: a verdict or an error with a
/// reason; run twice, the same verdict, receipts and reason.
pub fn vector_json(data: &[u8]) -> Reached {
    guarded(|| {
        let (engine, bundles) = context();
        let text = String::from_utf8_lossy(data);
        let first = run_text("fuzz", &text, bundles, engine);
        let again = run_text("fuzz", &text, bundles, engine);
        assert_eq!(first.status, again.status, "a second run's verdict differs");
        assert_eq!(
            first.receipts, again.receipts,
            "a second run's receipts differ"
        );
        assert_eq!(first.reason, again.reason, "a second run's reason differs");
        assert_eq!(
            first.root_ok, again.root_ok,
            "a second run's root check differs"
        );
        match first.status {
            Status::Error => {
                let reason = first.reason.unwrap_or_default();
                assert!(!reason.trim().is_empty(), "an error without a reason");
                Reached::Refused
            }
            Status::Skip => Reached::Nothing,
            Status::Pass | Status::Fail => Reached::Ran {
                nv: 0,
                messages: first.receipts.len(),
                syscalls: 0,
            },
        }
    })
}

/// A CAR's bytes, read as a bundle (by both of Skyr's bundle loaders) and as a state a
/// message runs on (as `skyr exec --state` reads it), at nv17 and nv21.
pub fn car(data: &[u8]) -> Reached {
    guarded(|| {
        let (engine, bundles) = context();
        let store = fvm_ipld_blockstore::MemoryBlockstore::new();
        let as_bundle = skyr::bundle::load_bundle(&store, data);
        let mut set = BundleSet::default();
        let in_set = set.add(PathBuf::from("fuzz.car"), data.to_vec());
        assert_eq!(
            as_bundle.is_ok(),
            in_set.is_ok(),
            "the two bundle loaders disagree: {:?} against {:?}",
            as_bundle.err(),
            in_set.err()
        );
        let state = match ExecState::from_car(data, None) {
            Ok(s) => s,
            Err(e) => {
                assert!(
                    !format!("{e:#}").trim().is_empty(),
                    "an error without a reason"
                );
                return Reached::Refused;
            }
        };
        let mut reached = Reached::Refused;
        for nv in [17u32, 21] {
            let mut s = state.clone();
            s.network_version = Some(nv);
            s.epoch = Some(1000);
            let gas_limit = 1_000_000_000;
            let msg = Message {
                version: 0,
                from: Address::new_id(100),
                to: Address::new_id(101),
                sequence: 0,
                value: TokenAmount::from_atto(1),
                method_num: 0,
                params: Default::default(),
                gas_limit,
                gas_fee_cap: TokenAmount::from_atto(200),
                gas_premium: TokenAmount::from_atto(50),
            };
            if let Ok(out) = exec_message(s, msg, 100, Sequence::FromState, bundles, engine) {
                assert!(
                    out.ret.receipt.gas_used <= gas_limit,
                    "gas used {} past the limit",
                    out.ret.receipt.gas_used
                );
                reached = Reached::Ran {
                    nv,
                    messages: 1,
                    syscalls: out.ret.syscalls,
                };
            }
        }
        reached
    })
}
