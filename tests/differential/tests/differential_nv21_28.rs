//! The nv21–28 scenario table against fvm 4.8.4. Needs the official v12 to v18 bundles in
//! `../shared/bundles`; without them it says loudly what it skipped.
use skyr_differential::run_nv16_17::on_big_stack;
use skyr_differential::run_nv18_28::{compare, Bundles, OfficialEngines};
use skyr_differential::table_nv21_28;

#[test]
fn nv21_to_nv28_scenarios_match_fvm4() {
    let Some(bundles) = Bundles::load_for(table_nv21_28::VERSIONS) else {
        eprintln!(
            "SKIPPED: the nv21-28 scenario table needs the official v12 to v18 bundles in \
             ../shared/bundles, which is not here"
        );
        return;
    };
    let differ = on_big_stack(move || {
        let filter = std::env::var("SKYR_SCENARIO").unwrap_or_default();
        let engines = OfficialEngines::new().expect("engines");
        let mut run = std::collections::BTreeMap::<u32, usize>::new();
        let mut differ = Vec::new();
        for s in table_nv21_28::all() {
            if !s.name.contains(filter.as_str()) {
                continue;
            }
            *run.entry(s.nv).or_default() += 1;
            if let Err(e) = compare(&engines, &bundles, &s) {
                differ.push(format!("{}: {e:#}", s.name));
            }
        }
        let total: usize = run.values().sum();
        for (nv, n) in &run {
            println!("nv{nv}: {n} scenarios");
        }
        println!("nv21-28 scenarios: {total} run, {} differ", differ.len());
        assert!(total > 0, "SKYR_SCENARIO={filter:?} selects no scenario");
        differ
    })
    .expect("the nv21-28 run");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
