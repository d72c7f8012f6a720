//! `skyr`: the command line of the Skyr Filecoin VM.
mod bundle_cmd;
mod show;
mod vectors_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Skyr: an independent Filecoin Virtual Machine (network versions 16 and 17).
#[derive(Parser)]
#[command(name = "skyr", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and inspect actor bundles.
    #[command(subcommand)]
    Bundle(bundle_cmd::BundleCmd),
    /// Run and inspect conformance test vectors.
    #[command(subcommand)]
    Vectors(vectors_cmd::VectorsCmd),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Command::Bundle(cmd) => bundle_cmd::run(cmd),
        Command::Vectors(cmd) => vectors_cmd::run(cmd),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("skyr: {e:#}");
            ExitCode::from(2)
        }
    }
}
