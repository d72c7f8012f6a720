//! The engine: compiles actor WASM once per code CID (after [instrumenting](instrument) it)
//! and runs one invocation at a time in a fresh wasmtime store.
//!
//! Its wasmtime configuration mirrors the reference's, so exactly the same modules validate:
//! MVP plus bulk memory, deterministic NaNs, a native stack far above the instrumented limit.
mod abi;
pub mod instrument;
pub mod linker;
pub mod metering;

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

/// How an invocation stopped, when it did not return.
#[derive(Debug, thiserror::Error)]
pub enum Abort {
    /// With an exit code: an abort, a trap, or a missing return block.
    #[error("exit {0}: {1}")]
    Exit(ExitCode, String),
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
                    Abort::Exit(ExitCode::SYS_ILLEGAL_INSTRUCTION, trap.to_string())
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
    pre: Option<InstancePre<InvocationData>>,
}

struct Inner {
    engine: wasmtime::Engine,
    linker: wasmtime::Linker<InvocationData>,
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
        let mut linker = wasmtime::Linker::new(&engine);
        linker::bind_syscalls(&mut linker)?;
        Ok(Engine(Arc::new(Inner {
            engine,
            linker,
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
        self.lock()?.insert(key, Compiled { module, pre: None });
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
    ) -> anyhow::Result<InstancePre<InvocationData>> {
        let mut modules = self.lock()?;
        let compiled = modules
            .get_mut(&(*code, *metering))
            .ok_or_else(|| anyhow!("actor code not found"))?;
        if compiled.pre.is_none() {
            let pre = self
                .0
                .linker
                .instantiate_pre(&compiled.module)
                .context("failed to link actor module")?;
            compiled.pre = Some(pre);
        }
        compiled
            .pre
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
        let mut store = Store::new(&self.0.engine, data);
        let res = self.run(&mut store, code, params_id);
        (res, store.into_data().kernel)
    }

    fn run(
        &self,
        store: &mut Store<InvocationData>,
        code: &Cid,
        params_id: u32,
    ) -> Result<u32, Abort> {
        let metering = store.data().kernel.cm.machine.rules.metering();
        let pre = self.instance_pre(code, &metering).map_err(Abort::Fatal)?;
        let instance = pre.instantiate(&mut *store).map_err(Abort::Fatal)?;
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
    data.last_milligas = now;
    data.kernel
        .cm
        .gas
        .charge("wasm_exec", Gas::from_milligas(used))
        .map_err(Abort::from_exec)
}
