//! Compilation tiers. Cranelift compiles the actors quickly with its mid-end optimisations
//! off, or as the reference does (`OptLevel::Speed`): slower to compile, somewhat faster to
//! run. What the code computes, traps on and charges is the same either way (metering and the
//! stack limit live in the instrumented WASM, and WASM means the same whatever compiles it),
//! so an engine may run a module's fast build now and its optimised build later without any
//! receipt changing.
//!
//! [`Tier::Tiered`] does exactly that: a module's first use runs its fast build (or the
//! optimised one, when the disk cache holds it already) while a background thread compiles
//! the optimised build, keeps it in the cache and hands it to the engine for later calls.
//! Which build runs depends on timing; what it computes does not.
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use anyhow::{anyhow, Result};
use cid::Cid;
use wasmtime::Module;

use super::cache::DiskCache;
use super::metering::Metering;
use super::modules::Missed;
use super::{lock, sdk2, sdk3, sdk4, Engine, InvocationData, ABIS};

/// Which builds of the actors an engine runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tier {
    /// The fast build only: cranelift's mid-end optimisations off (`OptLevel::None`).
    #[default]
    Fast,
    /// The optimised build only (`OptLevel::Speed`, as the reference compiles).
    Optimized,
    /// The fast build first, the optimised one as soon as a background thread has compiled it
    /// (or at once, when the disk cache holds it).
    Tiered,
}

impl Tier {
    /// The build a module's first use compiles, when the disk cache has none.
    pub(super) fn first_build(self) -> Build {
        match self {
            Tier::Optimized => Build::Optimized,
            Tier::Fast | Tier::Tiered => Build::Fast,
        }
    }
}

impl std::str::FromStr for Tier {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Tier> {
        match s {
            "fast" => Ok(Tier::Fast),
            "optimized" => Ok(Tier::Optimized),
            "tiered" => Ok(Tier::Tiered),
            other => Err(anyhow!("no tier `{other}` (fast, optimized, tiered)")),
        }
    }
}

/// How one module was compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Build {
    /// `OptLevel::None`.
    Fast,
    /// `OptLevel::Speed`.
    Optimized,
}

impl Build {
    /// Both builds.
    pub const ALL: [Build; 2] = [Build::Fast, Build::Optimized];

    /// Its position among the engine's compilers.
    pub(super) fn index(self) -> usize {
        match self {
            Build::Fast => 0,
            Build::Optimized => 1,
        }
    }

    /// Its name (part of the disk cache's key).
    pub fn name(self) -> &'static str {
        match self {
            Build::Fast => "fast",
            Build::Optimized => "optimized",
        }
    }

    fn opt_level(self) -> wasmtime::OptLevel {
        match self {
            Build::Fast => wasmtime::OptLevel::None,
            Build::Optimized => wasmtime::OptLevel::Speed,
        }
    }
}

