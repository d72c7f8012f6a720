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

/// The most a vector file may hold (256 MiB). The largest official mainnet vector is 1.7 MB
/// and the largest generated one (a million accounts' state) tens of MB; a bigger file is
/// refused before it is read, instead of taking its size in memory once per job.
pub const MAX_VECTOR_BYTES: u64 = 256 << 20;

/// Reads at most `limit` bytes of the file at `path`; a longer file is an error naming it,
/// `what` it is and the limit, read no further than one byte past the limit.
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if out.len() as u64 > limit {
        anyhow::bail!(
            "{}: more than {limit} bytes, the limit for {what}",
            path.display()
        );
    }
    Ok(out)
}

/// [`read_bounded`] for text: the bytes must also be UTF-8.
pub fn read_text_bounded(path: &Path, limit: u64, what: &str) -> Result<String> {
    String::from_utf8(read_bounded(path, limit, what)?)
        .map_err(|e| anyhow::anyhow!("{}: not UTF-8 text: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of exactly the limit is read; one byte more is refused, naming the file, what
    /// it is and the limit.
    #[test]
    fn reads_up_to_the_limit_and_refuses_one_past_it() {
        let dir = std::env::temp_dir().join(format!("skyr-read-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("v.json");
        std::fs::write(&path, b"0123456789").expect("write");
        assert_eq!(
            read_bounded(&path, 11, "a vector").expect("below").len(),
            10
        );
        assert_eq!(
            read_text_bounded(&path, 10, "a vector").expect("at"),
            "0123456789"
        );
        let e = format!(
            "{:#}",
            read_bounded(&path, 9, "a vector").expect_err("past")
        );
        assert!(
            e.contains("v.json") && e.contains("more than 9 bytes, the limit for a vector"),
            "{e}"
        );
        std::fs::write(&path, [0xff, 0xfe]).expect("write");
        let e = format!(
            "{:#}",
            read_text_bounded(&path, 10, "a vector").expect_err("binary")
        );
        assert!(e.contains("not UTF-8"), "{e}");
        let e = format!(
            "{:#}",
            read_bounded(&dir.join("none"), 10, "x").expect_err("gone")
        );
        assert!(e.contains("cannot read") && e.contains("none"), "{e}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
