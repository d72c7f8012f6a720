//! The scenario table of network versions 18–20, compared against fvm 3.14.2.
//!
//! Each family is a file; every scenario names what it must reach. Families run at nv18;
//! [`all`] replays a share of them at nv19 and nv20 too (same rules, the v11 bundle).
mod basics;
mod edges;
pub(crate) mod fevm;
pub mod limits;
mod replayed;
mod syscalls;

pub use edges::depth_refusal_with_a_gas_limit;
pub use syscalls::{memory_refused_for_the_instance_limit, raw_send, recursion_at_the_stack_limit};

use crate::scenario_nv18_28::OfficialScenario;

/// The families that need no fvm_sdk 3 test actor (transfers, account and placeholder
/// creation, FEVM, gas edges): what later network versions replay.
pub fn without_test_actors() -> Vec<OfficialScenario> {
    let mut out = basics::scenarios();
    out.extend(fevm::scenarios());
    out.extend(edges::scenarios());
    out.retain(|s| !s.uses_test_actors());
    out
}

/// The syscall family of fvm_sdk 3 (at nv18).
pub fn syscall_family() -> Vec<OfficialScenario> {
    syscalls::scenarios()
}

/// The nv16–17 programs replayed under the rules of network version `nv`.
pub fn replayed_family(nv: u32) -> Vec<OfficialScenario> {
    replayed::scenarios_at(nv)
}

/// Every scenario.
pub fn all() -> Vec<OfficialScenario> {
    let mut base: Vec<OfficialScenario> = basics::scenarios();
    base.extend(syscalls::scenarios());
    base.extend(fevm::scenarios());
    base.extend(edges::scenarios());
    let mut out = base.clone();
    out.extend(limits::scenarios("hygge syscall:", 18));
    out.extend(replayed::scenarios());
    for nv in [19, 20] {
        for s in base.iter().filter(|s| s.messages.len() <= 2) {
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
    fn every_family_has_scenarios() {
        let mut counts: BTreeMap<(String, u32), usize> = BTreeMap::new();
        for s in super::all() {
            let family = s.name.split(':').next().unwrap_or("").to_string();
            *counts.entry((family, s.nv)).or_default() += 1;
        }
        for ((family, nv), n) in &counts {
            println!("nv{nv} {family}: {n}");
        }
        for family in ["transfer", "hygge syscall", "replayed", "fevm", "edge"] {
            let n: usize = counts
                .iter()
                .filter(|((f, _), _)| f.starts_with(family))
                .map(|(_, n)| n)
                .sum();
            assert!(n > 0, "no {family} scenarios");
        }
    }
}
