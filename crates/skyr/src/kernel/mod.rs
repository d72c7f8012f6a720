//! The kernel: one actor invocation's view of the machine, one method per syscall.
//!
//! A [`Kernel`] owns the [`CallManager`] while its actor runs (so nested sends can hand the
//! call manager on), plus the invocation's open blocks and message details. Methods here work
//! on Rust values; reading arguments out of WASM memory is the
//! [linker](crate::engine::linker)'s job. Methods are grouped by syscall family:
//! [`ipld`], [`actor`], [`crypto`], [`context`] (self, message, network, rand, gas, debug).
mod actor;
mod blocks;
mod context;
mod crypto;
mod events;
mod ipld;
mod links;

pub use blocks::{Block, BlockRegistry, NO_DATA_BLOCK_ID};
pub use context::{MessageContext, NetworkContext, SendOutcome};
pub use events::EntryHeader;

use fvm_shared::econ::TokenAmount;
use fvm_shared::{ActorID, MethodNum};

use crate::call_manager::CallManager;
use crate::error::Result;
use crate::gas::GasCharge;

/// One invocation of one actor.
pub struct Kernel {
    /// The call manager, on loan for the invocation.
    pub cm: CallManager,
    /// Blocks the actor has open (parameters, created and opened blocks, returns of sends).
    pub blocks: BlockRegistry,
    /// Who called.
    pub caller: ActorID,
    /// The actor running.
    pub receiver: ActorID,
    /// The method called.
    pub method: MethodNum,
    /// Value sent with the call.
    pub value_received: TokenAmount,
    /// Whether the call may not change state (fvm_sdk 3's read-only sends).
    pub read_only: bool,
}

impl Kernel {
    /// Charges gas to the message.
    pub fn charge(&mut self, charge: GasCharge) -> Result<()> {
        self.cm.gas.apply(&charge)
    }

    /// Refuses what a read-only call may not do.
    pub fn check_writable(&self, what: &str) -> Result<()> {
        if self.read_only {
            return Err(crate::error::syscall_err(
                fvm_shared::error::ErrorNumber::ReadOnly,
                format!("cannot {what} while read-only"),
            ));
        }
        Ok(())
    }
}
