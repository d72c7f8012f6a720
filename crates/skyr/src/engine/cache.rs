//! Compiled actor modules kept on disk, so a process that starts again does not compile the
//! bundle again (compiling is most of a short run).
//!
//! An entry is keyed by everything that changes the compiled code: the code CID, the metering
//! it was instrumented for, the WASM stack limit, the [build](super::Build) (fast or optimised), wasmtime's own
//! compatibility hash (its version and configuration), Skyr's version and a digest of Skyr's
//! source. The key is
//! written inside the entry too, with the payload's length and BLAKE3 digest, so a corrupt,
//! truncated or foreign file is recognised before wasmtime sees it; it is then compiled again
//! and replaced. Entries are written to a temporary file and renamed into place, so readers
//! (in this process or another sharing the folder) only ever see whole entries.
//!
//! Trust: the folder belongs to the user running Skyr. Whoever can write into it can put
//! native code there, as with wasmtime's own cache; the checks above are against accidents
//! (a full disk, a killed process, another build), not against that user.
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use wasmtime::Module;

use super::metering::Metering;

/// First bytes of every entry (the last is the format's revision).
const MAGIC: &[u8; 8] = b"SKYRMOD\x02";
/// Magic, key, payload length, payload digest.
const HEADER_LEN: usize = 8 + 32 + 8 + 32;
/// Entry files end with this.
const EXTENSION: &str = "module";
/// Where entries live inside the cache folder: one sub-folder per build of Skyr (see
/// [`DiskCache::modules_dir`]).
const MODULES: &str = "modules";

/// The folder used when none is given: `$SKYR_CACHE_DIR`, else `$XDG_CACHE_HOME/skyr`, else
/// `~/.cache/skyr` (`~/Library/Caches/skyr` on macOS). None when no home is known.
pub fn default_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = var("SKYR_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("skyr"));
    }
    let home = PathBuf::from(var("HOME")?);
    if cfg!(target_os = "macos") {
        Some(home.join("Library/Caches/skyr"))
    } else {
        Some(home.join(".cache/skyr"))
    }
}

/// Where `skyr bundle fetch` keeps official bundle `version` (under the default folder):
/// `bundles/vNN/builtin-actors-mainnet.car`, laid out as `../shared/bundles` is.
pub fn bundle_path(version: u32) -> Option<PathBuf> {
    Some(
        default_dir()?
            .join("bundles")
            .join(format!("v{version}"))
            .join("builtin-actors-mainnet.car"),
    )
}

/// What the cache did in this process: each counter only grows.
#[derive(Debug, Default)]
pub struct CacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    recovered: AtomicU64,
    write_failures: AtomicU64,
}

/// A reading of [`CacheStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// Modules loaded from disk instead of compiled.
    pub hits: u64,
    /// Modules compiled because no entry existed.
    pub misses: u64,
    /// Entries found unusable (corrupt, truncated, foreign), compiled again and replaced.
    pub recovered: u64,
    /// Entries that could not be written (the module was used all the same).
    pub write_failures: u64,
}

/// Compiled modules in a folder on disk.
#[derive(Debug)]
pub struct DiskCache {
    modules: PathBuf,
    /// Key material shared by every entry of this engine: versions, source, configuration.
    engine_part: [u8; 32],
    stats: CacheStats,
    /// Why the first entry that could not be written was not, to tell the user once.
    first_write_error: std::sync::Mutex<Option<String>>,
}

/// What looking an entry up found.
pub enum Lookup {
    /// A usable module.
    Hit(Module),
    /// No entry.
    Miss,
    /// An entry that cannot be used, and why.
    Bad(String),
}

/// Names a counter to bump.
#[derive(Clone, Copy)]
pub enum Event {
    /// See [`CacheCounts::hits`].
    Hit,
    /// See [`CacheCounts::misses`].
    Miss,
    /// See [`CacheCounts::recovered`].
    Recovered,
    /// See [`CacheCounts::write_failures`].
    WriteFailure,
}

