//! The nv18–20 scenario table against fvm 3.14.2. Needs the official v10 and v11 bundles in
//! `../shared/bundles`; without them it says loudly what it skipped.
use skyr_differential::run_nv16_17::on_big_stack;
use skyr_differential::run_nv18_28::{compare, Bundles, OfficialEngines};

#[test]
fn nv18_to_nv20_scenarios_match_fvm3() {
    let Some(bundles) = Bundles::load() else {
        eprintln!(
            "SKIPPED: the nv18-20 scenario table needs the official v10 and v11 bundles in \
             ../shared/bundles, which is not here"
        );
        return;
    };
    let differ = on_big_stack(move || {
        let filter = std::env::var("SKYR_SCENARIO").unwrap_or_default();
        let engines = OfficialEngines::new().expect("engines");
        let mut run = 0;
        let mut differ = Vec::new();
        for s in skyr_differential::table_nv18_20::all() {
            if !s.name.contains(filter.as_str()) {
                continue;
            }
            run += 1;
            if let Err(e) = compare(&engines, &bundles, &s) {
                differ.push(format!("{}: {e:#}", s.name));
            }
        }
        println!("nv18-20 scenarios: {run} run, {} differ", differ.len());
        assert!(run > 0, "SKYR_SCENARIO={filter:?} selects no scenario");
        differ
    })
    .expect("the nv18-20 run");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
