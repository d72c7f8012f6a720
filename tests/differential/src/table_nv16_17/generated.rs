//! Random modules (wasm-smith, MVP plus bulk memory, fixed seeds) in place of the test actor:
//! whatever code they hold, both machines must meter it, limit its stack, trap, and accept
//! or refuse it identically. A broad net for the instrumentation.
use arbitrary::Unstructured;
use skyr_test_program::METHOD_RUN;
use wasm_encoder::{EntityType, ImportSection, Instruction, Module, TypeSection, ValType};

use crate::scenario_nv16_17::{test_actor, Builder, Msg, Scenario, Sender};

/// How many random modules the table holds.
pub const COUNT: u64 = 300;

/// How many random modules calling syscalls the table holds.
pub const SYSCALL_COUNT: u64 = 300;

/// Every syscall of the ABI with its parameter types (`i` i32, `I` i64); all return i32.
const SYSCALLS: &[(&str, &str, &str)] = &[
    ("actor", "resolve_address", "iii"),
    ("actor", "get_actor_code_cid", "iIii"),
    ("actor", "get_builtin_actor_type", "ii"),
    ("actor", "get_code_cid_for_type", "iiii"),
    ("actor", "new_actor_address", "iii"),
    ("actor", "create_actor", "Ii"),
    ("crypto", "verify_signature", "iiiiiiii"),
    ("crypto", "recover_secp_public_key", "iii"),
    ("crypto", "hash", "iIiiii"),
    ("crypto", "compute_unsealed_sector_cid", "iIiiii"),
    ("crypto", "verify_seal", "iii"),
    ("crypto", "verify_post", "iii"),
    ("crypto", "verify_consensus_fault", "iiiiiii"),
    ("crypto", "verify_aggregate_seals", "iii"),
    ("crypto", "verify_replica_update", "iii"),
    ("crypto", "batch_verify_seals", "iii"),
    ("debug", "enabled", "i"),
    ("debug", "log", "ii"),
    ("debug", "store_artifact", "iiii"),
    ("gas", "charge", "iiI"),
    ("ipld", "block_open", "ii"),
    ("ipld", "block_create", "iIii"),
    ("ipld", "block_read", "iiiii"),
    ("ipld", "block_stat", "ii"),
    ("ipld", "block_link", "iiIiii"),
    ("network", "base_fee", "i"),
    ("network", "total_fil_circ_supply", "i"),
    ("rand", "get_chain_randomness", "iIIii"),
    ("rand", "get_beacon_randomness", "iIIii"),
    ("send", "send", "iiiIiII"),
    ("self", "root", "iii"),
    ("self", "set_root", "i"),
    ("self", "current_balance", "i"),
    ("self", "self_destruct", "ii"),
    ("vm", "abort", "iii"),
    ("vm", "context", "i"),
];

/// A module importing every syscall: what generated modules may import.
fn syscall_imports() -> Vec<u8> {
    let mut m = Module::new();
    let mut t = TypeSection::new();
    let mut imports = ImportSection::new();
    for (i, (module, name, params)) in SYSCALLS.iter().enumerate() {
        let params: Vec<ValType> = params
            .chars()
            .map(|c| if c == 'I' { ValType::I64 } else { ValType::I32 })
            .collect();
        t.ty().function(params, vec![ValType::I32]);
        imports.import(module, name, EntityType::Function(i as u32));
    }
    m.section(&t);
    m.section(&imports);
    m.finish()
}

/// The exports every generated module must have: `invoke: (i32) -> i32` and `memory`.
fn shape() -> Vec<u8> {
    super::modules::M::actor()
        .invoke(vec![], vec![Instruction::Unreachable, Instruction::End])
        .encode()
}

