#![warn(missing_docs)]
//! `skyr devnet`: a local Filecoin chain for contract developers. The chain is `skyr-chain`'s
//! (official actors on Skyr's machine, exactly as Filecoin executes them); this crate puts a
//! node around it (pool, mining, dev keys: [`node`]), translates Ethereum transactions
//! ([`ethtx`]) and views ([`views`]), answers JSON-RPC methods ([`rpc`]) and serves them over
//! HTTP ([`server`]). What test suites do to a chain lives beside: account edits and
//! impersonation ([`cheats`], on [`evm_state`]), snapshots and time ([`snapshots`]); with
//! `--state`, everything is saved before each answer ([`persist`]). With `--fork-url`, the
//! chain starts from a node's tipset instead of a genesis ([`fork`]).
pub mod accounts;
pub mod cheats;
pub mod dump;
pub mod error;
pub mod ethtx;
pub mod evm_state;
pub mod filjson;
pub mod filters;
pub mod fork;
pub mod launch;
pub mod mpool;
pub mod node;
pub mod persist;
pub mod pool;
pub mod rpc;
pub mod server;
pub mod snapshots;
pub mod views;
pub mod ws;

/// Prints a line for the person running the devnet. A closed stdout (a pipe whose reader went
/// away) is not the node's failure: the line is dropped, the node goes on.
pub fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|_| out.flush());
}
