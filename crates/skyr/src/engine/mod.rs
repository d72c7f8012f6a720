//! The engine: compiles actor WASM once per code CID (after [instrumenting](instrument) it)
//! and runs one invocation at a time in a fresh wasmtime store.
//!
//! Its wasmtime configuration mirrors the reference's, so exactly the same modules validate:
//! MVP plus bulk memory, deterministic NaNs, a native stack far above the instrumented limit.
mod abi;
pub mod cache;
pub mod instrument;
mod limits;
pub mod linker;
pub mod metering;
mod modules;
mod sdk2;
mod sdk3;
mod sdk4;
pub mod tiers;

use std::collections::BTreeMap;
use std::path::PathBuf;

use metering::Metering;
use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use cid::Cid;
use fvm_shared::error::ExitCode;
use wasmtime::{Global, InstancePre, Memory, Module, Store, Trap, Val};

use crate::error::ExecError;
use crate::gas::Gas;
use crate::kernel::Kernel;
use crate::rules::{Abi, ExecSettlement};
use cache::DiskCache;
use modules::{lock, wasm_of};
pub use tiers::{Build, Tier};
use tiers::{Compiler, Upgrades};

/// How an invocation stopped, when it did not return.
#[derive(Debug, thiserror::Error)]
pub enum Abort {
    /// With an exit code, a message and a block handle (0 for none): an exit, a trap, or a
    /// missing return block.
    #[error("exit {0}: {1}")]
    Exit(ExitCode, String, u32),
    /// The message ran out of gas.
    #[error("out of gas")]
    OutOfGas,
    /// The machine failed.
    #[error("fatal: {0:#}")]
    Fatal(anyhow::Error),
}

impl Abort {
    /// Maps an error from wasmtime: traps become SYS_ILLEGAL_INSTRUCTION, aborts raised by
    /// syscalls pass through, anything else is fatal.
    fn from_wasm(e: wasmtime::Error) -> Abort {
        if let Some(trap) = e.downcast_ref::<Trap>() {
            return match trap {
                Trap::StackOverflow
                | Trap::MemoryOutOfBounds
                | Trap::HeapMisaligned
                | Trap::TableOutOfBounds
                | Trap::IndirectCallToNull
                | Trap::BadSignature
                | Trap::IntegerOverflow
                | Trap::IntegerDivisionByZero
                | Trap::BadConversionToInteger
                | Trap::UnreachableCodeReached
                | Trap::AtomicWaitNonSharedMemory => {
                    Abort::Exit(ExitCode::SYS_ILLEGAL_INSTRUCTION, trap.to_string(), 0)
                }
                other => Abort::Fatal(anyhow!("unexpected wasmtime trap: {other}")),
            };
        }
        match e.downcast::<Abort>() {
            Ok(a) => a,
            Err(e) => Abort::Fatal(e),
        }
    }

    /// Syscall failures that end the invocation: out of gas, or fatal.
    pub fn from_exec(e: ExecError) -> Abort {
        match e {
            ExecError::OutOfGas => Abort::OutOfGas,
            ExecError::Fatal(e) => Abort::Fatal(e),
            ExecError::Syscall(s) => {
                Abort::Fatal(anyhow!("unexpected syscall error: {}", s.message))
            }
        }
    }
}

/// What a store holds while an actor runs.
pub struct InvocationData {
    /// The invocation's kernel.
    pub kernel: Kernel,
    /// The actor's exported memory.
    pub memory: Option<Memory>,
    /// The actor's gas counter (milligas left).
    pub gas: Option<Global>,
    /// The counter's value when the host last synchronised it.
    pub last_milligas: i64,
    /// The call stack's memory ([`CallManager::memory_used`](crate::call_manager::CallManager))
    /// when the host last synchronised the counter: what grew since is paid for as
    /// `wasm_memory_grow` under [`ExecSettlement::Fvm3`].
    pub last_memory_bytes: usize,
    /// The engine's [`EngineOptions::host_memory_budget`].
    pub host_memory_budget: usize,
}

