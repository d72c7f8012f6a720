//! Skyr and the reference on real mainnet state: every variation of the real vectors'
//! messages (see `skyr_differential::mainnet`) agrees, and the original messages also agree
//! with mainnet itself.
use skyr_differential::{mainnet, run_nv16_17};

#[test]
fn skyr_matches_the_reference_on_real_mainnet_state() {
    let failures = run_nv16_17::on_big_stack(|| {
            let engines = run_nv16_17::Engines::new().expect("engines");
            let states = mainnet::load_all().expect("tests/mainnet");
            assert!(!states.is_empty());
            let mut failures = Vec::new();
            let mut ran = 0;
            for rs in &states {
                for s in rs.scenarios() {
                    ran += 1;
                    let verdict =
                        run_nv16_17::compare_from(&engines, &s, || rs.store()).and_then(|v| run_nv16_17::judge(&s, v));
                    match verdict {
                        Err(e) => failures.push(format!("{}: {e:#}", s.name)),
                        Ok(run_nv16_17::Verdict::Same(c)) if s.name.ends_with(": original") => {
                            let o = &c.oracle[0];
                            if (o.exit_code, o.gas_used) != rs.expected || o.root != rs.post {
                                failures.push(format!(
                                    "{}: the machines agree but not with mainnet: exit {} gas {} root {}",
                                    s.name, o.exit_code, o.gas_used, o.root
                                ));
                            }
                        }
                        Ok(_) => {}
                    }
                }
            }
            println!(
                "mainnet-state scenarios: {ran} run on {} real states, {} differ",
                states.len(),
                failures.len()
            );
            failures
    })
    .expect("the mainnet-state run");
    assert!(failures.is_empty(), "differences:\n{}", failures.join("\n"));
}
