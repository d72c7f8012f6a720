//! Skyr's Hygge metering against fvm 3.14.2's instrumenter (fvm-wasm-instrument 0.4.0 with
//! the reference's own nv18 prices): the same modules, instrumented both ways, run side by
//! side in wasmtime with the same gas. Every exported function must end the same way (value
//! or trap) with the same gas left, with plenty of gas and with half of what it needs; and a
//! module one side refuses the other must refuse too.
use arbitrary::Unstructured;
use skyr::engine::instrument::{instrument, GAS_GLOBAL};
use skyr::engine::metering::{Metering, START_EXPORT};
use skyr::rules::rules_for_number;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function,
    FunctionSection, Instruction as I, MemArg, MemorySection, MemoryType, Module, TypeSection,
    ValType,
};
use wasmtime::{Engine, Extern, Global, GlobalType, Linker, Mutability, Store, Val, ValType as V};

/// The reference's stack limit.
const MAX_STACK: u32 = 2048;

/// Hygge's metering as Skyr derives it from its rules. The nv18 row does not exist yet, so
/// it is the nv16–17 rules with the Hygge price list and fvm 3's instrumenter quirk.
fn hygge_metering() -> Metering {
    let mut rules = rules_for_number(17).expect("nv17 rules").clone();
    rules.prices = &skyr::gas::HYGGE_PRICES;
    rules.instrumenter = skyr::engine::metering::Instrumenter::V0_4;
    rules.metering()
}

/// The reference's instrumentation, as its engine applies it: stack limiter, then gas.
fn reference(wasm: &[u8]) -> anyhow::Result<Vec<u8>> {
    let nc = fvm3::machine::NetworkConfig::new(fvm_shared3::version::NetworkVersion::V18);
    let prices = fvm3::engine::EngineConfig::from(&nc).wasm_prices;
    let limited = fvm_wasm_instrument::stack_limiter::inject(wasm, MAX_STACK)?;
    fvm_wasm_instrument::gas_metering::inject(&limited, prices, "gas")
}

fn engine() -> Engine {
    let mut c = wasmtime::Config::new();
    c.wasm_bulk_memory(true);
    c.wasm_multi_value(false);
    c.wasm_relaxed_simd(false);
    c.wasm_simd(false);
    c.cranelift_nan_canonicalization(true);
    Engine::new(&c).expect("engine")
}

/// How one call ended: returned values or a trap, and the gas counter after.
#[derive(Debug, PartialEq)]
struct Ending {
    result: Result<Vec<String>, String>,
    gas_left: i64,
}

fn zero(t: &V) -> Val {
    match t {
        V::I32 => Val::I32(0),
        V::I64 => Val::I64(0),
        V::F32 => Val::F32(0),
        V::F64 => Val::F64(0),
        _ => Val::I32(0),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32 {x}"),
        Val::I64(x) => format!("i64 {x}"),
        Val::F32(x) => format!("f32 {x:#x}"),
        Val::F64(x) => format!("f64 {x:#x}"),
        other => format!("{other:?}"),
    }
}

/// Instantiates `wasm` (a fresh instance per call) and calls export `name` with zeros.
/// `reference` modules import their counter; Skyr's export it.
fn call(engine: &Engine, wasm: &[u8], reference: bool, name: &str, gas: i64) -> Ending {
    let module = wasmtime::Module::new(engine, wasm).expect("instrumented code compiles");
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    let counter = Global::new(
        &mut store,
        GlobalType::new(V::I64, Mutability::Var),
        Val::I64(gas),
    )
    .expect("global");
    if reference {
        linker
            .define(&store, "gas", "gas_counter", counter)
            .expect("define");
    }
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            // The reference's start function ran on the counter it imported.
            let gas_left = if reference {
                counter.get(&mut store).i64().expect("i64 counter")
            } else {
                gas
            };
            return Ending {
                result: Err(format!("instantiation: {}", trap_kind(&e))),
                gas_left,
            };
        }
    };
    let counter = if reference {
        counter
    } else {
        let g = instance
            .get_global(&mut store, GAS_GLOBAL)
            .expect("skyr exports its counter");
        g.set(&mut store, Val::I64(gas)).expect("set");
        // The start function, run once the counter is set: still part of instantiation.
        if let Some(start) = instance.get_func(&mut store, START_EXPORT) {
            if let Err(e) = start.call(&mut store, &[], &mut []) {
                let gas_left = g.get(&mut store).i64().expect("i64 counter");
                return Ending {
                    result: Err(format!("instantiation: {}", trap_kind(&e))),
                    gas_left,
                };
            }
        }
        g
    };
    let Some(Extern::Func(f)) = instance.get_export(&mut store, name) else {
        panic!("no function {name}");
    };
    let ty = f.ty(&store);
    let params: Vec<Val> = ty.params().map(|t| zero(&t)).collect();
    let mut results: Vec<Val> = ty.results().map(|t| zero(&t)).collect();
    let result = f
        .call(&mut store, &params, &mut results)
        .map(|()| results.iter().map(show).collect())
        .map_err(|e| trap_kind(&e));
    let gas_left = counter.get(&mut store).i64().expect("i64 counter");
    Ending { result, gas_left }
}