/// One module's compiled code and linked templates, filled on first need.
#[derive(Default)]
struct Slot {
    /// The build that runs, and how it was compiled.
    module: Option<(Build, Module)>,
    /// Its linked templates, one per ABI (indexed by [`abi_index`]).
    pre: [Option<InstancePre<InvocationData>>; ABIS],
}

/// Position of an ABI's linker and templates.
fn abi_index(abi: Abi) -> usize {
    match abi {
        Abi::Sdk2 => 0,
        Abi::Sdk3 => 1,
        Abi::Sdk4 => 2,
    }
}

/// How many ABIs there are.
const ABIS: usize = 3;

/// A module is known by its code CID and the metering it was instrumented for (the same
/// WASM metered two ways is two modules).
type Key = (Cid, Metering);

struct Inner {
    /// One compiler per build (indexed by [`Build::index`]).
    compilers: [Compiler; 2],
    /// Which builds run.
    tier: Tier,
    max_wasm_stack: u32,
    /// See [`EngineOptions::host_memory_budget`].
    host_memory_budget: usize,
    /// One slot per module. Each slot has its own lock, so threads compiling different
    /// modules do not wait for each other, and two wanting the same one compile it once.
    modules: Mutex<BTreeMap<Key, Arc<Mutex<Slot>>>>,
    /// Optimised builds waiting for the background thread ([`Tier::Tiered`]).
    upgrades: Upgrades,
}

/// Compiled actor code, shared by every machine made with this engine. Clone is cheap.
#[derive(Clone)]
pub struct Engine(Arc<Inner>);

// One engine serves many threads (parallel vector runs share compiled code).
const _: fn() = || {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
};

/// How an engine is made.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Which builds of the actors run ([`Tier`]): receipts are the same in each.
    pub tier: Tier,
    /// Stack slots a WASM call chain may use: instrumented code traps past it. The
    /// reference's is 2048.
    pub max_wasm_stack: u32,
    /// A folder to keep compiled modules in across processes ([`cache`]); none keeps them
    /// in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Bytes of WASM memory and tables (8 bytes an element) one message's call stack may
    /// hold on this host, whatever the rules allow: a growth past it fails the message
    /// fatally (exit SYS_ASSERTION_FAILED, its changes dropped) instead of the process
    /// running out of memory. nv18–28 limit a call stack to 2 GiB by consensus, so the
    /// default ([`DEFAULT_HOST_MEMORY_BUDGET`]) is never reached there; nv16–17 set no limit
    /// (up to 1,025 instances of 4 GiB each), so only there can a message the reference
    /// would run fail on Skyr. See LIMITS.md.
    pub host_memory_budget: usize,
}

/// The default [`EngineOptions::host_memory_budget`]: 8 GiB, four times what nv18–28 allow
/// a call stack, and the most two such messages could hold at once on a 24 GiB machine
/// with room for the rest of the process.
pub const DEFAULT_HOST_MEMORY_BUDGET: usize = 8 << 30;

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            tier: Tier::Fast,
            max_wasm_stack: 2048,
            cache_dir: None,
            host_memory_budget: DEFAULT_HOST_MEMORY_BUDGET,
        }
    }
}

impl Engine {
    /// An engine for the reference's WASM stack limit (2048), keeping compiled code in
    /// memory only.
    pub fn new() -> anyhow::Result<Engine> {
        Engine::with_options(EngineOptions::default())
    }

    /// An engine whose instrumented code traps past `max_wasm_stack` stack slots.
    pub fn with_stack_limit(max_wasm_stack: u32) -> anyhow::Result<Engine> {
        Engine::with_options(EngineOptions {
            max_wasm_stack,
            ..EngineOptions::default()
        })
    }

    /// An engine made as `options` say.
    pub fn with_options(options: EngineOptions) -> anyhow::Result<Engine> {
        let max_wasm_stack = options.max_wasm_stack;
        let dir = options.cache_dir.as_deref();
        Ok(Engine(Arc::new(Inner {
            compilers: [
                Compiler::new(Build::Fast, dir, max_wasm_stack)?,
                Compiler::new(Build::Optimized, dir, max_wasm_stack)?,
            ],
            tier: options.tier,
            max_wasm_stack,
            host_memory_budget: options.host_memory_budget,
            modules: Default::default(),
            upgrades: Upgrades::default(),
        })))
    }

