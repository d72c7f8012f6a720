#![warn(missing_docs)]
//! A stand-in Filecoin node for tests of Skyr's node source (`skyr-lotus`): the Lotus methods
//! it uses, answered in Lotus's JSON shapes from real data ([`chain`]: mainnet vectors laid out
//! as tipsets), served over HTTP ([`server`]), with faults on demand: wrong bytes, dropped
//! connections, stalls, truncated or malformed JSON, errors.
pub mod chain;
pub mod server;

pub use chain::{from_vectors, StandinChain};
pub use server::{Fault, Standin};
