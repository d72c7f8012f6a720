//! Skyr: an independent Filecoin Virtual Machine for network versions 16 and 17 (the FVM's
//! first release, "Skyr"), built to produce the same receipts and state roots as the
//! reference implementation, byte for byte.
//!
//! One message flows one way through the modules:
//! [`Executor`] (checks, fees) → [`CallManager`](call_manager::CallManager) (sends, depth,
//! transactions) → [`Kernel`](kernel::Kernel) (syscalls) ↔ [`Engine`] (wasmtime, metered
//! WASM) → [`StateTree`](state_tree::StateTree) → [blockstore].
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use std::rc::Rc;
//! use skyr::{Engine, Executor, Machine, MachineConfig, TestExterns, RealProofs};
//! # let (store, root): (Rc<skyr::blockstore::MemoryBlockstore>, cid::Cid) = todo!();
//! let engine = Engine::new()?;
//! let config = MachineConfig::new(fvm_shared::version::NetworkVersion::V17, 1000, root);
//! let machine = Machine::new(&engine, config, store, Rc::new(TestExterns), Rc::new(RealProofs))?;
//! let mut executor = Executor::new(machine);
//! # Ok(()) }
//! ```
pub mod blockstore;
pub mod bundle;
pub mod call_manager;
pub mod engine;
pub mod executor;
pub mod externs;
pub mod gas;
pub mod kernel;
pub mod machine;
pub mod proofs;
pub mod state_tree;

pub use engine::Engine;
pub use executor::{ApplyKind, ApplyRet, Executor};
pub use externs::{AcceptAllProofs, Externs, TestExterns, Verifier};
pub use machine::{Machine, MachineConfig};
pub use proofs::RealProofs;
