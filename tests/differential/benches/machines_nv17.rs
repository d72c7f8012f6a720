//! Skyr and the reference applying the same scenarios, measured in the same run.
//! `cargo bench -p skyr-differential`: medians per scenario for each machine.
use criterion::{criterion_group, criterion_main, Criterion};
use skyr_differential::{genesis_skyr, oracle_fvm2, run_nv16_17, table_nv16_17};

const PICKS: [&str; 6] = [
    "transfer 1 FIL from secp to secp account by ID",
    "transfer 1 FIL from secp to new f1 (auto-created)",
    "limits: burn 1000 with gas 3000000",
    "limits: nested sends to self, depth 100",
    "syscall: verify signature: valid bls by key",
    "limits: twenty messages in a row",
];

fn bench(c: &mut Criterion) {
    let engines = run_nv16_17::Engines::new().expect("engines");
    let all = table_nv16_17::all();
    for name in PICKS {
        let s = all.iter().find(|s| s.name == name).expect("scenario");
        let mut g = c.benchmark_group(name);
        g.sample_size(20);
        g.bench_function("skyr", |b| {
            b.iter_batched(
                || genesis_skyr::build(None).expect("genesis"),
                |gen| run_nv16_17::run_skyr(&engines.skyr, s, gen.store, gen.root).expect("skyr"),
                criterion::BatchSize::SmallInput,
            )
        });
        g.bench_function("reference", |b| {
            b.iter_batched(
                || genesis_skyr::build(None).expect("genesis"),
                |gen| oracle_fvm2::run(&engines.oracle, s, gen.store, gen.root).expect("reference"),
                criterion::BatchSize::SmallInput,
            )
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
