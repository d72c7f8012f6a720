//! Prints what each scenario (or those whose name contains an argument) produced on Skyr and
//! whether the reference agrees: a reading aid when writing new scenarios.
use skyr_differential::run::{self, Verdict};
use skyr_differential::table;

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    run::on_big_stack(move || {
        let engines = run::Engines::new().expect("engines");
        for s in table::all().iter().filter(|s| s.name.contains(&filter)) {
            match run::check(&engines, s) {
                Ok(Verdict::Same(c)) => {
                    for (i, o) in c.skyr.iter().enumerate() {
                        let ret: String = o
                            .return_data
                            .iter()
                            .take(48)
                            .map(|b| format!("{b:02x}"))
                            .collect();
                        println!(
                            "{} #{i}: exit {} gas {} ret[{}] {}",
                            s.name,
                            o.exit_code,
                            o.gas_used,
                            o.return_data.len(),
                            ret
                        );
                    }
                }
                Ok(Verdict::BothRefused(ours, theirs)) => println!(
                    "{}: refused by both: skyr: {} | reference: {}",
                    s.name,
                    ours.lines().next().unwrap_or(""),
                    theirs.lines().next().unwrap_or("")
                ),
                Err(e) => println!("{}: DIFFERS: {e:#}", s.name),
            }
        }
    })
    .expect("dump");
}