/// The wasmtime configuration of the reference: what validates and how code behaves. One
/// setting is Skyr's own: the optimisation level of the [`Build`] (the reference uses
/// `OptLevel::Speed`). What code computes, traps on and charges does not depend on it. With
/// optimisations off, compiling a bundle took 0.71–0.74 of the reference's time instead of
/// 1.05–1.1 (`bench-compile`), and the nv17 and nv18 mainnet vectors ran about as fast, the
/// actors being compiled by LLVM already; the EVM interpreter gains 2–12% from `Speed`.
fn wasmtime_config(build: Build) -> wasmtime::Config {
    let mut c = wasmtime::Config::default();
    c.wasm_custom_page_sizes(false);
    c.memory_init_cow(false);
    c.wasm_simd(false);
    c.wasm_relaxed_simd(false);
    c.relaxed_simd_deterministic(true);
    c.wasm_wide_arithmetic(false);
    c.wasm_tail_call(false);
    c.wasm_multi_memory(false);
    c.wasm_memory64(false);
    c.wasm_bulk_memory(true);
    c.wasm_multi_value(false);
    c.wasm_extended_const(false);
    c.cranelift_nan_canonicalization(true);
    c.max_wasm_stack(4 << 20);
    c.consume_fuel(false);
    c.epoch_interruption(false);
    c.debug_info(false);
    c.generate_address_map(false);
    c.native_unwind_info(false);
    c.wasm_backtrace(false);
    c.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
    c.guard_before_linear_memory(true);
    c.parallel_compilation(true);
    c.cranelift_opt_level(build.opt_level());
    // For profiling the actors' compiled code with `perf`: a map of it in /tmp/perf-PID.map.
    // It changes no code, only what is told to the profiler.
    if std::env::var_os("SKYR_PERF_MAP").is_some() {
        c.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    c
}

/// A wasmtime engine compiling one [`Build`], with a linker per ABI and its own disk cache
/// entries (a module compiled by one wasmtime engine runs only in a store of that engine).
pub(super) struct Compiler {
    pub engine: wasmtime::Engine,
    /// One linker per ABI (indexed by [`super::abi_index`]).
    pub linkers: [wasmtime::Linker<InvocationData>; ABIS],
    pub disk: Option<DiskCache>,
}

impl Compiler {
    pub fn new(build: Build, cache_dir: Option<&Path>, max_wasm_stack: u32) -> Result<Compiler> {
        let engine = wasmtime::Engine::new(&wasmtime_config(build))?;
        let disk = match cache_dir {
            Some(dir) => Some(DiskCache::open(dir, &engine, max_wasm_stack, build)?),
            None => None,
        };
        let mut l2 = wasmtime::Linker::new(&engine);
        sdk2::bind_syscalls(&mut l2)?;
        let mut l3 = wasmtime::Linker::new(&engine);
        sdk3::bind_syscalls(&mut l3)?;
        let mut l4 = wasmtime::Linker::new(&engine);
        sdk4::bind_syscalls(&mut l4)?;
        Ok(Compiler {
            engine,
            linkers: [l2, l3, l4],
            disk,
        })
    }
}

/// An optimised build to compile in the background: the module and its WASM.
pub(super) struct Job {
    pub code: Cid,
    pub metering: Metering,
    pub wasm: Vec<u8>,
}

/// The queue of optimised builds waiting for the background thread, and how many are not
/// done yet (so a caller can wait for them).
#[derive(Default)]
pub(super) struct Upgrades {
    sender: Mutex<Option<mpsc::Sender<Job>>>,
    pending: Mutex<usize>,
    done: Condvar,
}

impl Upgrades {
    /// Queues `job`; the first time, `start` is given the receiving end to start the thread.
    pub fn queue(
        &self,
        job: Job,
        start: impl FnOnce(mpsc::Receiver<Job>) -> Result<()>,
    ) -> Result<()> {
        let mut sender = self
            .sender
            .lock()
            .map_err(|_| anyhow!("the upgrade queue is poisoned"))?;
        if sender.is_none() {
            let (tx, rx) = mpsc::channel();
            start(rx)?;
            *sender = Some(tx);
        }
        self.add(1);
        if let Some(tx) = sender.as_ref() {
            if tx.send(job).is_err() {
                // The thread is gone (it ends only with the engine): nothing will be done.
                self.add(-1);
            }
        }
        Ok(())
    }

    /// Counts a job done (compiled or given up).
    pub fn finished(&self) {
        self.add(-1);
    }

    fn add(&self, n: isize) {
        if let Ok(mut p) = self.pending.lock() {
            *p = p.saturating_add_signed(n);
            if *p == 0 {
                self.done.notify_all();
            }
        }
    }

    /// Waits until every job queued so far is done.
    pub fn wait(&self) {
        let Ok(mut p) = self.pending.lock() else {
            return;
        };
        while *p > 0 {
            p = match self.done.wait(p) {
                Ok(p) => p,
                Err(_) => return,
            };
        }
    }
}

/// How an engine chooses and upgrades builds.
impl Engine {
    /// Whether a module running `build` is to get the optimised one in the background.
    pub(super) fn wants_upgrade(&self, build: Build) -> bool {
        self.0.tier == Tier::Tiered && build == Build::Fast
    }

    /// The module from the disk cache (under [`Tier::Tiered`], its optimised build when kept,
    /// else its fast one), or how the lookup of the build a first use compiles missed.
    pub(super) fn cached_build(
        &self,
        code: &Cid,
        metering: &Metering,
    ) -> Result<(Build, Module), Missed> {
        if self.0.tier == Tier::Tiered {
            if let Ok(m) = self.load_from_disk(Build::Optimized, code, metering) {
                return Ok((Build::Optimized, m));
            }
        }
        let build = self.0.tier.first_build();
        self.load_from_disk(build, code, metering)
            .map(|m| (build, m))
    }

    /// Queues the optimised build of `code` for the background thread, starting it the first
    /// time. The thread holds the engine only while it compiles, and ends with it.
    pub(super) fn queue_upgrade(
        &self,
        code: &Cid,
        metering: &Metering,
        wasm: Vec<u8>,
    ) -> anyhow::Result<()> {
        let job = Job {
            code: *code,
            metering: *metering,
            wasm,
        };
        let weak = Arc::downgrade(&self.0);
        self.0.upgrades.queue(job, move |jobs| {
            std::thread::Builder::new()
                .name("skyr-optimize".into())
                .spawn(move || {
                    while let Ok(job) = jobs.recv() {
                        let Some(inner) = weak.upgrade() else { break };
                        let engine = Engine(inner);
                        // A failure (even a panic in the compiler) leaves the fast build in
                        // use and is counted done, so `settle` never waits for it.
                        let done = crate::error::on_panic(
                            || engine.upgrade(&job),
                            |said| anyhow::anyhow!("panic: {said}"),
                        );
                        if let Err(e) = done {
                            tracing::warn!("the optimised build of {} failed: {e:#}", job.code);
                        }
                        engine.0.upgrades.finished();
                    }
                })?;
            Ok(())
        })
    }

    /// Compiles (or loads) the optimised build of a job's module, keeps it on disk, and puts
    /// it in the module's slot for the calls after.
    fn upgrade(&self, job: &Job) -> anyhow::Result<()> {
        let module = match self.load_from_disk(Build::Optimized, &job.code, &job.metering) {
            Ok(m) => m,
            Err(missed) => self.compile_and_keep(
                Build::Optimized,
                &job.code,
                &job.metering,
                &job.wasm,
                missed,
            )?,
        };
        let slot = self.slot(&job.code, &job.metering)?;
        let mut slot = lock(&slot)?;
        slot.module = Some((Build::Optimized, module));
        slot.pre = Default::default();
        Ok(())
    }
}
