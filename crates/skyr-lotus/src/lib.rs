#![warn(missing_docs)]
//! Chain and state from a Filecoin node, through its JSON-RPC API (Lotus's; Forest serves the
//! same methods): the [client] that talks to it, the [source] that checks every block against
//! its CID and keeps blocks and answers in an on-disk cache, the [store] a machine runs on,
//! the [externs] a node gives the machine (randomness, tipset CIDs), the [chain] read from it
//! (tipsets, their blocks' messages, receipts), [execute]: a tipset executed again as a node
//! executes it, and on it [explain]: any message on chain executed again in its tipset and
//! compared with the receipt the chain recorded; [replay]: a range of tipsets executed again and
//! compared with the receipts and states the chain recorded.
pub mod chain;
pub mod client;
pub mod execute;
pub mod explain;
pub mod externs;
pub mod replay;
pub mod source;
pub mod store;

pub use client::{ClientOptions, NodeClient};
pub use source::NodeSource;
