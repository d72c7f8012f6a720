//! The engine settings every command that runs actor code takes: where compiled modules are
//! kept (`--cache-dir` / `--no-cache`), how much WASM memory a message may hold on this
//! host (`--host-memory`), and how the actors are compiled (`--tier`).
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use skyr::engine::cache;
use skyr::engine::DEFAULT_HOST_MEMORY_BUDGET;
use skyr::{Engine, EngineOptions};

/// What nv18–28 allow one call stack by consensus (memory and tables), from their rules: a
/// budget below it can fail a message there that the reference runs.
fn consensus_call_stack_bytes() -> u64 {
    skyr::rules::HYGGE_RULES
        .memory_limits
        .map_or(0, |l| l.call_stack as u64)
}

/// The engine's options, from the command line.
#[derive(Args, Clone, Debug)]
pub struct EngineArgs {
    /// Keep compiled actor modules in this folder (default: $SKYR_CACHE_DIR, else
    /// $XDG_CACHE_HOME/skyr, else ~/.cache/skyr).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile every actor afresh and keep nothing on disk.
    #[arg(long, global = true, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// WASM memory and tables one message's call stack may hold on this host (bytes, or with
    /// a unit: 512MiB, 8GiB). Past it the message fails fatally instead of the process
    /// running out of memory. Not consensus; below 2GiB a message nv18–28 allow can fail.
    /// [default: 8GiB]
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_size)]
    pub host_memory: Option<u64>,
    /// How the actors are compiled: `fast` compiles quickest; `optimized` (cranelift's
    /// optimisations, as the reference compiles) runs a little faster and compiles slower;
    /// `tiered` runs the fast build first and the optimised one once a background thread
    /// has compiled it. Receipts are the same in each; each build has its own cache entries.
    /// [default: fast]
    #[arg(long, global = true, value_name = "TIER")]
    pub tier: Option<skyr::Tier>,
}

impl EngineArgs {
    /// The cache folder in use, if any.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        self.cache_dir.clone().or_else(cache::default_dir)
    }

    /// An engine with these options. Cache entries that cannot be written are counted and
    /// reported at the end of a run (`cache_cmd::report`); the run goes on with the modules
    /// in memory. A host budget below what consensus allows is used, with a warning.
    pub fn engine(&self) -> Result<Engine> {
        self.engine_or(skyr::Tier::Fast)
    }

    /// [`Self::engine`], with `default` as the tier unless `--tier` says (`cache warm` compiles
    /// both builds unless told otherwise).
    pub fn engine_or(&self, default: skyr::Tier) -> Result<Engine> {
        let budget = self
            .host_memory
            .unwrap_or(DEFAULT_HOST_MEMORY_BUDGET as u64);
        if budget < consensus_call_stack_bytes() {
            eprintln!(
                "skyr: warning: --host-memory {budget} is below the 2 GiB nv18–28 allow a call \
                 stack; a message the reference runs may fail here (fatal, SYS_ASSERTION_FAILED)"
            );
        }
        Engine::with_options(EngineOptions {
            tier: self.tier.unwrap_or(default),
            cache_dir: self.dir(),
            host_memory_budget: usize::try_from(budget).unwrap_or(usize::MAX),
            ..EngineOptions::default()
        })
    }
}

/// A size in bytes: a number, optionally followed by B, K/KiB, M/MiB, G/GiB or T/TiB (all
/// powers of 1024; case does not matter). Zero is refused: no message could run.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not a size: it must start with a number of bytes"
        ));
    }
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        "t" | "tib" => 40,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use B, KiB, MiB, GiB or TiB)"
            ))
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is too large a size"))?;
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large a size"))?;
    if bytes == 0 {
        return Err("a host memory budget of 0 bytes would fail every message".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_units_and_bad_ones_say_why() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("8g"), Ok(8 << 30));
        assert_eq!(parse_size("1 TiB"), Ok(1 << 40));
        let err = |s| parse_size(s).unwrap_err();
        assert!(err("GiB").contains("must start with a number"));
        assert!(err("3 parsecs").contains("unknown unit `parsecs`"));
        assert!(err("0").contains("0 bytes"));
        assert!(err("99999999999999999999").contains("too large"));
        assert!(err("20000000TiB").contains("too large"));
    }
}
