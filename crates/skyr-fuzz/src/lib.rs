//! Skyr's fuzz targets: functions from any bytes to a run of Skyr (and, for the differential
//! ones, of the reference FVM on the same input), which panic when a property fails.
//!
//! The properties: no input makes the host panic, not even a panic Skyr catches itself
//! ([`watch`]); every outcome is a valid receipt; and in the differential targets, Skyr's
//! receipts and state roots equal the reference's (fvm 2.12.2 for nv16–17, 3.14.2 for
//! nv18–20, 4.8.4 for nv21–28). `fuzz/` runs each target under libFuzzer; `tests/smoke.rs`
//! runs every target on its committed seeds, its regressions and generated inputs, in CI.
//! `FUZZING.md` says how to run them.
pub mod devnet;
pub mod differential;
pub mod gen;
pub mod machines;
pub mod parsers;
pub mod watch;

/// What one input reached: the smoke run checks each target reaches what it is for, so a
/// generator that stopped producing runnable inputs fails it instead of passing vacuously.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reached {
    /// The input decoded to nothing the target runs.
    Nothing,
    /// Skyr refused it with an error (the parsers), or both machines refused it at the same
    /// stage (the differential targets).
    Refused,
    /// It ran: messages applied (both machines agreeing), and syscalls Skyr entered (where
    /// counted).
    Ran {
        nv: u32,
        messages: usize,
        syscalls: u64,
    },
}

/// A fuzz target: its name (as `fuzz/` and the seed folders call it) and its function.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]) -> Reached,
    /// Runs both machines (slow: the smoke run gives it fewer inputs).
    pub differential: bool,
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "vector_json",
        run: parsers::vector_json,
        differential: false,
    },
    Target {
        name: "car",
        run: parsers::car,
        differential: false,
    },
    Target {
        name: "cbor_params",
        run: differential::cbor_params,
        differential: true,
    },
    Target {
        name: "programs",
        run: differential::programs,
        differential: true,
    },
    Target {
        name: "modules",
        run: differential::modules,
        differential: true,
    },
    Target {
        name: "wasm_bytes",
        run: differential::wasm_bytes,
        differential: true,
    },
    Target {
        name: "mainnet_messages",
        run: differential::mainnet_messages,
        differential: true,
    },
    Target {
        name: "devnet_rpc",
        run: devnet::devnet_rpc,
        differential: false,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