    fn compiler(&self, build: Build) -> &Compiler {
        &self.0.compilers[build.index()]
    }

    /// The on-disk cache of the builds a module's first use compiles, when the engine has one.
    pub fn disk_cache(&self) -> Option<&DiskCache> {
        self.compiler(self.0.tier.first_build()).disk.as_ref()
    }

    /// The on-disk cache of `build`'s modules, when the engine has one.
    pub fn disk_cache_of(&self, build: Build) -> Option<&DiskCache> {
        self.compiler(build).disk.as_ref()
    }

    /// Waits until every optimised build queued so far (by [`Tier::Tiered`]) is compiled,
    /// kept in the disk cache, and in use.
    pub fn settle(&self) {
        self.0.upgrades.wait();
    }

    /// The host's memory budget of a message's call stack, in bytes (see
    /// [`EngineOptions::host_memory_budget`]).
    pub fn host_memory_budget(&self) -> usize {
        self.0.host_memory_budget
    }

    /// The stack limit this engine instruments for.
    pub fn max_wasm_stack(&self) -> u32 {
        self.0.max_wasm_stack
    }

    /// The linked template of a module for `abi`. With `compile_from`, a module not yet in
    /// the engine is prepared from that store first (compilation on first use).
    fn instance_pre(
        &self,
        code: &Cid,
        metering: &Metering,
        abi: Abi,
        compile_from: Option<&crate::blockstore::BufferedStore>,
    ) -> anyhow::Result<Linked> {
        let slot = match compile_from {
            Some(_) => Some(self.slot(code, metering)?),
            None => self.find(code, metering)?,
        }
        .ok_or_else(|| anyhow!("actor code not found"))?;
        let mut slot = lock(&slot)?;
        let i = abi_index(abi);
        if let Some(pre) = &slot.pre[i] {
            return Ok(Linked::Ready(pre.clone()));
        }
        if let Some(store) = compile_from {
            self.fill(&mut slot, code, metering, || wasm_of(store, code))?;
        }
        let (build, module) = slot
            .module
            .as_ref()
            .ok_or_else(|| anyhow!("actor code not found"))?;
        let pre = match self.compiler(*build).linkers[i].instantiate_pre(module) {
            Ok(pre) => pre,
            Err(e) => {
                let e = e.context("failed to link actor module");
                return Ok(Linked::Unlinkable(module.clone(), e));
            }
        };
        slot.pre[i] = Some(pre.clone());
        Ok(Linked::Ready(pre))
    }

    /// Runs `invoke(params_id)` of the actor `code` with `kernel`; gives the kernel back with
    /// the returned block handle or how the invocation stopped.
    pub fn invoke(
        &self,
        kernel: Kernel,
        code: &Cid,
        params_id: u32,
    ) -> (Result<u32, Abort>, Kernel) {
        // The module first (compiled now on first use, when the machine says so): the store
        // belongs to the wasmtime engine of the module's build. A panic here (the machine's
        // bug) fails the invocation fatally, the kernel untouched.
        let linked = match crate::error::on_panic(
            || self.link(&kernel, code),
            |said| Abort::Fatal(anyhow!("panic while preparing the invocation: {said}")),
        ) {
            Ok(l) => l,
            Err(e) => return (Err(e), kernel),
        };
        let wasm_engine = match &linked {
            Linked::Ready(pre) => pre.module().engine(),
            Linked::Unlinkable(module, _) => module.engine(),
        };
        let data = InvocationData {
            kernel,
            memory: None,
            gas: None,
            last_milligas: 0,
            last_memory_bytes: 0,
            host_memory_budget: self.0.host_memory_budget,
        };
        let mut store = Store::new(wasm_engine, data);
        // Every version: the rules' limits where they set some, the host's budget always.
        store.limiter(|d| d as &mut dyn wasmtime::ResourceLimiter);
        // A panic in a syscall (the machine's bug or its embedder's) unwinds out of the WASM
        // to here, where the store still holds the kernel: the invocation fails fatally and
        // the call manager goes back to its caller whole.
        let res = crate::error::on_panic(
            || self.run(&mut store, linked, params_id),
            |said| Abort::Fatal(anyhow!("panic within the invocation: {said}")),
        );
        (res, store.into_data().kernel)
    }

