//! The scenario table of network versions 21–28, compared against fvm 4.8.4 on the official
//! bundles v12 to v18.
//!
//! Every family of the nv18–20 table that needs no fvm_sdk 3 test actor (transfers, account
//! and placeholder creation, the FEVM contracts, gas edges) runs again at each version, on
//! the bundle mainnet ran there: the EVM, EAM, EthAccount and placeholder actors of v12 to v18
//! drive the fvm_sdk 4 syscalls (packed events, burning self-destruct, randomness digests,
//! reachability of every block they open, link and set as root).
mod syscalls;

use crate::scenario3::Scenario3;

/// The network versions this table covers.
pub const VERSIONS: std::ops::RangeInclusive<u32> = 21..=28;

/// Every scenario.
pub fn all() -> Vec<Scenario3> {
    let mut base = crate::table3::without_test_actors();
    base.extend(syscalls::scenarios());
    let mut out = Vec::new();
    for nv in VERSIONS {
        for s in &base {
            let mut s = s.clone();
            s.nv = nv;
            s.name = format!("{} (nv{nv})", s.name);
            out.push(s);
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
            for family in ["transfer", "fevm", "edge", "fvm_sdk 4"] {
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
