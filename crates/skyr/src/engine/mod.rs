//! The engine: compiles actor WASM once per code CID (after [instrumenting](instrument) it)
//! and runs one invocation at a time in a fresh wasmtime store.
//!
//! Its wasmtime configuration mirrors the reference's, so exactly the same modules validate:
//! MVP plus bulk memory, deterministic NaNs, a native stack far above the instrumented limit.
mod abi;
pub mod instrument;
pub mod linker;
pub mod metering;
mod sdk2;
mod sdk3;
mod sdk4;

use std::collections::BTreeMap;

use metering::Metering;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_shared::error::ExitCode;
use wasmtime::{Global, InstancePre, Memory, Module, Store, Trap, Val};

use crate::error::ExecError;
use crate::gas::Gas;
use crate::kernel::Kernel;
use crate::rules::Abi;

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
}

struct Compiled {
    module: Module,
    /// Linked templates, one per ABI (indexed by [`abi_index`]).
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

struct Inner {
    engine: wasmtime::Engine,
    /// One linker per ABI (indexed by [`abi_index`]).
    linkers: [wasmtime::Linker<InvocationData>; ABIS],
    max_wasm_stack: u32,
    /// Compiled code by code CID and metering (the same WASM metered two ways is two
    /// modules).
    modules: Mutex<BTreeMap<(Cid, Metering), Compiled>>,
}

/// Compiled actor code, shared by every machine made with this engine. Clone is cheap.
#[derive(Clone)]
pub struct Engine(Arc<Inner>);

// One engine serves many threads (parallel vector runs share compiled code).
const _: fn() = || {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
};

/// The wasmtime configuration of the reference: what validates and how code behaves.
fn wasmtime_config() -> wasmtime::Config {
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
    c.cranelift_opt_level(wasmtime::OptLevel::Speed);
    c
}

impl Engine {
    /// An engine for the reference's WASM stack limit (2048).
    pub fn new() -> anyhow::Result<Engine> {
        Engine::with_stack_limit(2048)
    }

    /// An engine whose instrumented code traps past `max_wasm_stack` stack slots.
    pub fn with_stack_limit(max_wasm_stack: u32) -> anyhow::Result<Engine> {
        let engine = wasmtime::Engine::new(&wasmtime_config())?;
        let mut sdk2 = wasmtime::Linker::new(&engine);
        sdk2::bind_syscalls(&mut sdk2)?;
        let mut sdk3 = wasmtime::Linker::new(&engine);
        sdk3::bind_syscalls(&mut sdk3)?;
        let mut sdk4 = wasmtime::Linker::new(&engine);
        sdk4::bind_syscalls(&mut sdk4)?;
        Ok(Engine(Arc::new(Inner {
            engine,
            linkers: [sdk2, sdk3, sdk4],
            max_wasm_stack,
            modules: Default::default(),
        })))
    }

    /// The stack limit this engine instruments for.
    pub fn max_wasm_stack(&self) -> u32 {
        self.0.max_wasm_stack
    }

    /// Validates, instruments (for `metering`) and compiles the module `code` from `store`,
    /// unless done.
    pub fn prepare(
        &self,
        store: &impl Blockstore,
        code: &Cid,
        metering: &Metering,
    ) -> anyhow::Result<()> {
        let key = (*code, *metering);
        if self.lock()?.contains_key(&key) {
            return Ok(());
        }
        let wasm = store
            .get(code)?
            .ok_or_else(|| anyhow!("no WASM in the blockstore for {code}"))?;
        let module = self.compile(&wasm, metering)?;
        self.lock()?.insert(
            key,
            Compiled {
                module,
                pre: [None, None, None],
            },
        );
        Ok(())
    }

    /// Whether the module `code` is compiled for `metering` and ready to run.
    pub fn has(&self, code: &Cid, metering: &Metering) -> bool {
        self.lock()
            .is_ok_and(|m| m.contains_key(&(*code, *metering)))
    }

    /// Validates, instruments and compiles WASM bytes.
    pub fn compile(&self, wasm: &[u8], metering: &Metering) -> anyhow::Result<Module> {
        Module::validate(&self.0.engine, wasm).context("failed to validate actor wasm")?;
        let instrumented = instrument::instrument(wasm, self.0.max_wasm_stack, metering)
            .context("failed to instrument actor wasm")?;
        Module::new(&self.0.engine, &instrumented).context("failed to compile actor wasm")
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        &self,
    ) -> anyhow::Result<std::sync::MutexGuard<'_, BTreeMap<(Cid, Metering), Compiled>>> {
        self.0
            .modules
            .lock()
            .map_err(|_| anyhow!("module cache poisoned"))
    }

