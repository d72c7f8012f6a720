//! Skyr and the reference applying the same nv18 and nv21 scenarios, measured in the same run
//! (`cargo bench -p skyr-differential --bench machines_nv18_28`): fvm 3.14.2 at nv18 on the official
//! v10 bundle, fvm 4.8.4 at nv21 on v12. Needs `../shared/bundles`; says so and measures
//! nothing without it.
use criterion::{criterion_group, criterion_main, Criterion};
use skyr_differential::run_nv18_28::{run_reference, run_skyr, Bundles, OfficialEngines};
use skyr_differential::{genesis_official, table_nv18_20, table_nv21_28};

const PICKS: [&str; 5] = [
    "transfer between accounts",
    "transfer to a new f1 creates an account",
    "edge: deploying Counter",
    "fevm: edge: an increment with an event",
    "fevm: CREATE2 from a contract",
];

fn bench(c: &mut Criterion) {
    let Some(bundles) = Bundles::load_for(18..=21) else {
        eprintln!("SKIPPED: machines_nv18_28 needs the official bundles in ../shared/bundles");
        return;
    };
    let engines = OfficialEngines::new().expect("engines");
    let nv18 = table_nv18_20::all();
    let nv21 = table_nv21_28::all();
    for name in PICKS {
        for (nv, table, full) in [
            (18u32, &nv18, name.to_string()),
            (21, &nv21, format!("{name} (nv21)")),
        ] {
            let s = table
                .iter()
                .find(|s| s.name == full)
                .unwrap_or_else(|| panic!("no scenario {full}"));
            let car = bundles.for_nv(nv);
            // Compile the bundle's actors on both machines before measuring.
            let gen = genesis_official::build(nv, car).expect("genesis");
            run_skyr(&engines.skyr, s, gen.store, gen.root).expect("skyr");
            let gen = genesis_official::build(nv, car).expect("genesis");
            run_reference(&engines, s, gen.store, gen.root).expect("reference");
            let mut g = c.benchmark_group(format!("nv{nv} {name}"));
            g.sample_size(20);
            g.bench_function("skyr", |b| {
                b.iter_batched(
                    || genesis_official::build(nv, car).expect("genesis"),
                    |gen| run_skyr(&engines.skyr, s, gen.store, gen.root).expect("skyr"),
                    criterion::BatchSize::SmallInput,
                )
            });
            g.bench_function("reference", |b| {
                b.iter_batched(
                    || genesis_official::build(nv, car).expect("genesis"),
                    |gen| run_reference(&engines, s, gen.store, gen.root).expect("reference"),
                    criterion::BatchSize::SmallInput,
                )
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
