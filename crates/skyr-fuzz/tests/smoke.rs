//! The fuzz targets' smoke run, in CI: every target on its committed seeds
//! (`fuzz/seeds/<target>`), on every input a fuzzing run found (`fuzz/regressions/<target>`),
//! and on inputs generated from fixed seeds. Each must hold its properties on all of them
//! and reach what it is for (runs, and for the differential targets runs at every
//! generation of the reference that is at hand), so a target that decodes nothing fails.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skyr_fuzz::gen::{fixed_block, fixed_bytes};
use skyr_fuzz::{target, Reached};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of a folder, in name order (none when it is absent).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file() && p.file_name().is_none_or(|n| n != "README.md"));
    out.sort();
    out
}

/// Input `i` of a target's generated inputs: up to 4 KiB of [`fixed_bytes`], the length
/// drawn from the same stream's last block.
fn generated(name: &str, i: u64) -> Vec<u8> {
    let head = fixed_block(name, i, u64::MAX);
    let len = u64::from_be_bytes(head[..8].try_into().unwrap_or([0; 8])) % 4096;
    fixed_bytes(name, i, len as usize)
}

/// Counts of what the inputs reached.
#[derive(Default, Debug)]
struct Tally {
    nothing: usize,
    refused: usize,
    ran: usize,
    /// Runs by network version.
    by_nv: BTreeMap<u32, usize>,
    syscalls: u64,
}

fn smoke(name: &str, generated_inputs: u64) -> Tally {
    let t = target(name).unwrap_or_else(|| panic!("no target {name}"));
    let seeds = files(&fuzz_dir().join("seeds").join(name));
    assert!(!seeds.is_empty(), "{name}: no seeds in fuzz/seeds/{name}");
    let regressions = files(&fuzz_dir().join("regressions").join(name));
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for f in seeds.iter().chain(&regressions) {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        inputs.push((f.display().to_string(), data));
    }
    for i in 0..generated_inputs {
        inputs.push((format!("generated input {i}"), generated(name, i)));
    }
    let mut tally = Tally::default();
    let started = std::time::Instant::now();
    for (what, data) in &inputs {
        let reached = std::panic::catch_unwind(|| (t.run)(data))
            .unwrap_or_else(|_| panic!("{name}: the input {what} fails a property (above)"));
        match reached {
            Reached::Nothing => tally.nothing += 1,
            Reached::Refused => tally.refused += 1,
            Reached::Ran { nv, syscalls, .. } => {
                tally.ran += 1;
                *tally.by_nv.entry(nv).or_default() += 1;
                tally.syscalls += syscalls;
            }
        }
    }
    println!(
        "{name}: {} inputs ({} seeds, {} regressions, {generated_inputs} generated) in {:.1} s: \
         ran {}, refused {}, decoded to nothing {}; runs by network version {:?}; {} syscalls",
        inputs.len(),
        seeds.len(),
        regressions.len(),
        started.elapsed().as_secs_f64(),
        tally.ran,
        tally.refused,
        tally.nothing,
        tally.by_nv,
        tally.syscalls
    );
    assert!(tally.ran > 0, "{name}: no input ran");
    tally
}

/// Whether the nv18–28 bundles are beside the checkout; says loudly when they are not.
fn all_versions(name: &str) -> bool {
    let here = skyr_differential::run_nv18_28::Bundles::load_for(18..=28).is_some();
    if !here {
        println!(
            "!! SKIPPED in {name}: nv18-28 (the official bundles in ../shared are not beside \
             this checkout); only nv16-17 ran"
        );
    }
    here
}

/// A differential target's runs reached both generations of the machine it can.
fn check_generations(name: &str, t: &Tally) {
    assert!(
        t.by_nv.keys().any(|nv| *nv <= 17),
        "{name}: no run at nv16-17"
    );
    if all_versions(name) {
        assert!(
            t.by_nv.keys().any(|nv| (18..=20).contains(nv)),
            "{name}: no run at nv18-20"
        );
        assert!(
            t.by_nv.keys().any(|nv| *nv >= 21),
            "{name}: no run at nv21-28"
        );
    }
}

#[test]
fn vector_json() {
    smoke("vector_json", 3000);
}

#[test]
fn car() {
    smoke("car", 3000);
}

#[test]
fn cbor_params() {
    let t = smoke("cbor_params", 60);
    check_generations("cbor_params", &t);
}

#[test]
fn programs() {
    let t = smoke("programs", 80);
    check_generations("programs", &t);
    assert!(t.syscalls > 0, "programs: no syscall entered");
}

#[test]
fn modules() {
    let t = smoke("modules", 40);
    check_generations("modules", &t);
}

#[test]
fn wasm_bytes() {
    let t = smoke("wasm_bytes", 20);
    check_generations("wasm_bytes", &t);
}

#[test]
fn mainnet_messages() {
    smoke("mainnet_messages", 40);
}

#[test]
fn devnet_rpc() {
    if skyr_fuzz::devnet::bundles().is_none() {
        println!(
            "!! SKIPPED: devnet_rpc (the official v18 bundle in ../shared is not beside this \
             checkout)"
        );
        return;
    }
    let t = smoke("devnet_rpc", 400);
    assert!(t.refused > 0, "devnet_rpc: nothing was refused");
}