    fn instance_pre(
        &self,
        code: &Cid,
        metering: &Metering,
        abi: Abi,
    ) -> anyhow::Result<InstancePre<InvocationData>> {
        let mut modules = self.lock()?;
        let compiled = modules
            .get_mut(&(*code, *metering))
            .ok_or_else(|| anyhow!("actor code not found"))?;
        let i = abi_index(abi);
        if compiled.pre[i].is_none() {
            let pre = self.0.linkers[i]
                .instantiate_pre(&compiled.module)
                .context("failed to link actor module")?;
            compiled.pre[i] = Some(pre);
        }
        compiled.pre[i]
            .clone()
            .ok_or_else(|| anyhow!("unreachable: no instance template"))
    }

    /// Runs `invoke(params_id)` of the actor `code` with `kernel`; gives the kernel back with
    /// the returned block handle or how the invocation stopped.
    pub fn invoke(
        &self,
        kernel: Kernel,
        code: &Cid,
        params_id: u32,
    ) -> (Result<u32, Abort>, Kernel) {
        let data = InvocationData {
            kernel,
            memory: None,
            gas: None,
            last_milligas: 0,
        };
        let limited = data.kernel.cm.machine.rules.memory_limits.is_some();
        let mut store = Store::new(&self.0.engine, data);
        if limited {
            store.limiter(|d| d as &mut dyn wasmtime::ResourceLimiter);
        }
        let res = self.run(&mut store, code, params_id);
        (res, store.into_data().kernel)
    }

    fn run(
        &self,
        store: &mut Store<InvocationData>,
        code: &Cid,
        params_id: u32,
    ) -> Result<u32, Abort> {
        let rules = store.data().kernel.cm.machine.rules;
        let metering = store.data().kernel.cm.machine.metering;
        let pre = self
            .instance_pre(code, &metering, rules.abi)
            .map_err(Abort::Fatal)?;
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
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            invoke.call(&mut *store, (params_id,))
        }))
        .map_err(|_| Abort::Fatal(anyhow!("panic within actor")))?;
        charge_exec(&mut *store)?;
        res.map_err(Abort::from_wasm)
    }
}

/// Instantiates as fvm 3's engine does: the module's initial tables and memory are paid
/// first, its start function runs on the message's gas, and a module that fails to
/// instantiate (or whose start function traps) exits with SYS_ILLEGAL_INSTRUCTION.
fn instantiate_with_gas(
    store: &mut Store<InvocationData>,
    pre: &InstancePre<InvocationData>,
) -> Result<wasmtime::Instance, Abort> {
    let module = pre.module();
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
    let failed = |e: wasmtime::Error| {
        Abort::Exit(
            ExitCode::SYS_ILLEGAL_INSTRUCTION,
            format!("failed to instantiate module: {e}"),
            0,
        )
    };
    let instance = pre.instantiate(&mut *store);
    let instance = instance.map_err(failed)?;
    let Some(start) = instance.get_func(&mut *store, metering::START_EXPORT) else {
        return Ok(instance);
    };
    let gas = instance
        .get_global(&mut *store, instrument::GAS_GLOBAL)
        .ok_or_else(|| Abort::Fatal(anyhow!("instrumented actor lost its gas counter")))?;
    store.data_mut().gas = Some(gas);
    sync_gas(&mut *store)?;
    let res = start.call(&mut *store, &[], &mut []);
    charge_exec(&mut *store)?;
    res.map_err(failed)?;
    Ok(instance)
}

/// Memory and tables count against the rules' limits, for the instance and the call stack.
impl wasmtime::ResourceLimiter for InvocationData {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> anyhow::Result<bool> {
        let Some(limits) = self.kernel.cm.machine.rules.memory_limits else {
            return Ok(true);
        };
        if maximum.is_some_and(|m| desired > m) || desired > limits.instance {
            return Ok(false);
        }
        Ok(self.grow(limits.call_stack, desired.saturating_sub(current)))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> anyhow::Result<bool> {
        let Some(limits) = self.kernel.cm.machine.rules.memory_limits else {
            return Ok(true);
        };
        if maximum.is_some_and(|m| desired > m) {
            return Ok(false);
        }
        let bytes = desired.saturating_sub(current).saturating_mul(8);
        Ok(self.grow(limits.call_stack, bytes))
    }
}

impl InvocationData {
    /// Adds `bytes` to the call stack's memory unless that passes `limit`.
    fn grow(&mut self, limit: usize, bytes: usize) -> bool {
        let cm = &mut self.kernel.cm;
        let total = cm.memory_used.saturating_add(bytes);
        if total > limit {
            return false;
        }
        cm.memory_used = total;
        true
    }
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
    ctx.data_mut().last_milligas = avail;
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
    data.kernel
        .cm
        .gas
        .charge("wasm_exec", Gas::from_milligas(used))
        .map_err(Abort::from_exec)
}
