//! Differential testing of Skyr against the reference FVMs (`fvm` 2.12.2 for nv16–17, `fvm`
//! 3.14.2 for nv18–20, `fvm` 4.8.4 for nv21–28).
//!
//! A scenario is a list of messages applied from a genesis on Skyr and on the reference of
//! its network version; every receipt field, fee, events root and state root is compared.
//! Modules are named by what they are for:
//! - the references, each set up as Skyr is: [`oracle_fvm2`], [`oracle_fvm3`],
//!   [`oracle_fvm4`], with kernels that answer proofs "valid" after charging them
//!   ([`oracle_fvm2_kernel`], [`oracle_fvm3_kernel`], [`oracle_fvm4_kernel`]);
//! - the genesis states: [`genesis_skyr`] (Skyr's own bundle and its fvm_sdk 2 test actor,
//!   nv16–17; also the keys every table uses) and [`genesis_official`] (an official bundle
//!   plus the fvm_sdk 3 or 4 test actor, nv18–28);
//! - the scenarios, their run loops and their corpus writers, in two shapes:
//!   [`scenario_nv16_17`], [`run_nv16_17`], [`corpus_nv16_17`] and [`scenario_nv18_28`],
//!   [`run_nv18_28`], [`corpus_nv18_28`];
//! - the tables: [`table_nv16_17`], [`table_nv18_20`], [`table_nv21_28`].
//!
//! Why two shapes and not one: the nv16–17 reference, fvm 2, speaks `fvm_shared` 2, whose
//! addresses hold no f4 and whose messages are another type, so its scenarios are built in
//! those terms and bridged to Skyr's ([`bridge`]); nv18–28 scenarios use Skyr's own shared
//! types, which [`oracle_fvm3`] converts for fvm 3 and fvm 4 takes as they are, and name what
//! each must reach ([`scenario_nv18_28::Reach`]). Folding them into one would change how the nv16–17
//! scenarios are built, and every nv16–17 count and corpus byte must stay as it is.
pub mod bridge;
pub mod bundle;
pub mod corpus_nv16_17;
pub mod corpus_nv18_28;
pub mod evm_heavy;
pub mod genesis_official;
pub mod genesis_skyr;
pub mod keys;
pub mod mainnet;
pub mod oracle_fvm2;
pub mod oracle_fvm2_kernel;
pub mod oracle_fvm3;
pub mod oracle_fvm3_kernel;
pub mod oracle_fvm4;
pub mod oracle_fvm4_kernel;
pub mod outcome;
pub mod programs;
pub mod proof_log;
pub mod run_nv16_17;
pub mod run_nv18_28;
pub mod scenario_nv16_17;
pub mod scenario_nv18_28;
pub mod table_nv16_17;
pub mod table_nv18_20;
pub mod table_nv21_28;
pub mod transfers;
pub mod vector_ref;

/// Skyr's engine for the suites: compiled modules are kept on disk under the build's own
/// folder (`target/tmp`), so each bundle compiles once for all test binaries instead of once
/// in each. Entries of another build of Skyr are never read (see `skyr::engine::cache`), and
/// `tests/module_cache` in `skyr-vectors` shows a loaded module gives what a compiled one
/// gives. `SKYR_DIFFERENTIAL_NO_CACHE=1` compiles in memory only.
pub fn skyr_engine() -> anyhow::Result<skyr::Engine> {
    let cache_dir = std::env::var_os("SKYR_DIFFERENTIAL_NO_CACHE")
        .is_none()
        .then(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/tmp/skyr-differential-modules")
        });
    skyr::Engine::with_options(skyr::EngineOptions {
        cache_dir,
        tier: tier()?,
        ..skyr::EngineOptions::default()
    })
}

/// The tier Skyr's engines compile in for the differential suites: `$SKYR_TIER` (`fast` or
/// `optimized`), else the default. Receipts must not depend on it: the suites are run on each.
pub fn tier() -> anyhow::Result<skyr::Tier> {
    match std::env::var("SKYR_TIER") {
        Ok(t) if !t.is_empty() => t.parse(),
        _ => Ok(skyr::Tier::default()),
    }
}

/// The data kept beside the checkout (`../shared`: official bundles and mainnet vectors),
/// which tests use when it is there and say loudly they skipped when it is not.
pub fn shared_data() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}