    /// The linked module `code` for the kernel's machine (its rules' ABI and metering).
    fn link(&self, kernel: &Kernel, code: &Cid) -> Result<Linked, Abort> {
        let machine = &kernel.cm.machine;
        let (rules, metering) = (machine.rules, machine.metering);
        let compile_from = (machine.config.compile == crate::machine::Compile::OnFirstUse)
            .then(|| machine.state.store());
        self.instance_pre(code, &metering, rules.abi, compile_from)
            .map_err(Abort::Fatal)
    }

    fn run(
        &self,
        store: &mut Store<InvocationData>,
        linked: Linked,
        params_id: u32,
    ) -> Result<u32, Abort> {
        let metering = store.data().kernel.cm.machine.metering;
        let pre = match linked {
            Linked::Ready(pre) => pre,
            Linked::Unlinkable(module, e) => {
                // fvm 3 and 4 charge the initial memory and tables before they link, so a
                // module that cannot link may run out of gas first.
                if metering.instrumenter.start_runs_with_gas() {
                    charge_for_init(store, &module)?;
                }
                return Err(Abort::Fatal(e));
            }
        };
        let instance = if metering.instrumenter.start_runs_with_gas() {
            instantiate_with_gas(store, &pre)?
        } else {
            // An instantiation failure (a start function finds an empty gas counter) is the
            // machine's.
            pre.instantiate(&mut *store).map_err(Abort::Fatal)?
        };
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| Abort::Fatal(anyhow!("actor has no memory export")))?;
        store.data_mut().memory = Some(memory);
        let invoke = instance
            .get_typed_func::<(u32,), u32>(&mut *store, "invoke")
            .map_err(Abort::Fatal)?;
        let gas = instance
            .get_global(&mut *store, instrument::GAS_GLOBAL)
            .ok_or_else(|| Abort::Fatal(anyhow!("instrumented actor lost its gas counter")))?;
        store.data_mut().gas = Some(gas);
        sync_gas(&mut *store)?;
        let res = invoke.call(&mut *store, (params_id,));
        charge_exec(&mut *store)?;
        res.map_err(Abort::from_wasm)
    }
}

/// A module's linked template, or the module and why it does not link to the ABI.
enum Linked {
    Ready(InstancePre<InvocationData>),
    Unlinkable(Module, anyhow::Error),
}

/// Pays for a module's initial tables and memory, as fvm 3 and 4 do before they link and
/// instantiate it.
fn charge_for_init(store: &mut Store<InvocationData>, module: &Module) -> Result<(), Abort> {
    let min = |name: &str| match module.get_export(name) {
        Some(wasmtime::ExternType::Memory(m)) => Some(m.minimum()),
        Some(wasmtime::ExternType::Table(t)) => Some(t.minimum()),
        _ => None,
    };
    let memory_bytes = min("memory")
        .ok_or_else(|| Abort::Fatal(anyhow!("actor has no memory export")))?
        .saturating_mul(65536);
    let wasm = &store.data().kernel.cm.machine.rules.prices.wasm;
    let table_gas = min("table").map(|n| wasm.init_table(usize::try_from(n).unwrap_or(usize::MAX)));
    let memory_gas = wasm.init_memory(usize::try_from(memory_bytes).unwrap_or(usize::MAX));
    let gas = &mut store.data_mut().kernel.cm.gas;
    if let Some(t) = table_gas {
        gas.charge("wasm_table_init", t).map_err(Abort::from_exec)?;
    }
    gas.charge("wasm_memory_init", memory_gas)
        .map_err(Abort::from_exec)?;
    Ok(())
}

