//! Prints what each scenario (or those whose name contains an argument) produced on Skyr and
//! whether the reference agrees: a reading aid when writing new scenarios. `--table4 [TEXT]`
//! reads the nv21–28 table instead (it needs the official bundles in `../shared/bundles`).
use skyr_differential::outcome::Outcome;
use skyr_differential::run_nv16_17::{self, Verdict};
use skyr_differential::run_nv18_28::{Bundles, OfficialEngines};
use skyr_differential::{table_nv16_17, table_nv21_28};

fn print(name: &str, outcomes: &[Outcome]) {
    for (i, o) in outcomes.iter().enumerate() {
        let ret: String = o
            .return_data
            .iter()
            .take(48)
            .map(|b| format!("{b:02x}"))
            .collect();
        println!(
            "{name} #{i}: exit {} gas {} ret[{}] {}",
            o.exit_code,
            o.gas_used,
            o.return_data.len(),
            ret
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let table4 = args.next_if(|a| a == "--table4").is_some();
    let filter = args.next().unwrap_or_default();
    run_nv16_17::on_big_stack(move || {
        if table4 {
            let bundles = Bundles::load_for(table_nv21_28::VERSIONS).expect("the official bundles");
            let engines = OfficialEngines::new().expect("engines");
            for s in table_nv21_28::all()
                .iter()
                .filter(|s| s.name.contains(&filter))
            {
                match skyr_differential::run_nv18_28::compare(&engines, &bundles, s) {
                    Ok(outcomes) => print(&s.name, &outcomes),
                    Err(e) => println!("{}: DIFFERS: {e:#}", s.name),
                }
            }
            return;
        }
        let engines = run_nv16_17::Engines::new().expect("engines");
        for s in table_nv16_17::all()
            .iter()
            .filter(|s| s.name.contains(&filter))
        {
            match run_nv16_17::check(&engines, s) {
                Ok(Verdict::Same(c)) => print(&s.name, &c.skyr),
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
