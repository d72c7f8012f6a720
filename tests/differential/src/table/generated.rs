//! Random modules (wasm-smith, MVP plus bulk memory, fixed seeds) in place of the test actor:
//! whatever code they hold, both machines must meter it, limit its stack, trap, and accept
//! or refuse it identically. A broad net for the instrumentation.
use arbitrary::Unstructured;
use skyr_test_program::METHOD_RUN;
use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, MemorySection,
    MemoryType, Module, TypeSection, ValType,
};

use crate::scenario::{test_actor, Builder, Msg, Scenario, Sender};

/// How many random modules the table holds.
pub const COUNT: u64 = 300;

/// The exports every generated module must have: `invoke: (i32) -> i32` and `memory`.
fn shape() -> Vec<u8> {
    let mut m = Module::new();
    let mut t = TypeSection::new();
    t.ty().function(vec![ValType::I32], vec![ValType::I32]);
    m.section(&t);
    let mut f = FunctionSection::new();
    f.function(0);
    m.section(&f);
    let mut mem = MemorySection::new();
    mem.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    m.section(&mem);
    let mut e = ExportSection::new();
    e.export("invoke", ExportKind::Func, 0);
    e.export("memory", ExportKind::Memory, 0);
    m.section(&e);
    let mut c = CodeSection::new();
    let mut body = Function::new(vec![]);
    body.instruction(&Instruction::Unreachable);
    body.instruction(&Instruction::End);
    c.function(&body);
    m.section(&c);
    m.finish()
}

fn config(bulk: bool) -> wasm_smith::Config {
    wasm_smith::Config {
        exports: Some(shape()),
        max_imports: 0,
        bulk_memory_enabled: bulk,
        multi_value_enabled: false,
        reference_types_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        saturating_float_to_int_enabled: false,
        sign_extension_ops_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        max_memories: 0,
        memory64_enabled: false,
        max_tables: 1,
        max_funcs: 20,
        max_instructions: 200,
        max_nesting_depth: 8,
        max_data_segments: 4,
        max_element_segments: 4,
        ..Default::default()
    }
}

/// Seed bytes for module `i`: blake2b in counter mode, so the table is the same everywhere.
fn seed_bytes(i: u64) -> Vec<u8> {
    (0u64..128)
        .flat_map(|block| crate::keys::blake2b(&[i.to_be_bytes(), block.to_be_bytes()].concat()))
        .collect()
}

/// The module of seed `i`, made to terminate (a fuel counter traps runaway loops).
pub fn module(i: u64) -> Option<Vec<u8>> {
    let bytes = seed_bytes(i);
    let mut u = Unstructured::new(&bytes);
    // Half the seeds use bulk memory (which brings passive segments the FVM refuses).
    let mut m = wasm_smith::Module::new(config(i.is_multiple_of(2)), &mut u).ok()?;
    m.ensure_termination(1_000).ok()?;
    Some(m.to_bytes())
}

pub fn scenarios() -> Vec<Scenario> {
    (0..COUNT)
        .filter_map(|i| {
            let wasm = module(i)?;
            let to = test_actor(0);
            Some(
                Builder::new(format!("generated module {i}"))
                    .test_wasm(wasm)
                    .either()
                    .msg(Msg::new(Sender::Secp(0), to, METHOD_RUN).gas(300_000_000))
                    .msg(Msg::new(Sender::Secp(0), to, METHOD_RUN).gas(1_000_000))
                    .build(),
            )
        })
        .collect()
}
