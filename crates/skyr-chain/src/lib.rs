#![warn(missing_docs)]
//! A Filecoin chain around the Skyr machine. The machine applies one message to one state;
//! this crate strings those applications into a chain, as a Filecoin node does: a genesis
//! built from an official bundle ([`genesis`]), block headers and tipset keys ([`block`]),
//! signed messages ([`message`]), the base fee rule ([`basefee`]), the externs a chain gives
//! the machine ([`externs`]) and the chain itself ([`chain`]): tipsets applied in order
//! (explicit messages, the block reward, cron's tick, the pieces in [`tipset`]), their receipts and events kept; saved
//! to an index and restored from it ([`saved`]); or started from a node's tipset instead of a
//! genesis ([`fork`]).
//!
//! It knows nothing of Ethereum, JSON-RPC or HTTP: the devnet (`skyr-devnet`) translates its
//! records into those views.
pub mod basefee;
pub mod block;
pub mod chain;
pub mod externs;
pub mod fork;
pub mod genesis;
pub mod message;
pub mod saved;
pub mod store;
pub mod tipset;

pub use chain::{Chain, ChainConfig, MessageResult, TipsetRecord};
pub use genesis::{Genesis, GenesisSpec};
pub use message::{ChainMessage, ChainSignature, SignedMessage};

/// The most gas one block may use, and one message may ask for (Lotus's `BlockGasLimit`).
pub const BLOCK_GAS_LIMIT: u64 = 10_000_000_000;
