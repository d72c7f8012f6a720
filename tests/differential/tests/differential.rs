//! Runs every scenario of the table on Skyr and on the reference.
use skyr_differential::{run, table};

#[test]
fn skyr_matches_the_reference_on_every_scenario() {
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let engines = run::Engines::new().expect("engines");
            let scenarios = table::all();
            let mut failures = Vec::new();
            for s in &scenarios {
                match run::compare(&engines, s) {
                    Ok(_) => {}
                    Err(e) if e.to_string() == "agree" => {}
                    Err(e) => failures.push(format!("{}: {e:#}", s.name)),
                }
            }
            println!(
                "differential scenarios: {} run, {} differ",
                scenarios.len(),
                failures.len()
            );
            failures
        })
        .expect("spawn");
    let failures = handle.join().expect("the differential run panicked");
    assert!(
        failures.is_empty(),
        "scenarios where Skyr and the reference differ:\n{}",
        failures.join("\n")
    );
}
