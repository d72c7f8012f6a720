//! Getting a module ready to run: from the engine's memory, from the disk cache, or compiled
//! (validated, instrumented for the metering, then compiled by the build's compiler), one
//! code at a time or a bundle's on all cores. Running what is ready is [`super`]'s job.
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use wasmtime::Module;

use std::collections::BTreeMap;

use super::metering::{self, Metering};
use super::tiers::Build;
use super::{cache, instrument, Engine, Key, Slot};

impl Engine {
    /// Validates, instruments (for `metering`) and compiles the module `code` from `store`,
    /// unless done (in this engine, or in its disk cache).
    pub fn prepare(
        &self,
        store: &impl Blockstore,
        code: &Cid,
        metering: &Metering,
    ) -> anyhow::Result<()> {
        let slot = self.slot(code, metering)?;
        let mut slot = lock(&slot)?;
        self.fill(&mut slot, code, metering, || wasm_of(store, code))
    }

    /// Prepares every module of `codes` as [`Engine::prepare`] does, compiling those neither
    /// in memory nor on disk on all cores at once. Fails naming the first code that fails.
    pub fn prepare_all(
        &self,
        store: &impl Blockstore,
        codes: &[(String, Cid)],
        metering: &Metering,
    ) -> anyhow::Result<()> {
        // What is neither in memory nor on disk, with what the disk lookup found.
        let mut todo = Vec::new();
        for (name, code) in codes {
            let slot = self.slot(code, metering)?;
            let mut slot = lock(&slot)?;
            if slot.module.is_some() {
                continue;
            }
            match self.cached_build(code, metering) {
                Ok(found) => {
                    let queue = self.wants_upgrade(found.0);
                    slot.module = Some(found);
                    drop(slot);
                    if queue {
                        let wasm =
                            wasm_of(store, code).with_context(|| format!("actor `{name}`"))?;
                        self.queue_upgrade(code, metering, wasm)?;
                    }
                }
                Err(missed) => {
                    let wasm = wasm_of(store, code).with_context(|| format!("actor `{name}`"))?;
                    todo.push((todo.len(), name.as_str(), *code, wasm, missed));
                }
            }
        }
        let build = self.0.tier.first_build();
        let compile = |code: &Cid, wasm: &[u8], missed: Missed| -> anyhow::Result<()> {
            let slot = self.slot(code, metering)?;
            let mut slot = lock(&slot)?;
            if slot.module.is_none() {
                let m = self.compile_and_keep(build, code, metering, wasm, missed)?;
                slot.module = Some((build, m));
            }
            Ok(())
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let failures = if todo.len() <= 1 || threads <= 1 {
            let mut failed = Vec::new();
            for (at, name, code, wasm, missed) in &todo {
                if let Err(e) = compile(code, wasm, *missed) {
                    failed.push((*at, format!("actor `{name}` ({code}): {e:#}")));
                    break;
                }
            }
            failed
        } else {
            // Largest first, so the long compiles start early and the short ones fill in.
            todo.sort_by_key(|(_, _, _, w, _)| std::cmp::Reverse(w.len()));
            let next = std::sync::atomic::AtomicUsize::new(0);
            let (todo, compile) = (&todo, &compile);
            std::thread::scope(|s| {
                let workers: Vec<_> = (0..threads.min(todo.len()))
                    .map(|_| {
                        s.spawn(|| {
                            let mut failed = Vec::new();
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some((at, name, code, wasm, missed)) = todo.get(i) else {
                                    return failed;
                                };
                                if let Err(e) = compile(code, wasm, *missed) {
                                    failed.push((*at, format!("actor `{name}` ({code}): {e:#}")));
                                }
                            }
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for w in workers {
                    match w.join() {
                        Ok(f) => all.extend(f),
                        Err(_) => all.push((usize::MAX, "a compiling thread panicked".into())),
                    }
                }
                all
            })
        };
        // Report as a serial run would: the first failing module in the order given.
        if let Some((_, why)) = failures.into_iter().min_by_key(|(i, _)| *i) {
            return Err(anyhow!(why));
        }
        if self.wants_upgrade(build) {
            for (_, _, code, wasm, _) in todo {
                self.queue_upgrade(&code, metering, wasm)?;
            }
        }
        Ok(())
    }

    /// Fills an empty slot: from the disk cache, else compiled from the bytes `wasm` gives
    /// (and written to the disk cache); under [`Tier::Tiered`] a fast build queues the
    /// optimised one.
    pub(super) fn fill<W: AsRef<[u8]> + Into<Vec<u8>>>(
        &self,
        slot: &mut Slot,
        code: &Cid,
        metering: &Metering,
        wasm: impl FnOnce() -> anyhow::Result<W>,
    ) -> anyhow::Result<()> {
        if slot.module.is_some() {
            return Ok(());
        }
        // The bytes are read only when compiling, or when the optimised build is to follow:
        // `bytes` holds them once read, else the means to read them.
        let (build, module, bytes) = match self.cached_build(code, metering) {
            Ok((build, m)) => (build, m, Err(wasm)),
            Err(missed) => {
                let build = self.0.tier.first_build();
                let bytes = wasm()?;
                let m = self.compile_and_keep(build, code, metering, bytes.as_ref(), missed)?;
                (build, m, Ok(bytes))
            }
        };
        slot.module = Some((build, module));
        if self.wants_upgrade(build) {
            let bytes = match bytes {
                Ok(b) => b.into(),
                Err(read) => read()?.into(),
            };
            self.queue_upgrade(code, metering, bytes)?;
        }
        Ok(())
    }

    /// `build` of the module from the disk cache, or how the lookup missed (the key, to
    /// write the compiled module under, and what to count once it is compiled).
    pub(super) fn load_from_disk(
        &self,
        build: Build,
        code: &Cid,
        metering: &Metering,
    ) -> Result<Module, Missed> {
        let compiler = self.compiler(build);
        let Some(disk) = &compiler.disk else {
            return Err(None);
        };
        let key = disk.key(code, metering);
        match disk.load(&compiler.engine, &key) {
            cache::Lookup::Hit(m) => {
                disk.count(cache::Event::Hit);
                Ok(m)
            }
            cache::Lookup::Miss => Err(Some((key, cache::Event::Miss))),
            cache::Lookup::Bad(why) => {
                tracing::warn!(
                    "module cache entry {} for {code} is unusable ({why}); compiling again",
                    disk.path(&key).display()
                );
                Err(Some((key, cache::Event::Recovered)))
            }
        }
    }

    /// Compiles `wasm` as `build` and, after a disk-cache miss, counts it and writes the
    /// entry.
    pub(super) fn compile_and_keep(
        &self,
        build: Build,
        code: &Cid,
        metering: &Metering,
        wasm: &[u8],
        missed: Missed,
    ) -> anyhow::Result<Module> {
        let module = self.compile_as(build, wasm, metering)?;
        if let (Some(disk), Some((key, event))) = (&self.compiler(build).disk, missed) {
            disk.count(event);
            if let Err(e) = disk.store(&key, &module) {
                tracing::warn!("module cache {code}: {e:#}");
                disk.write_failed(format!("{e:#}"));
            }
        }
        Ok(module)
    }

    /// Whether the module `code` is compiled for `metering` and ready to run.
    pub fn has(&self, code: &Cid, metering: &Metering) -> bool {
        let Ok(slot) = self.find(code, metering) else {
            return false;
        };
        slot.and_then(|s| lock(&s).ok().map(|s| s.module.is_some()))
            .unwrap_or(false)
    }

    /// Validates, instruments and compiles WASM bytes as a module's first use would.
    pub fn compile(&self, wasm: &[u8], metering: &Metering) -> anyhow::Result<Module> {
        self.compile_as(self.0.tier.first_build(), wasm, metering)
    }

    /// Validates, instruments and compiles WASM bytes as `build`.
    pub(super) fn compile_as(
        &self,
        build: Build,
        wasm: &[u8],
        metering: &Metering,
    ) -> anyhow::Result<Module> {
        let engine = &self.compiler(build).engine;
        Module::validate(engine, wasm).context("failed to validate actor wasm")?;
        if let Some(limits) = &metering.declared_limits {
            metering::check_declared(limits, wasm)?;
        }
        let instrumented = instrument::instrument(wasm, self.0.max_wasm_stack, metering)
            .context("failed to instrument actor wasm")?;
        let module = Module::new(engine, &instrumented).context("failed to compile actor wasm");
        drop(instrumented);
        release_freed_memory();
        module
    }

    pub(super) fn modules(
        &self,
    ) -> anyhow::Result<std::sync::MutexGuard<'_, BTreeMap<Key, Arc<Mutex<Slot>>>>> {
        self.0
            .modules
            .lock()
            .map_err(|_| anyhow!("module table poisoned"))
    }

    /// The slot of a module, made empty when new.
    pub(super) fn slot(&self, code: &Cid, metering: &Metering) -> anyhow::Result<Arc<Mutex<Slot>>> {
        Ok(self
            .modules()?
            .entry((*code, *metering))
            .or_default()
            .clone())
    }

    /// The slot of a module, if one was made.
    pub(super) fn find(
        &self,
        code: &Cid,
        metering: &Metering,
    ) -> anyhow::Result<Option<Arc<Mutex<Slot>>>> {
        Ok(self.modules()?.get(&(*code, *metering)).cloned())
    }
}

/// Hands the heap the compiler freed back to the system. Compiling a module allocates and
/// frees far more than the module keeps; between messages of a long run glibc would keep
/// those pages, and the process would stay at its compiling peak.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it touches no live
    // allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A disk-cache miss: the entry's key and what to count, or none without a disk cache.
pub(super) type Missed = Option<([u8; 32], cache::Event)>;

/// The WASM of `code`, from `store`.
pub(super) fn wasm_of(store: &impl Blockstore, code: &Cid) -> anyhow::Result<Vec<u8>> {
    store
        .get(code)?
        .ok_or_else(|| anyhow!("no WASM in the blockstore for {code}"))
}

pub(super) fn lock(slot: &Mutex<Slot>) -> anyhow::Result<std::sync::MutexGuard<'_, Slot>> {
    slot.lock().map_err(|_| anyhow!("module slot poisoned"))
}
