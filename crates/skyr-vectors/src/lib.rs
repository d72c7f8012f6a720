//! Filecoin conformance test vectors for Skyr: the [schema], [bundles] chosen by manifest,
//! [externs] replaying recorded randomness, and the [runner] that applies a vector's messages
//! and compares receipts and the post-state root. Used by `skyr vectors` and the test suite.
pub mod amounts;
pub mod bundles;
pub mod car;
pub mod exec;
pub mod explain;
pub mod externs;
pub mod files;
pub mod names;
pub mod runner;
pub mod schema;

pub use bundles::BundleSet;
pub use explain::{GasReport, MessageTrace, TextStyle};
pub use runner::{
    run_file, run_file_with, run_text, run_text_with, ReceiptCheck, RunOptions, Status,
    VectorResult,
};
pub use schema::Vector;