fn trap_kind(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(t) => format!("trap {t}"),
        None => format!("error {e}"),
    }
}

/// Names of the functions a module exports.
fn exported_functions(engine: &Engine, wasm: &[u8]) -> Vec<String> {
    let module = wasmtime::Module::new(engine, wasm).expect("instrumented code compiles");
    module
        .exports()
        .filter(|e| matches!(e.ty(), wasmtime::ExternType::Func(_)))
        .map(|e| e.name().to_string())
        .collect()
}

/// What happened to one module.
#[derive(Default)]
struct Tally {
    modules: usize,
    refused_by_both: usize,
    calls: usize,
    differ: Vec<String>,
}

impl Tally {
    fn check(&mut self, engine: &Engine, what: &str, wasm: &[u8], metering: &Metering) {
        self.modules += 1;
        let ours = instrument(wasm, MAX_STACK, metering);
        let theirs = reference(wasm);
        let (ours, theirs) = match (ours, theirs) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(a), Err(b)) => {
                if std::env::var_os("SKYR_SHOW_REFUSALS").is_some() {
                    println!("{what}: skyr {a:#}; reference {b:#}");
                }
                self.refused_by_both += 1;
                return;
            }
            (a, b) => {
                self.differ.push(format!(
                    "{what}: skyr {:?}, reference {:?}",
                    a.map(|_| "instruments"),
                    b.map(|_| "instruments")
                ));
                return;
            }
        };
        for name in exported_functions(engine, &theirs) {
            let plenty = 1_000_000_000_000i64;
            let full = call(engine, &ours, false, &name, plenty);
            let reference_full = call(engine, &theirs, true, &name, plenty);
            self.compare(format!("{what} {name} (plenty)"), full, reference_full);
            // Half of what it used on the reference: out of gas part way.
            let used = plenty - call(engine, &theirs, true, &name, plenty).gas_left;
            if used > 1 {
                let half = used / 2;
                let ours_half = call(engine, &ours, false, &name, half);
                let theirs_half = call(engine, &theirs, true, &name, half);
                self.compare(format!("{what} {name} (half)"), ours_half, theirs_half);
            }
        }
    }

    fn compare(&mut self, what: String, skyr: Ending, reference: Ending) {
        self.calls += 1;
        if skyr != reference {
            self.differ
                .push(format!("{what}: skyr {skyr:?}, reference {reference:?}"));
        }
    }

    fn finish(self, label: &str, min_calls: usize) {
        println!(
            "{label}: {} modules ({} refused by both), {} calls compared, {} differ",
            self.modules,
            self.refused_by_both,
            self.calls,
            self.differ.len()
        );
        assert!(self.differ.is_empty(), "{}", self.differ.join("\n"));
        assert!(
            self.calls >= min_calls,
            "only {} calls compared: the modules do not exercise the metering",
            self.calls
        );
    }
}

