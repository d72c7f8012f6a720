//! Finding vector files: a file is itself, a folder is every `*.json` below it.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The vector files at `path`: the file itself, or every `*.json` in the folder and its
/// sub-folders, in sorted order (so runs are reproducible). A path that does not exist is
/// an error naming it.
pub fn vector_files(path: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(path, &mut out)?;
    Ok(out)
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("reading {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "json") {
                walk(&e, out)?;
            }
        }
    } else if p.exists() {
        out.push(p.to_path_buf());
    } else {
        anyhow::bail!("{} does not exist", p.display());
    }
    Ok(())
}