/// Instantiates as fvm 3's engine does: the module's initial tables and memory are paid
/// first, its start function runs on the message's gas, and a module that fails to
/// instantiate (or whose start function traps) exits with SYS_ILLEGAL_INSTRUCTION.
fn instantiate_with_gas(
    store: &mut Store<InvocationData>,
    pre: &InstancePre<InvocationData>,
) -> Result<wasmtime::Instance, Abort> {
    charge_for_init(store, pre.module())?;
    let failed = |e: wasmtime::Error| {
        if e.downcast_ref::<limits::HostBudgetSpent>().is_some() {
            return Abort::Fatal(e);
        }
        Abort::Exit(
            ExitCode::SYS_ILLEGAL_INSTRUCTION,
            format!("failed to instantiate module: {e}"),
            0,
        )
    };
    // The settlement after the start function counts the instance's initial memory as grown
    // (fvm 3 synchronises before instantiating).
    let memory_before = store.data().kernel.cm.memory_used;
    let instance = pre.instantiate(&mut *store);
    let instance = instance.map_err(failed)?;
    let Some(start) = instance.get_func(&mut *store, metering::START_EXPORT) else {
        // Nothing ran, so nothing is owed; fvm 3 and 4 still settle (and trace) it.
        if store.data().kernel.cm.machine.rules.exec_settlement == ExecSettlement::Fvm3 {
            let gas = &mut store.data_mut().kernel.cm.gas;
            gas.charge("wasm_exec", Gas::zero())
                .map_err(Abort::from_exec)?;
        }
        return Ok(instance);
    };
    let gas = instance
        .get_global(&mut *store, instrument::GAS_GLOBAL)
        .ok_or_else(|| Abort::Fatal(anyhow!("instrumented actor lost its gas counter")))?;
    store.data_mut().gas = Some(gas);
    sync_gas(&mut *store)?;
    store.data_mut().last_memory_bytes = memory_before;
    let res = start.call(&mut *store, &[], &mut []);
    charge_exec(&mut *store)?;
    res.map_err(failed)?;
    Ok(instance)
}

/// Sets the actor's gas counter to the gas the message has left.
pub fn sync_gas(mut ctx: impl wasmtime::AsContextMut<Data = InvocationData>) -> Result<(), Abort> {
    let mut ctx = ctx.as_context_mut();
    let avail = ctx.data().kernel.cm.gas.available().as_milligas();
    let global = ctx
        .data()
        .gas
        .ok_or_else(|| Abort::Fatal(anyhow!("no gas counter")))?;
    global
        .set(&mut ctx, Val::I64(avail))
        .map_err(|e| Abort::Fatal(anyhow!("failed to set the gas counter: {e}")))?;
    let data = ctx.data_mut();
    data.last_milligas = avail;
    data.last_memory_bytes = data.kernel.cm.memory_used;
    Ok(())
}

/// Charges the execution gas the actor used since the last synchronisation.
pub fn charge_exec(
    mut ctx: impl wasmtime::AsContextMut<Data = InvocationData>,
) -> Result<(), Abort> {
    let mut ctx = ctx.as_context_mut();
    let global = ctx
        .data()
        .gas
        .ok_or_else(|| Abort::Fatal(anyhow!("no gas counter")))?;
    let now = global
        .get(&mut ctx)
        .i64()
        .ok_or_else(|| Abort::Fatal(anyhow!("gas counter is not an i64")))?;
    let data = ctx.data_mut();
    let used = data.last_milligas.saturating_sub(now);
    if data
        .kernel
        .cm
        .machine
        .rules
        .instrumenter
        .settling_moves_the_mark()
    {
        data.last_milligas = now;
    }
    let cm = &mut data.kernel.cm;
    let mut exec = Gas::from_milligas(used);
    let mut grown = Gas::zero();
    if cm.machine.rules.exec_settlement == ExecSettlement::Fvm3 {
        // The memory part, at most what was used.
        let bytes = cm.memory_used.saturating_sub(data.last_memory_bytes);
        grown = cm.machine.rules.prices.wasm.grow_memory(bytes).min(exec);
        exec = exec - grown;
    }
    cm.gas.charge("wasm_exec", exec).map_err(Abort::from_exec)?;
    if !grown.is_zero() {
        cm.gas
            .charge("wasm_memory_grow", grown)
            .map_err(Abort::from_exec)?;
    }
    Ok(())
}
