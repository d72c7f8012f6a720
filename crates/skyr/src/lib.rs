#![warn(missing_docs)]
//! Skyr: an independent Filecoin Virtual Machine for every FVM-era network version, 16
//! ("Skyr") to 28, on one machine, built to produce the same receipts and state roots as the
//! reference implementation of each version (fvm 2, 3 and 4), byte for byte. What differs
//! between versions is data in [`rules`].
//!
//! One message flows one way through the modules:
//! [`Executor`] (checks, fees) → [`CallManager`](call_manager::CallManager) (sends, depth,
//! transactions) → [`Kernel`](kernel::Kernel) (syscalls) ↔ [`Engine`] (wasmtime, metered
//! WASM) → [`StateTree`](state_tree::StateTree) → [blockstore].
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use std::rc::Rc;
//! use skyr::blockstore::MemoryBlockstore;
//! use skyr::{ApplyKind, Engine, Executor, Machine, MachineConfig, RealProofs, TestExterns};
//! # let root: cid::Cid = "bafy2bzacedsdyysyzf7ntsc3cxwmhmd2gdcgynmfifhnxn4kdlowsdpjyhbci".parse()?;
//! # let message: skyr::shared::message::Message = fvm_ipld_encoding::from_slice(&[])?;
//! let store = Rc::new(MemoryBlockstore::new()); // holding a state tree and its bundle
//! let engine = Engine::new()?; // compiled actors are cached here; share it
//! let config = MachineConfig::new(skyr::shared::version::NetworkVersion::V17, 1000, root);
//! let machine = Machine::new(&engine, config, store, Rc::new(TestExterns), Rc::new(RealProofs))?;
//! let mut executor = Executor::new(machine);
//! let ret = executor.apply_message(&message, ApplyKind::Explicit, 120)?;
//! println!("exit {} gas {}", ret.receipt.exit_code, ret.receipt.gas_used);
//! let new_root = executor.flush()?;
//! # Ok(()) }
//! ```
pub mod blockstore;
pub mod bundle;
pub mod call_manager;
pub mod engine;
pub mod error;
pub mod executor;
pub mod exit_names;
pub mod externs;
pub mod gas;
pub mod kernel;
pub mod machine;
pub mod proof_types;
pub mod proofs;
pub mod rules;
pub mod state_tree;
pub mod trace;

pub use engine::{Build, Engine, EngineOptions, Tier};
pub use executor::{ApplyKind, ApplyRet, Executor};
pub use externs::{AcceptAllProofs, Externs, TestExterns, Verifier};
pub use machine::{Compile, Machine, MachineConfig};
pub use proofs::RealProofs;

/// The shared Filecoin types Skyr speaks (the newest `fvm_shared`, which can represent every
/// network version's data). Embedders use these, so their versions always match Skyr's.
pub use fvm_shared as shared;