/// A module of one memory (1 page, up to 4), a passive data segment, and the functions given
/// (no parameters, one i32 result), exported as `f0`, `f1`…
fn module_of(bodies: Vec<Vec<I<'static>>>) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let mut funcs = FunctionSection::new();
    let mut exports = ExportSection::new();
    let mut code = CodeSection::new();
    for (i, body) in bodies.iter().enumerate() {
        funcs.function(0);
        exports.export(&format!("f{i}"), ExportKind::Func, i as u32);
        let mut f = Function::new([(1, ValType::I32)]);
        for ins in body {
            f.instruction(ins);
        }
        code.function(&f);
    }
    let mut mems = MemorySection::new();
    mems.memory(MemoryType {
        minimum: 1,
        maximum: Some(4),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut data = DataSection::new();
    data.active(0, &ConstExpr::i32_const(8), b"skyr hygge".iter().copied());
    let mut m = Module::new();
    m.section(&types);
    m.section(&funcs);
    m.section(&mems);
    m.section(&exports);
    m.section(&wasm_encoder::DataCountSection { count: 1 });
    m.section(&code);
    m.section(&data);
    m.finish()
}

fn mem() -> MemArg {
    MemArg {
        offset: 0,
        align: 0,
        memory_index: 0,
    }
}

/// Hand-written bodies for each linearly priced instruction, with constant and computed
/// lengths, and for the block cutting around `br_table`.
fn hand_written() -> Vec<(String, Vec<u8>)> {
    let computed = |n: i32| vec![I::I32Const(n - 1), I::I32Const(1), I::I32Add];
    let fill = |len: Vec<I<'static>>| {
        let mut b = vec![I::I32Const(16), I::I32Const(7)];
        b.extend(len);
        b.extend([I::MemoryFill(0), I::I32Const(1), I::End]);
        b
    };
    let copy = |len: Vec<I<'static>>| {
        let mut b = vec![I::I32Const(100), I::I32Const(8)];
        b.extend(len);
        b.extend([
            I::MemoryCopy {
                src_mem: 0,
                dst_mem: 0,
            },
            I::I32Const(100),
            I::I32Load(mem()),
            I::End,
        ]);
        b
    };
    let grow = |pages: Vec<I<'static>>| {
        let mut b = pages;
        b.extend([I::MemoryGrow(0), I::End]);
        b
    };
    // A br_table whose default leaves the outer block: code after the inner block may not run.
    let table = |index: i32| {
        vec![
            I::Block(BlockType::Empty),
            I::Block(BlockType::Empty),
            I::I32Const(index),
            I::BrTable(vec![0].into(), 1),
            I::End,
            I::I32Const(5),
            I::I32Const(6),
            I::I32Add,
            I::LocalSet(0),
            I::End,
            I::LocalGet(0),
            I::End,
        ]
    };
    let loop_fill = vec![
        I::Loop(BlockType::Empty),
        I::LocalGet(0),
        I::I32Const(1),
        I::I32Add,
        I::LocalTee(0),
        I::I32Const(0),
        I::LocalGet(0),
        I::MemoryFill(0),
        I::LocalGet(0),
        I::I32Const(50),
        I::I32LtU,
        I::BrIf(0),
        I::End,
        I::LocalGet(0),
        I::End,
    ];
    let cases: Vec<(&str, Vec<Vec<I<'static>>>)> = vec![
        (
            "memory.fill",
            vec![
                fill(vec![I::I32Const(300)]),
                fill(computed(300)),
                fill(computed(70000)),
            ],
        ),
        (
            "memory.copy",
            vec![
                copy(vec![I::I32Const(10)]),
                copy(computed(10)),
                copy(computed(0)),
            ],
        ),
        (
            "memory.grow",
            vec![
                grow(vec![I::I32Const(1)]),
                grow(computed(2)),
                grow(computed(9)),
            ],
        ),
        ("br_table", vec![table(0), table(1), table(7)]),
        ("loop of fills", vec![loop_fill]),
    ];
    cases
        .into_iter()
        .map(|(name, bodies)| (name.to_string(), module_of(bodies)))
        .collect()
}

/// A random module of seed `i` (MVP plus bulk memory, one memory, everything exported); with
/// `post_mvp`, also sign extension and saturating truncation (the bundles of v12 on use
/// them).
fn generated(i: u64, post_mvp: bool) -> Option<Vec<u8>> {
    let bytes: Vec<u8> = (0u64..256)
        .flat_map(|block| {
            skyr_differential::keys::blake2b(&[i.to_be_bytes(), block.to_be_bytes()].concat())
        })
        .collect();
    let config = wasm_smith::Config {
        export_everything: true,
        max_imports: 0,
        bulk_memory_enabled: true,
        multi_value_enabled: false,
        // Reference types make wasm-smith write `ref.null` everywhere, which both refuse.
        reference_types_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        saturating_float_to_int_enabled: post_mvp,
        sign_extension_ops_enabled: post_mvp,
        tail_call_enabled: false,
        threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        memory64_enabled: false,
        max_memories: 1,
        min_memories: 1,
        max_memory32_bytes: 16 << 16,
        max_tables: 1,
        min_funcs: 2,
        max_funcs: 12,
        max_instructions: 300,
        max_nesting_depth: 8,
        max_data_segments: 4,
        max_element_segments: 4,
        ..Default::default()
    };
    let mut u = Unstructured::new(&bytes);
    let mut m = wasm_smith::Module::new(config, &mut u).ok()?;
    m.ensure_termination(2_000).ok()?;
    Some(m.to_bytes())
}

