//! Runs every scenario of the table on Skyr and on the reference.
use skyr_differential::{run_nv16_17, table_nv16_17};

#[test]
fn skyr_matches_the_reference_on_every_scenario() {
    let failures = run_nv16_17::on_big_stack(|| {
        let engines = run_nv16_17::Engines::new().expect("engines");
        let scenarios = table_nv16_17::all();
        let filter = std::env::var("SKYR_SCENARIO").unwrap_or_default();
        let mut failures = Vec::new();
        let (mut ran, mut refused) = (0, 0);
        let (mut must_reach, mut reached) = (0, 0);
        for s in scenarios.iter().filter(|s| s.name.contains(&filter)) {
            ran += 1;
            must_reach += usize::from(s.reach_syscall);
            match run_nv16_17::check(&engines, s) {
                Err(e) => failures.push(format!("{}: {e:#}", s.name)),
                Ok(run_nv16_17::Verdict::BothRefused(..)) => refused += 1,
                Ok(run_nv16_17::Verdict::Same(c)) => {
                    if s.reach_syscall && c.skyr_syscalls.first().is_some_and(|n| *n > 0) {
                        reached += 1;
                    }
                }
            }
        }
        println!(
            "differential scenarios: {ran} run, {} differ; of those that agree, {} compared \
             outcome by outcome, {refused} refused by both at the same stage; {reached} of \
             {must_reach} random-syscall modules entered their syscalls (the others failed to \
             instantiate on both machines)",
            failures.len(),
            ran - failures.len() - refused
        );
        assert!(ran > 0, "SKYR_SCENARIO={filter:?} selects no scenario");
        failures
    })
    .expect("the differential run");
    assert!(
        failures.is_empty(),
        "scenarios where Skyr and the reference differ:\n{}",
        failures.join("\n")
    );
}