impl DiskCache {
    /// Opens the cache in `dir` for modules compiled by `engine` with a stack limit of
    /// `max_wasm_stack`. Folders are made when the first entry is written.
    pub fn open(
        dir: &Path,
        engine: &wasmtime::Engine,
        max_wasm_stack: u32,
        build: super::Build,
    ) -> Result<DiskCache> {
        // wasmtime's hash says which artifacts an engine accepts; fold it with a fixed-key
        // hasher (a different Rust release may fold it differently: then entries miss).
        let mut h = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        let mut b = blake2b_simd::Params::new().hash_length(32).to_state();
        b.update(b"skyr module cache\0");
        b.update(env!("CARGO_PKG_VERSION").as_bytes());
        b.update(b"\0");
        b.update(env!("SKYR_SOURCE_DIGEST").as_bytes());
        b.update(&h.finish().to_le_bytes());
        b.update(&max_wasm_stack.to_le_bytes());
        // wasmtime's hash covers the optimisation level too; the build is named all the same.
        b.update(build.name().as_bytes());
        let engine_part = digest32(b.finalize().as_bytes());
        // Made on first write: opening a cache (to read it, or for `skyr cache info`) writes
        // nothing.
        let modules = dir.join(MODULES).join(hex(&engine_part[..8]));
        Ok(DiskCache {
            modules,
            engine_part,
            stats: CacheStats::default(),
            first_write_error: Default::default(),
        })
    }

    /// The folder this engine's entries are kept in: `<cache>/modules/<build>`, where
    /// `<build>` names this build of Skyr and its engine configuration. Another build (an
    /// upgrade, another checkout) writes beside it and never reads these.
    pub fn modules_dir(&self) -> &Path {
        &self.modules
    }

    /// The key of `code` compiled for `metering`.
    pub fn key(&self, code: &Cid, metering: &Metering) -> [u8; 32] {
        let mut b = blake2b_simd::Params::new().hash_length(32).to_state();
        b.update(&self.engine_part);
        b.update(format!("{metering:?}").as_bytes());
        b.update(b"\0");
        b.update(&code.to_bytes());
        digest32(b.finalize().as_bytes())
    }

    /// Where the entry with `key` is kept.
    pub fn path(&self, key: &[u8; 32]) -> PathBuf {
        self.modules.join(format!("{}.{EXTENSION}", hex(key)))
    }

    /// Reads and checks the entry with `key`.
    pub fn load(&self, engine: &wasmtime::Engine, key: &[u8; 32]) -> Lookup {
        let path = self.path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            // No entry, or no folder for one (even a file where the folder should be: the
            // write that follows the compile reports that).
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Lookup::Miss
            }
            Err(e) => return Lookup::Bad(format!("unreadable: {e}")),
        };
        let payload = match check_entry(&bytes, key) {
            Ok(p) => p,
            Err(why) => return Lookup::Bad(why),
        };
        // SAFETY: `payload` is byte for byte what `Module::serialize` wrote for this key:
        // its length and BLAKE3 digest were checked above, and the key binds it to this
        // engine's wasmtime version and configuration. wasmtime checks them once more.
        match unsafe { Module::deserialize(engine, payload) } {
            Ok(m) => Lookup::Hit(m),
            Err(e) => Lookup::Bad(format!("wasmtime refuses it: {e}")),
        }
    }

    /// Writes `module` as the entry with `key`, atomically.
    pub fn store(&self, key: &[u8; 32], module: &Module) -> Result<()> {
        let payload = module.serialize().context("serialising the module")?;
        write_atomically(&self.path(key), &[&header(key, &payload), &payload])
    }

    /// Records why an entry could not be written (the first reason is kept).
    pub fn write_failed(&self, why: String) {
        self.count(Event::WriteFailure);
        if let Ok(mut first) = self.first_write_error.lock() {
            first.get_or_insert(why);
        }
    }

    /// Why the first entry that could not be written was not.
    pub fn first_write_error(&self) -> Option<String> {
        self.first_write_error.lock().ok().and_then(|f| f.clone())
    }

    /// Counts an event.
    pub fn count(&self, e: Event) {
        let c = match e {
            Event::Hit => &self.stats.hits,
            Event::Miss => &self.stats.misses,
            Event::Recovered => &self.stats.recovered,
            Event::WriteFailure => &self.stats.write_failures,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// What the cache did so far.
    pub fn counts(&self) -> CacheCounts {
        let r = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheCounts {
            hits: r(&self.stats.hits),
            misses: r(&self.stats.misses),
            recovered: r(&self.stats.recovered),
            write_failures: r(&self.stats.write_failures),
        }
    }
}

fn digest32(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&b[..32]);
    out
}

/// BLAKE3, not the BLAKE2b of the keys: it runs over every byte of every module a warm
/// start loads (tens of megabytes), where BLAKE3 is several times faster.
fn payload_digest(payload: &[u8]) -> [u8; 32] {
    *blake3::hash(payload).as_bytes()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An entry's header: magic, key, payload length (little-endian u64), payload digest. The
/// payload follows.
fn header(key: &[u8; 32], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload_digest(payload));
    out
}

