//! The scenario table of network versions 21–28, compared against fvm 4.8.4 on the official
//! bundles v12 to v18.
//!
//! Every family of the nv18–20 table that needs no fvm_sdk 3 test actor (transfers, account
//! and placeholder creation, the FEVM contracts, gas edges) runs again at each version, on
//! the bundle mainnet ran there: the EVM, EAM, EthAccount and placeholder actors of v12 to v18
//! drive the fvm_sdk 4 syscalls (packed events, burning self-destruct, randomness digests,
//! reachability of every block they open, link and set as root).
mod builtins;
mod data;
mod lifecycle;
mod registry;
mod syscalls;
mod window_post;

use crate::scenario_nv18_28::OfficialScenario;

/// The network versions this table covers.
pub const VERSIONS: std::ops::RangeInclusive<u32> = 21..=28;

/// Versions the test-actor families run at: the first of each price list (Watermelon,
/// Teep) and the latest. The bundle matters little to them; the rules are the same within
/// a row.
pub const TEST_ACTOR_VERSIONS: [u32; 3] = [21, 25, 28];

/// Versions the built-in actor scenarios run at: every one.
pub const BUILTIN_VERSIONS: std::ops::RangeInclusive<u32> = 21..=28;

/// Versions whose miner takes FIP-0090's non-interactive PoRep (builtin-actors v14 on; v13
/// answers USR_UNHANDLED_MESSAGE).
pub const NI_POREP_VERSIONS: std::ops::RangeInclusive<u32> = 23..=28;

/// Versions whose miner queues seals for cron to verify (builtin-actors v12).
pub const PROVE_BY_CRON_VERSIONS: std::ops::RangeInclusive<u32> = 21..=21;

/// Versions whose miner proves sectors with `ProveCommitSectors3` (builtin-actors v13 on).
pub const PROVE_COMMIT3_VERSIONS: std::ops::RangeInclusive<u32> = 22..=28;

/// Versions the replayed nv16–17 programs and the fvm_sdk 3 syscalls fvm_sdk 4 kept run at:
/// one per price list.
pub const REPLAY_VERSIONS: [u32; 2] = [21, 25];

/// The fvm_sdk 3 syscall scenarios whose syscalls fvm_sdk 4 kept as they were. Dropped:
/// events in CBOR (fvm_sdk 4 packs them, see the fvm_sdk 4 family), the tipset 900
/// epochs back (refused by fvm 3, answered by fvm 4: the fvm_sdk 4 family asks 950 back) and
/// the 1 MiB block edges (their junk DAG-CBOR is refused at creation under FIP-0071).
fn kept_from_sdk3() -> Vec<OfficialScenario> {
    crate::table_nv18_20::syscall_family()
        .into_iter()
        .filter(|s| {
            !s.name.contains("emit")
                && !s.name.contains("tipset cid of epoch 100")
                && !s.name.contains("1 MiB")
        })
        .collect()
}

fn at(nv: u32, s: &OfficialScenario) -> OfficialScenario {
    let mut s = s.clone();
    s.nv = nv;
    s.name = format!("{} (nv{nv})", s.name);
    s
}

/// Every scenario.
pub fn all() -> Vec<OfficialScenario> {
    // Bundle-dependent: the built-in actors and the EVM of each version.
    let bundles = crate::table_nv18_20::without_test_actors();
    let mut storage = builtins::scenarios();
    storage.extend(registry::scenarios());
    storage.extend(registry::deal_scenarios());
    let proving = builtins::prove_commit_scenarios();
    let by_cron = builtins::prove_commit_by_cron_scenarios();
    let aggregates = builtins::aggregate_scenarios();
    let mut sdk4 = syscalls::scenarios();
    sdk4.extend(crate::table_nv18_20::limits::scenarios("fvm_sdk 4:", 21));
    let sdk3 = kept_from_sdk3();
    let mut out = Vec::new();
    for nv in VERSIONS {
        out.extend(bundles.iter().map(|s| at(nv, s)));
        if BUILTIN_VERSIONS.contains(&nv) {
            out.extend(storage.iter().map(|s| at(nv, s)));
        }
        if BUILTIN_VERSIONS.contains(&nv) {
            out.extend(
                window_post::scenarios(nv, 0, 3060)
                    .iter()
                    .map(|s| at(nv, s)),
            );
        }
        if PROVE_BY_CRON_VERSIONS.contains(&nv) {
            out.extend(by_cron.iter().map(|s| at(nv, s)));
            out.extend(data::v12_scenarios(nv).iter().map(|s| at(nv, s)));
        }
        if PROVE_COMMIT3_VERSIONS.contains(&nv) {
            out.extend(proving.iter().map(|s| at(nv, s)));
            out.extend(aggregates.iter().map(|s| at(nv, s)));
        }
        if NI_POREP_VERSIONS.contains(&nv) {
            out.extend(builtins::ni_scenarios(nv).iter().map(|s| at(nv, s)));
        }
        if BUILTIN_VERSIONS.contains(&nv) {
            out.extend(lifecycle::scenarios(nv).iter().map(|s| at(nv, s)));
        }
        if PROVE_COMMIT3_VERSIONS.contains(&nv) {
            out.extend(data::scenarios(nv).iter().map(|s| at(nv, s)));
        }
        if TEST_ACTOR_VERSIONS.contains(&nv) {
            out.extend(sdk4.iter().map(|s| at(nv, s)));
        }
        if REPLAY_VERSIONS.contains(&nv) {
            out.extend(sdk3.iter().map(|s| at(nv, s)));
            out.extend(
                crate::table_nv18_20::replayed_family(nv)
                    .iter()
                    .map(|s| at(nv, s)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// Prints how many scenarios each family has, per network version; none may be empty.
    #[test]
    fn every_version_has_every_family() {
        let mut counts: BTreeMap<(u32, String), usize> = BTreeMap::new();
        for s in super::all() {
            let family = s.name.split(':').next().unwrap_or("").to_string();
            *counts.entry((s.nv, family)).or_default() += 1;
        }
        for ((nv, family), n) in &counts {
            println!("nv{nv} {family}: {n}");
        }
        for nv in super::VERSIONS {
            let mut families = vec!["transfer", "fevm", "edge"];
            if super::BUILTIN_VERSIONS.contains(&nv) {
                families.push("builtin");
            }
            if super::TEST_ACTOR_VERSIONS.contains(&nv) {
                families.push("fvm_sdk 4");
            }
            if super::REPLAY_VERSIONS.contains(&nv) {
                families.extend(["hygge syscall", "replayed"]);
            }
            for family in families {
                let n: usize = counts
                    .iter()
                    .filter(|((v, f), _)| *v == nv && f.starts_with(family))
                    .map(|(_, n)| n)
                    .sum();
                assert!(n > 0, "no {family} scenarios at nv{nv}");
            }
        }
    }
}
