//! LIMITS.md names, for every limit, the scenarios one below, at and one past its edge; each
//! must exist in the tables the differential suites run (so the page cannot name a scenario
//! that was renamed or dropped).
use std::collections::BTreeSet;

use skyr_differential::{table_nv16_17, table_nv18_20, table_nv21_28};

/// The backticked texts of the last three columns of each row of LIMITS.md's table.
fn named_scenarios(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in page
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Limit"))
    {
        let cells: Vec<&str> = line.split('|').collect();
        // "", limit, versions, edge, below, at, past, ""
        for cell in cells.iter().skip(4).take(3) {
            let mut parts = cell.split('`');
            parts.next();
            while let Some(name) = parts.next() {
                out.push(name.to_string());
                parts.next();
            }
        }
    }
    out
}

#[test]
fn every_scenario_limits_md_names_exists() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/limits.md"))
            .expect("docs/limits.md is in the book");
    let mut names: BTreeSet<String> = table_nv16_17::all().into_iter().map(|s| s.name).collect();
    names.extend(table_nv18_20::all().into_iter().map(|s| s.name));
    names.extend(table_nv21_28::all().into_iter().map(|s| s.name));
    let named = named_scenarios(&page);
    assert!(
        named.len() > 30,
        "the table names {} scenarios",
        named.len()
    );
    let missing: Vec<&String> = named.iter().filter(|n| !names.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "LIMITS.md names scenarios no table has: {missing:#?}"
    );
    println!(
        "LIMITS.md names {} scenarios, all in the tables",
        named.len()
    );
}
