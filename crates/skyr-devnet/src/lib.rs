#![warn(missing_docs)]
//! `skyr devnet`: a local Filecoin chain for contract developers. The chain is `skyr-chain`'s
//! (official actors on Skyr's machine, exactly as Filecoin executes them); this crate puts a
//! node around it (pool, mining, dev keys: [`node`]), translates Ethereum transactions
//! ([`ethtx`]) and views ([`views`]), answers JSON-RPC methods ([`rpc`]) and serves them over
//! HTTP ([`server`]).
pub mod accounts;
pub mod error;
pub mod ethtx;
pub mod launch;
pub mod node;
pub mod rpc;
pub mod server;
pub mod views;