fn config(bulk: bool, syscalls: bool) -> wasm_smith::Config {
    wasm_smith::Config {
        exports: Some(shape()),
        available_imports: syscalls.then(syscall_imports),
        max_imports: if syscalls { 12 } else { 0 },
        min_imports: if syscalls { 4 } else { 0 },
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

/// The module of seed `i`, made to terminate (a fuel counter traps runaway loops); with
/// `syscalls`, it imports some of the ABI's syscalls, and its `invoke` first calls each of
/// them once with arguments drawn from the seed, then runs the generated code (which may
/// call them again with whatever it has).
pub fn module(i: u64, syscalls: bool) -> Option<Vec<u8>> {
    let bytes = seed_bytes(i + if syscalls { 1 << 32 } else { 0 });
    // Half the seeds use bulk memory (which brings passive segments the FVM refuses).
    module_from(
        &bytes,
        i.is_multiple_of(2) && !syscalls,
        syscalls,
        &crate::keys::blake2b(&i.to_be_bytes()),
    )
}

/// The module wasm-smith builds from `bytes` (the fuzz targets' entry: any bytes give a
/// module or `None`), made to terminate; with `syscalls`, importing the fvm_sdk 2 ABI's
/// syscalls and calling each once first with arguments `prologue_seed` picks.
pub fn module_from(
    bytes: &[u8],
    bulk: bool,
    syscalls: bool,
    prologue_seed: &[u8; 32],
) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(bytes);
    let mut m = wasm_smith::Module::new(config(bulk, syscalls), &mut u).ok()?;
    m.ensure_termination(1_000).ok()?;
    let wasm = m.to_bytes();
    if syscalls {
        call_imports_first(&wasm, prologue_seed)
    } else {
        Some(wasm)
    }
}

/// Argument values a syscall prologue draws from: small, in the scratch-like low memory,
/// at page edges, negative and huge.
const ARGS: [i64; 12] = [
    0,
    1,
    4,
    32,
    100,
    1024,
    65_535,
    65_536,
    -1,
    0x7fff_ffff,
    0xffff_fff0,
    i64::MAX,
];

/// Rewrites `wasm` so that its `invoke` export runs a new function first: one call of each
/// imported function (every import is a syscall) with arguments picked by `seed`, results
/// dropped, then the original `invoke`. The start section is dropped; the rest of the
/// module is copied as it is.
fn call_imports_first(wasm: &[u8], seed: &[u8; 32]) -> Option<Vec<u8>> {
    use wasmparser::{Parser, Payload, TypeRef};
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut imported: Vec<u32> = Vec::new();
    let mut defined: Vec<u32> = Vec::new();
    let mut invoke = None;
    for p in Parser::new(0).parse_all(wasm) {
        match p.ok()? {
            Payload::TypeSection(r) => {
                for t in r.into_iter_err_on_gc_types() {
                    types.push(t.ok()?);
                }
            }
            Payload::ImportSection(r) => {
                for i in r {
                    if let TypeRef::Func(t) = i.ok()?.ty {
                        imported.push(t);
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for t in r {
                    defined.push(t.ok()?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e.ok()?;
                    if e.name == "invoke" && e.kind == wasmparser::ExternalKind::Func {
                        invoke = Some(e.index);
                    }
                }
            }
            _ => {}
        }
    }
    let invoke = invoke?;
    let all: Vec<u32> = imported.iter().chain(&defined).copied().collect();
    let invoke_type = *all.get(invoke as usize)?;
    let new_index = all.len() as u32;
    // The prologue's body.
    let mut f = wasm_encoder::Function::new([]);
    let mut pick = seed.iter().cycle().copied();
    for (idx, t) in imported.iter().enumerate() {
        let ty = types.get(*t as usize)?;
        for p in ty.params() {
            let v = ARGS[pick.next()? as usize % ARGS.len()];
            match p {
                wasmparser::ValType::I64 => f.instruction(&Instruction::I64Const(v)),
                _ => f.instruction(&Instruction::I32Const(v as i32)),
            };
        }
        f.instruction(&Instruction::Call(idx as u32));
        for _ in ty.results() {
            f.instruction(&Instruction::Drop);
        }
    }
    f.instruction(&Instruction::LocalGet(0));
    f.instruction(&Instruction::Call(invoke));
    f.instruction(&Instruction::End);
    // Re-emit: sections copied, the function, export and code sections extended.
    let mut out = wasm_encoder::Module::new();
    for p in Parser::new(0).parse_all(wasm) {
        let p = p.ok()?;
        match &p {
            Payload::FunctionSection(r) => {
                let mut s = wasm_encoder::FunctionSection::new();
                for t in r.clone() {
                    s.function(t.ok()?);
                }
                s.function(invoke_type);
                out.section(&s);
            }
            Payload::ExportSection(r) => {
                let mut s = wasm_encoder::ExportSection::new();
                for e in r.clone() {
                    let e = e.ok()?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => wasm_encoder::ExportKind::Func,
                        wasmparser::ExternalKind::Table => wasm_encoder::ExportKind::Table,
                        wasmparser::ExternalKind::Memory => wasm_encoder::ExportKind::Memory,
                        wasmparser::ExternalKind::Global => wasm_encoder::ExportKind::Global,
                        wasmparser::ExternalKind::Tag => wasm_encoder::ExportKind::Tag,
                    };
                    let index = if e.name == "invoke" {
                        new_index
                    } else {
                        e.index
                    };
                    s.export(e.name, kind, index);
                }
                out.section(&s);
            }
            Payload::CodeSectionStart { range, .. } => {
                let mut s = wasm_encoder::CodeSection::new();
                let r = wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(
                    wasm.get(range.clone())?,
                    range.start,
                ))
                .ok()?;
                for body in r {
                    s.raw(wasm.get(body.ok()?.range())?);
                }
                s.function(&f);
                out.section(&s);
            }
            // A start function would run before the prologue (with no gas under fvm 2):
            // dropped, so every accepted module reaches its syscalls.
            Payload::StartSection { .. }
            | Payload::CodeSectionEntry(_)
            | Payload::Version { .. }
            | Payload::End(_) => {}
            other => {
                if let Some((id, range)) = other.as_section() {
                    out.section(&wasm_encoder::RawSection {
                        id,
                        data: wasm.get(range)?,
                    });
                }
            }
        }
    }
    Some(out.finish())
}

pub fn scenarios() -> Vec<Scenario> {
    let plain = (0..COUNT).map(|i| (i, false));
    let calling = (0..SYSCALL_COUNT).map(|i| (i, true));
    plain
        .chain(calling)
        .filter_map(|(i, syscalls)| {
            let wasm = module(i, syscalls)?;
            let to = test_actor(0);
            let kind = if syscalls {
                "generated syscall module"
            } else {
                "generated module"
            };
            let b = Builder::new(format!("{kind} {i}")).test_wasm(wasm).either();
            let b = if syscalls { b.reaches_a_syscall() } else { b };
            Some(
                b.msg(Msg::new(Sender::Secp(0), to, METHOD_RUN).gas(300_000_000))
                    .msg(Msg::new(Sender::Secp(0), to, METHOD_RUN).gas(1_000_000))
                    .build(),
            )
        })
        .collect()
}