/// The payload of an entry, or why the entry cannot be used.
fn check_entry<'a>(bytes: &'a [u8], key: &[u8; 32]) -> Result<&'a [u8], String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!(
            "truncated: {} bytes, shorter than the header",
            bytes.len()
        ));
    }
    if &bytes[..8] != MAGIC {
        return Err("not a Skyr module entry (or another format revision)".into());
    }
    if &bytes[8..40] != key {
        return Err("foreign: made for another code, metering, engine or Skyr build".into());
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[40..48]);
    let len = u64::from_le_bytes(len);
    let have = (bytes.len() - HEADER_LEN) as u64;
    if have != len {
        return Err(format!(
            "truncated or padded: the header says {len} bytes of module, the file has {have}"
        ));
    }
    let payload = &bytes[HEADER_LEN..];
    if payload_digest(payload) != bytes[48..80] {
        return Err("corrupt: the module's digest does not match".into());
    }
    Ok(payload)
}

/// Writes `parts` one after the other to a temporary file beside `path` and renames it over
/// `path`: a reader sees the old file, no file, or the whole new one, and a failed write
/// removes its temporary file. (The command line writes its outputs with it too.)
pub fn write_atomically(path: &Path, parts: &[&[u8]]) -> Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .ok_or_else(|| anyhow!("{} has no folder", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut f = std::fs::File::create(&tmp)?;
        for p in parts {
            f.write_all(p)?;
        }
        f.sync_data()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow!("writing {}: {e}", path.display()));
    }
    Ok(())
}

/// What one build's part of a cache folder holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// The build's sub-folder name.
    pub build: String,
    /// Entries.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Temporary files left by interrupted writes.
    pub leftovers: u64,
}

/// What the cache folder `dir` holds, build by build (sorted by name); an absent folder
/// holds nothing.
pub fn folder_info(dir: &Path) -> Result<Vec<BuildInfo>> {
    let mut builds: Vec<BuildInfo> = Vec::new();
    for (build, path, kind) in files(dir)? {
        if builds.last().is_none_or(|b| b.build != build) {
            builds.push(BuildInfo {
                build: build.clone(),
                ..BuildInfo::default()
            });
        }
        let Some(info) = builds.last_mut() else {
            continue;
        };
        match kind {
            FileKind::Entry => {
                info.entries += 1;
                info.bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            }
            FileKind::Leftover => info.leftovers += 1,
        }
    }
    Ok(builds)
}

/// Removes every entry and leftover from the cache folder `dir`, of every build, and the
/// emptied build folders (nothing else); returns how many files went.
pub fn clear(dir: &Path) -> Result<u64> {
    let mut n = 0;
    let mut folders = Vec::new();
    for (_, path, _) in files(dir)? {
        std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        if let Some(p) = path.parent() {
            if folders.last() != Some(&p.to_path_buf()) {
                folders.push(p.to_path_buf());
            }
        }
        n += 1;
    }
    for f in folders {
        // A folder another process is filling right now stays.
        let _ = std::fs::remove_dir(f);
    }
    Ok(n)
}

enum FileKind {
    Entry,
    Leftover,
}

/// The paths in a folder, sorted; an absent folder is empty.
fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow!("reading {}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for e in rd {
        out.push(
            e.with_context(|| format!("reading {}", dir.display()))?
                .path(),
        );
    }
    out.sort();
    Ok(out)
}

/// The cache's own files in `dir`, with the build folder each is in.
fn files(dir: &Path) -> Result<Vec<(String, PathBuf, FileKind)>> {
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for build in list(&dir.join(MODULES))? {
        if !build.is_dir() {
            continue;
        }
        for path in list(&build)? {
            let file = name(&path);
            let kind = if file.starts_with('.') && file.ends_with(".tmp") {
                FileKind::Leftover
            } else if file.ends_with(&format!(".{EXTENSION}")) {
                FileKind::Entry
            } else {
                continue;
            };
            out.push((name(&build), path, kind));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_checked_before_use() {
        let key = [7u8; 32];
        let entry = [header(&key, b"module bytes"), b"module bytes".to_vec()].concat();
        assert_eq!(check_entry(&entry, &key), Ok(&b"module bytes"[..]));
        let truncated = &entry[..entry.len() - 1];
        assert!(check_entry(truncated, &key)
            .unwrap_err()
            .starts_with("truncated"));
        assert!(check_entry(&entry[..10], &key)
            .unwrap_err()
            .starts_with("truncated"));
        let mut corrupt = entry.clone();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 1;
        assert!(check_entry(&corrupt, &key)
            .unwrap_err()
            .starts_with("corrupt"));
        assert!(check_entry(&entry, &[8u8; 32])
            .unwrap_err()
            .starts_with("foreign"));
        // An entry of the previous format revision (its payload digest was BLAKE2b).
        let mut other = entry;
        other[7] = 1;
        assert!(check_entry(&other, &key).unwrap_err().contains("revision"));
    }
}
