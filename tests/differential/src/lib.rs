//! Differential testing of Skyr against the reference FVMs (`fvm` 2.12.2 for nv16–17, `fvm`
//! 3.14.2 for nv18–20, `fvm` 4.8.4 for nv21–28).
//!
//! A scenario is a list of messages applied from one [genesis]; [run::compare] applies them
//! on both machines and checks every receipt field, every fee and every state root. The
//! [table] generates the scenarios.
pub mod bridge;
pub mod bundle;
pub mod corpus;
pub mod corpus3;
pub mod evm_heavy;
pub mod genesis;
pub mod genesis3;
pub mod keys;
pub mod mainnet;
pub mod oracle;
pub mod oracle2_kernel;
pub mod oracle3;
pub mod oracle3_kernel;
pub mod oracle4;
pub mod oracle4_kernel;
pub mod outcome;
pub mod programs;
pub mod proof_log;
pub mod run;
pub mod run3;
pub mod scenario;
pub mod scenario3;
pub mod table;
pub mod table3;
pub mod table4;
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
