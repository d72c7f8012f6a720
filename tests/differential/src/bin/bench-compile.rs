//! Compiling a bundle's actors, module by module, on Skyr and on the reference (fvm 2.12.2,
//! the nv16–17 metering): time to validate, instrument and compile each, and the sizes of
//! what each machine hands to cranelift and gets back. Cold runs are mostly this; the
//! figures say where Skyr's compile time goes next to the reference's.
//!
//! ```text
//! bench-compile [--runs N] [BUNDLE.car]   default: ../shared/bundles/v9/builtin-actors-mainnet.car
//! ```
//! Times are medians of N runs (default 3), each module compiled by a fresh engine. Sizes in
//! KB: the actor's WASM, Skyr's instrumented WASM, and each machine's compiled module
//! (`obj`, as wasmtime serialises it); and the time Skyr takes to write a compiled module to
//! its disk cache (serialise, digest, write, fsync, rename), which a cold run adds.
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use skyr::engine::instrument::instrument;
use skyr::engine::metering::Metering;

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-compile: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn real_main() -> Result<()> {
    let mut runs = 3usize;
    let mut path = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                let n = args
                    .next()
                    .ok_or_else(|| anyhow!("--runs needs a number"))?;
                runs = n.parse().with_context(|| format!("--runs {n}"))?;
            }
            "-h" | "--help" => {
                println!("bench-compile [--runs N] [BUNDLE.car]");
                return Ok(());
            }
            p if !p.starts_with('-') => path = Some(PathBuf::from(p)),
            other => bail!("unknown argument `{other}`"),
        }
    }
    let path = path.unwrap_or_else(|| {
        skyr_differential::shared_data().join("bundles/v9/builtin-actors-mainnet.car")
    });
    let car = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let store = MemoryBlockstore::new();
    let bundle = skyr::bundle::load_bundle(&store, &car)?;
    let metering = Metering::SKYR;
    let max_stack = skyr::EngineOptions::default().max_wasm_stack;
    let nc = fvm::machine::NetworkConfig::new(fvm_shared::version::NetworkVersion::V17);
    println!(
        "{}: {} actors, {runs} runs, one module at a time ({} build)",
        path.display(),
        bundle.manifest.entries().len(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "{:<22} {:>8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>6} {:>9}",
        "actor",
        "wasm KB",
        "instr. KB",
        "skyr obj",
        "ref obj",
        "instr. ms",
        "skyr ms",
        "ref ms",
        "ratio",
        "cache ms"
    );
    let (mut total_skyr, mut total_ref, mut total_write) = (0.0, 0.0, 0.0);
    let cache = std::env::temp_dir().join(format!("skyr-bench-compile-{}", std::process::id()));
    for (name, code) in bundle.manifest.entries() {
        let wasm = store
            .get(code)?
            .ok_or_else(|| anyhow!("the bundle lacks the code of {name}"))?;
        let (mut instr_ms, mut skyr_ms, mut ref_ms) = (Vec::new(), Vec::new(), Vec::new());
        let mut write_ms = Vec::new();
        let (mut instr_len, mut skyr_len, mut ref_len) = (0, 0, 0);
        for _ in 0..runs {
            let t = Instant::now();
            instr_len = instrument(&wasm, max_stack, &metering)?.len();
            instr_ms.push(ms(t));
            let engine = skyr::Engine::with_options(skyr::EngineOptions {
                cache_dir: Some(cache.clone()),
                ..skyr::EngineOptions::default()
            })?;
            let t = Instant::now();
            let m = engine.compile(&wasm, &metering)?;
            skyr_ms.push(ms(t));
            skyr_len = m.serialize()?.len();
            let disk = engine
                .disk_cache()
                .ok_or_else(|| anyhow!("the engine has no disk cache"))?;
            let t = Instant::now();
            disk.store(&disk.key(code, &metering), &m)?;
            write_ms.push(ms(t));
            let reference = fvm::machine::Engine::new_default((&nc).into())?;
            let t = Instant::now();
            let m = reference.load_bytecode(code, &wasm)?;
            ref_ms.push(ms(t));
            ref_len = m.serialize()?.len();
        }
        let (i, s, r, w) = (
            median(instr_ms),
            median(skyr_ms),
            median(ref_ms),
            median(write_ms),
        );
        total_write += w;
        total_skyr += s;
        total_ref += r;
        println!(
            "{name:<22} {:>8.0} {:>10.0} {:>10.0} {:>10.0} {i:>9.1} {s:>9.1} {r:>9.1} {:>6.2} {w:>9.1}",
            wasm.len() as f64 / 1024.0,
            instr_len as f64 / 1024.0,
            skyr_len as f64 / 1024.0,
            ref_len as f64 / 1024.0,
            s / r
        );
    }
    println!(
        "{:<22} {:>8} {:>10} {:>10} {:>10} {:>9} {total_skyr:>9.0} {total_ref:>9.0} {:>6.2} {total_write:>9.0}",
        "all",
        "",
        "",
        "",
        "",
        "",
        total_skyr / total_ref
    );
    let _ = std::fs::remove_dir_all(&cache);
    Ok(())
}
