//! What the binary's tests share: running `skyr` as a user runs it.
#![allow(dead_code)] // each test file uses its part
use std::path::PathBuf;
use std::process::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The binary, with its module cache under the build's own folder (never the user's; kept
/// between test runs, and entries of other builds are never read).
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_skyr"));
    c.args(args).current_dir(root()).env(
        "SKYR_CACHE_DIR",
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skyr-cli-cache"),
    );
    c
}

pub fn finished(out: std::process::Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn skyr(args: &[&str]) -> (i32, String, String) {
    finished(command(args).output().expect("skyr runs"))
}