#[test]
fn hand_written_bulk_memory_and_branches_meter_as_fvm3() {
    let engine = engine();
    let metering = hygge_metering();
    let mut t = Tally::default();
    for (name, wasm) in hand_written() {
        t.check(&engine, &name, &wasm, &metering);
    }
    t.finish("hand-written modules", 20);
}

#[test]
fn generated_modules_meter_as_fvm3() {
    let engine = engine();
    let metering = hygge_metering();
    let mut t = Tally::default();
    for i in 0..600 {
        if let Some(wasm) = generated(i, false) {
            t.check(&engine, &format!("generated module {i}"), &wasm, &metering);
        }
    }
    t.finish("generated modules", 1000);
}

/// Modules with operators 0.4 accepts beyond MVP and bulk memory: accepted and refused
/// alike, and metered alike.
#[test]
fn generated_post_mvp_modules_meter_as_fvm3() {
    let engine = engine();
    let metering = hygge_metering();
    let mut t = Tally::default();
    for i in 1000..1300 {
        if let Some(wasm) = generated(i, true) {
            t.check(
                &engine,
                &format!("generated post-MVP module {i}"),
                &wasm,
                &metering,
            );
        }
    }
    t.finish("generated post-MVP modules", 400);
}

/// The Skyr metering still cuts and prices code as fvm 2's instrumenter did (checked through
/// the machines by the nv17 table); here only that it differs from Hygge's where it must.
#[test]
fn skyr_metering_ignores_lengths() {
    let wasm = &hand_written()[0].1;
    let ours = instrument(wasm, MAX_STACK, &Metering::SKYR).expect("instrument");
    let engine = engine();
    let plenty = 1_000_000_000;
    let a = call(&engine, &ours, false, "f0", plenty);
    let b = call(&engine, &ours, false, "f2", plenty);
    // f0 fills 300 bytes, f2 70000; under Skyr only the instruction count matters.
    assert_eq!(a.result, Ok(vec!["i32 1".to_string()]));
    assert_eq!(plenty - a.gas_left + 8000, plenty - b.gas_left);
}

/// A module whose exported `f0` recurses (counting in a global) until the stack limit traps
/// it, its one function declaring `locals` as the groups given: the depth it reaches, and so
/// the gas left, depends on how locals count toward a function's stack cost.
fn recursing(locals: &[(u32, ValType)]) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    let mut globals = wasm_encoder::GlobalSection::new();
    globals.global(
        wasm_encoder::GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(0),
    );
    let mut exports = ExportSection::new();
    exports.export("f0", ExportKind::Func, 0);
    let mut f = Function::new(locals.iter().copied());
    for ins in [
        I::GlobalGet(0),
        I::I32Const(1),
        I::I32Add,
        I::GlobalSet(0),
        I::GlobalGet(0),
        I::I32Const(100_000),
        I::I32LtU,
        I::If(BlockType::Result(ValType::I32)),
        I::Call(0),
        I::Else,
        I::GlobalGet(0),
        I::End,
        I::End,
    ] {
        f.instruction(&ins);
    }
    let mut code = CodeSection::new();
    code.function(&f);
    let mut m = Module::new();
    m.section(&types);
    m.section(&funcs);
    m.section(&globals);
    m.section(&exports);
    m.section(&code);
    m.finish()
}

/// fvm-wasm-instrument 0.4 counts a function's locals by declaration group: recursion stops
/// at the same depth (the same gas left at the trap) as under fvm 3 whatever the grouping.
#[test]
fn recursion_stops_where_fvm3_stops_it_whatever_the_local_groups() {
    let engine = engine();
    let metering = hygge_metering();
    let mut t = Tally::default();
    for (what, locals) in [
        ("no locals", vec![]),
        ("one group of 5", vec![(5, ValType::I32)]),
        (
            "three groups of one",
            vec![(1, ValType::I32), (1, ValType::I64), (1, ValType::I32)],
        ),
        (
            "groups of 3 and 40",
            vec![(3, ValType::I64), (40, ValType::I32)],
        ),
    ] {
        let wasm = recursing(&locals);
        t.check(&engine, &format!("recursion, {what}"), &wasm, &metering);
        let ours = instrument(&wasm, MAX_STACK, &metering).expect("instruments");
        let ending = call(&engine, &ours, false, "f0", 1_000_000_000_000);
        assert!(
            ending
                .result
                .as_ref()
                .is_err_and(|e| e.contains("unreachable")),
            "{what}: the stack limit must stop it: {:?}",
            ending.result
        );
    }
    t.finish("recursion", 4);
}
