//! Rewrites an actor's WASM so it accounts for its own execution gas and stack depth.
//!
//! Two injections, in this order, both matching the reference's to the instruction:
//! 1. Stack accounting: a global stack height; every call to a defined function adds the
//!    callee's [stack cost](super::metering::stack_cost) before the call (trapping past the
//!    limit) and subtracts it after. Entry points (exports, table entries, start) get thunks
//!    that do the same, so outside calls are counted too.
//! 2. Gas: every [metered block](super::metering::metered_blocks) of every body (thunks
//!    included, so stack accounting is paid for) first subtracts its cost from a global gas
//!    counter and traps when the counter goes negative.
//!
//! The counter is a global the module exports as [`GAS_GLOBAL`]; the host sets it before a
//! call and reads it back at every syscall and at the end. Only what the reference's parser
//! accepts is accepted: MVP plus bulk memory, no imported globals, constant segment offsets.
use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    CodeSection, ConstExpr, ElementSection, Elements, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, Module, TypeSection,
    ValType,
};
use wasmparser::{
    BlockType, ElementItems, ElementKind, ExternalKind, Operator, Parser, Payload, TypeRef,
};

use super::metering::{
    metered_blocks, stack_cost, Arity, Instrumenter, Metering, ModuleTypes, START_EXPORT,
};

/// Name under which the instrumented module exports its gas counter (milligas left).
pub const GAS_GLOBAL: &str = "skyr::gas";

/// Local declarations of a body: (count, type) groups.
type Locals = Vec<(u32, wasmparser::ValType)>;

/// Everything instrumentation keeps from the parsed module.
#[derive(Default)]
struct Parsed<'a> {
    types: Vec<wasmparser::FuncType>,
    imports: Vec<wasmparser::Import<'a>>,
    func_types: Vec<u32>,
    imported_funcs: u32,
    tables: Vec<wasmparser::Table<'a>>,
    memories: Vec<wasmparser::MemoryType>,
    globals: Vec<wasmparser::Global<'a>>,
    exports: Vec<wasmparser::Export<'a>>,
    start: Option<u32>,
    elements: Vec<wasmparser::Element<'a>>,
    data_count: Option<u32>,
    bodies: Vec<(u32, Locals, Vec<Operator<'a>>)>,
    data: Vec<wasmparser::Data<'a>>,
}

fn is_const_i32(expr: &wasmparser::ConstExpr) -> Result<bool> {
    let mut r = expr.get_operators_reader();
    let first = r.read()?;
    let second = r.read()?;
    Ok(matches!(first, Operator::I32Const { .. }) && matches!(second, Operator::End) && r.eof())
}

fn parse(wasm: &[u8], instrumenter: Instrumenter) -> Result<Parsed<'_>> {
    let mut p = Parsed::default();
    let mut function_section = false;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(r) => {
                for ty in r.into_iter_err_on_gc_types() {
                    p.types.push(ty?);
                }
            }
            Payload::ImportSection(r) => {
                for imp in r {
                    let imp = imp?;
                    match imp.ty {
                        TypeRef::Func(t) => {
                            p.func_types.push(t);
                            p.imported_funcs += 1;
                        }
                        TypeRef::Global(_) => bail!(
                            "actors may not import globals ({}.{})",
                            imp.module,
                            imp.name
                        ),
                        TypeRef::Table(_) | TypeRef::Memory(_) => {}
                        TypeRef::Tag(_) => bail!("exception tags are not supported"),
                    }
                    p.imports.push(imp);
                }
            }
            Payload::FunctionSection(r) => {
                function_section = true;
                for t in r {
                    p.func_types.push(t?);
                }
            }
            Payload::TableSection(r) => {
                for t in r {
                    p.tables.push(t?);
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    p.memories.push(m?);
                }
            }
            Payload::GlobalSection(r) => {
                for g in r {
                    p.globals.push(g?);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    if e.name == GAS_GLOBAL {
                        bail!("export name {GAS_GLOBAL} is reserved");
                    }
                    p.exports.push(e);
                }
            }
            Payload::StartSection { func, .. } => p.start = Some(func),
            Payload::ElementSection(r) => {
                for e in r {
                    let e = e?;
                    if instrumenter.accepts_every_element_segment() {
                        // 0.4 checks the items of expression segments as if they were
                        // offsets (`i32.const` only), which no valid item is.
                        if let ElementItems::Expressions(_, r) = &e.items {
                            if r.count() > 0 {
                                bail!("element segments of expressions are not supported");
                            }
                        }
                        p.elements.push(e);
                        continue;
                    }
                    // The 0.2 parser reads only the MVP form of element segments (flags 0:
                    // active, table 0, function indices) and misreads the others, so modules
                    // holding them do not load there.
                    match &e.kind {
                        ElementKind::Active {
                            table_index: None,
                            offset_expr,
                        } => {
                            if !is_const_i32(offset_expr)? {
                                bail!("element segment offsets must be constant");
                            }
                        }
                        _ => {
                            bail!("only active element segments of table 0 (flags 0) are supported")
                        }
                    }
                    if !matches!(e.items, ElementItems::Functions(_)) {
                        bail!("element segments of expressions are not supported");
                    }
                    p.elements.push(e);
                }
            }
            Payload::DataCountSection { count, .. } => p.data_count = Some(count),
            Payload::CodeSectionEntry(body) => {
                let idx = p.imported_funcs + p.bodies.len() as u32;
                let mut locals = Vec::new();
                for l in body.get_locals_reader()? {
                    locals.push(l?);
                }
                let mut ops = Vec::new();
                let mut r = body.get_operators_reader()?;
                while !r.eof() {
                    ops.push(r.read()?);
                }
                p.bodies.push((idx, locals, ops));
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d?;
                    if let wasmparser::DataKind::Active { offset_expr, .. } = &d.kind {
                        if !is_const_i32(offset_expr)? {
                            bail!("data segment offsets must be constant");
                        }
                    }
                    p.data.push(d);
                }
            }
            Payload::Version { .. } | Payload::CustomSection(_) | Payload::End(_) => {}
            Payload::CodeSectionStart { .. } => {}
            other => bail!(
                "unsupported module section {:?}",
                std::mem::discriminant(&other)
            ),
        }
    }
    if instrumenter.requires_function_section() && !function_section {
        bail!("the module has no function section");
    }
    Ok(p)
}

/// The call sequence that accounts `cost` stack slots around a call to `callee`.
fn accounted_call(callee: u32, cost: u32, height: u32, limit: u32) -> [Operator<'static>; 15] {
    [
        Operator::GlobalGet {
            global_index: height,
        },
        Operator::I32Const { value: cost as i32 },
        Operator::I32Add,
        Operator::GlobalSet {
            global_index: height,
        },
        Operator::GlobalGet {
            global_index: height,
        },
        Operator::I32Const {
            value: limit as i32,
        },
        Operator::I32GtU,
        Operator::If {
            blockty: BlockType::Empty,
        },
        Operator::Unreachable,
        Operator::End,
        Operator::Call {
            function_index: callee,
        },
        Operator::GlobalGet {
            global_index: height,
        },
        Operator::I32Const { value: cost as i32 },
        Operator::I32Sub,
        Operator::GlobalSet {
            global_index: height,
        },
    ]
}

/// Instruments `wasm` for a stack limit of `max_stack` slots and metering `metering`.
/// Returns the new module bytes.
pub fn instrument(wasm: &[u8], max_stack: u32, metering: &Metering) -> Result<Vec<u8>> {
    let instrumenter = metering.instrumenter;
    let p = parse(wasm, instrumenter)?;
    let arity = |t: &wasmparser::FuncType| Arity {
        params: t.params().len() as u32,
        results: t.results().len() as u32,
    };
    let type_arity: Vec<Arity> = p.types.iter().map(arity).collect();
    let func_arity: Vec<Arity> = p
        .func_types
        .iter()
        .map(|t| {
            type_arity
                .get(*t as usize)
                .copied()
                .ok_or_else(|| anyhow!("bad type index {t}"))
        })
        .collect::<Result<_>>()?;
    let m = ModuleTypes {
        types: &type_arity,
        funcs: &func_arity,
        post_mvp: instrumenter.accepts_post_mvp_operators(),
    };

    // Stack costs of every function, from the original code; imports cost nothing.
    let mut costs = vec![0u32; p.func_types.len()];
    for (idx, locals, ops) in &p.bodies {
        let n_locals = if instrumenter.counts_local_groups() {
            u32::try_from(locals.len()).ok()
        } else {
            locals
                .iter()
                .try_fold(0u32, |acc, (n, _)| acc.checked_add(*n))
        };
        let n_locals = n_locals.ok_or_else(|| anyhow!("too many locals"))?;
        let results = func_arity[*idx as usize].results;
        costs[*idx as usize] =
            stack_cost(n_locals, results, ops, &m).map_err(|e| anyhow!("function {idx}: {e}"))?;
    }

    let height_global = p.globals.len() as u32;
    let gas_global = height_global + 1;

    // Thunks for entry points, in function index order.
    let mut thunks: BTreeMap<u32, u32> = BTreeMap::new();
    let entry_points = p
        .exports
        .iter()
        .filter(|e| e.kind == ExternalKind::Func)
        .map(|e| Ok(e.index))
        .chain(p.elements.iter().flat_map(|e| {
            match &e.items {
                ElementItems::Functions(r) => r
                    .clone()
                    .into_iter()
                    .map(|f| f.map_err(anyhow::Error::from))
                    .collect::<Vec<_>>(),
                ElementItems::Expressions(..) => Vec::new(),
            }
        }))
        .chain(p.start.map(Ok));
    for f in entry_points {
        let f = f?;
        let cost = *costs
            .get(f as usize)
            .ok_or_else(|| anyhow!("entry point {f} out of range"))?;
        if cost != 0 {
            thunks.insert(f, 0);
        }
    }
    for (next, idx) in (p.func_types.len() as u32..).zip(thunks.values_mut()) {
        *idx = next;
    }
    let fix = |f: u32| thunks.get(&f).copied().unwrap_or(f);

    // Bodies: original functions with accounted calls, then the thunks.
    let mut bodies: Vec<(u32, Locals, Vec<Operator>)> = Vec::new();
    for (idx, locals, ops) in &p.bodies {
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            match op {
                Operator::Call { function_index } if costs[*function_index as usize] > 0 => {
                    let c = costs[*function_index as usize];
                    out.extend(accounted_call(*function_index, c, height_global, max_stack));
                }
                other => out.push(other.clone()),
            }
        }
        bodies.push((func_arity[*idx as usize].params, locals.clone(), out));
    }
    for &f in thunks.keys() {
        let mut out: Vec<Operator> = (0..func_arity[f as usize].params)
            .map(|i| Operator::LocalGet { local_index: i })
            .collect();
        out.extend(accounted_call(
            f,
            costs[f as usize],
            height_global,
            max_stack,
        ));
        out.push(Operator::End);
        bodies.push((func_arity[f as usize].params, Vec::new(), out));
    }

    // Encode.
    let mut rt = RoundtripReencoder;
    let mut module = Module::new();
    let mut types = TypeSection::new();
    for t in &p.types {
        types.ty().function(
            t.params()
                .iter()
                .map(|v| rt.val_type(*v))
                .collect::<Result<Vec<_>, _>>()?,
            t.results()
                .iter()
                .map(|v| rt.val_type(*v))
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    module.section(&types);
    if !p.imports.is_empty() {
        let mut imports = ImportSection::new();
        for i in &p.imports {
            imports.import(i.module, i.name, rt.entity_type(i.ty)?);
        }
        module.section(&imports);
    }
    let mut funcs = FunctionSection::new();
    for t in &p.func_types[p.imported_funcs as usize..] {
        funcs.function(*t);
    }
    for &f in thunks.keys() {
        funcs.function(p.func_types[f as usize]);
    }
    module.section(&funcs);
    if !p.tables.is_empty() {
        let mut tables = wasm_encoder::TableSection::new();
        for t in &p.tables {
            rt.parse_table(&mut tables, t.clone())?;
        }
        module.section(&tables);
    }
    if !p.memories.is_empty() {
        let mut mems = wasm_encoder::MemorySection::new();
        for mt in &p.memories {
            mems.memory(rt.memory_type(*mt)?);
        }
        module.section(&mems);
    }
    let mut globals = GlobalSection::new();
    for g in &p.globals {
        globals.global(rt.global_type(g.ty)?, &rt.const_expr(g.init_expr.clone())?);
    }
    let mutable = |val_type| GlobalType {
        val_type,
        mutable: true,
        shared: false,
    };
    globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
    globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
    module.section(&globals);
    let mut exports = ExportSection::new();
    for e in &p.exports {
        let (kind, index) = match e.kind {
            ExternalKind::Func => (ExportKind::Func, fix(e.index)),
            ExternalKind::Table => (ExportKind::Table, e.index),
            ExternalKind::Memory => (ExportKind::Memory, e.index),
            ExternalKind::Global => (ExportKind::Global, e.index),
            ExternalKind::Tag => bail!("exception tags are not supported"),
        };
        exports.export(e.name, kind, index);
    }
    exports.export(GAS_GLOBAL, ExportKind::Global, gas_global);
    let start_later = instrumenter.start_runs_with_gas();
    if let (Some(s), true) = (p.start, start_later) {
        exports.export(START_EXPORT, ExportKind::Func, fix(s));
    }
    module.section(&exports);
    if let (Some(s), false) = (p.start, start_later) {
        module.section(&wasm_encoder::StartSection {
            function_index: fix(s),
        });
    }
    if !p.elements.is_empty() {
        let mut elems = ElementSection::new();
        for e in &p.elements {
            let funcs: Vec<u32> = match &e.items {
                ElementItems::Functions(r) => r
                    .clone()
                    .into_iter()
                    .map(|f| f.map(fix))
                    .collect::<Result<_, _>>()?,
                ElementItems::Expressions(..) => {
                    // Only empty ones get here (see `parse`): pass them through.
                    rt.parse_element(&mut elems, e.clone())?;
                    continue;
                }
            };
            let items = Elements::Functions(funcs.into());
            match &e.kind {
                ElementKind::Active {
                    offset_expr,
                    table_index,
                } => {
                    elems.active(*table_index, &rt.const_expr(offset_expr.clone())?, items);
                }
                ElementKind::Passive => {
                    elems.passive(items);
                }
                ElementKind::Declared => {
                    elems.declared(items);
                }
            }
        }
        module.section(&elems);
    }
    if let Some(count) = p.data_count {
        module.section(&wasm_encoder::DataCountSection { count });
    }
    let mut code = CodeSection::new();
    for (params, locals, ops) in &bodies {
        let charges = metered_blocks(ops, metering).map_err(|e| anyhow!("metering: {e}"))?;
        let mut decls = locals
            .iter()
            .map(|(n, t)| Ok((*n, rt.val_type(*t)?)))
            .collect::<Result<Vec<_>>>()?;
        // Charges per unit need the unit count twice: one more local keeps a copy.
        let scratch = locals
            .iter()
            .try_fold(*params, |acc, (n, _)| acc.checked_add(*n))
            .ok_or_else(|| anyhow!("too many locals"))?;
        if !charges.dynamic.is_empty() {
            decls.push((1, ValType::I32));
        }
        let mut f = Function::new(decls);
        let mut next_block = charges.blocks.iter().peekable();
        let mut next_dynamic = charges.dynamic.iter().peekable();
        for (pos, op) in ops.iter().enumerate() {
            if let Some(b) = next_block.next_if(|b| b.start == pos) {
                charge(&mut f, gas_global, b.cost);
            }
            if let Some(d) = next_dynamic.next_if(|d| d.pos == pos) {
                charge_per_unit(&mut f, gas_global, scratch, d.per_unit);
            }
            f.instruction(&rt.instruction(op.clone())?);
        }
        if next_block.next().is_some() || next_dynamic.next().is_some() {
            bail!("metering: two charges at the same instruction");
        }
        code.function(&f);
    }
    module.section(&code);
    if !p.data.is_empty() {
        let mut data = wasm_encoder::DataSection::new();
        for d in &p.data {
            match &d.kind {
                wasmparser::DataKind::Active {
                    memory_index,
                    offset_expr,
                } => {
                    data.active(
                        *memory_index,
                        &rt.const_expr(offset_expr.clone())?,
                        d.data.iter().copied(),
                    );
                }
                wasmparser::DataKind::Passive => {
                    data.passive(d.data.iter().copied());
                }
            }
        }
        module.section(&data);
    }
    Ok(module.finish())
}

/// Subtracts `cost` milligas from the counter and traps when it goes negative.
fn charge(f: &mut Function, gas: u32, cost: u64) {
    f.instruction(&Instruction::GlobalGet(gas));
    // As the reference: a cost past i64::MAX wraps.
    f.instruction(&Instruction::I64Const(cost as i64));
    f.instruction(&Instruction::I64Sub);
    trap_when_negative(f, gas);
}

/// Subtracts `per_unit` milligas times the unsigned i32 on top of the stack (left in place)
/// and traps when the counter goes negative.
fn charge_per_unit(f: &mut Function, gas: u32, scratch: u32, per_unit: u32) {
    f.instruction(&Instruction::LocalTee(scratch));
    f.instruction(&Instruction::GlobalGet(gas));
    f.instruction(&Instruction::LocalGet(scratch));
    f.instruction(&Instruction::I64ExtendI32U);
    f.instruction(&Instruction::I64Const(i64::from(per_unit)));
    f.instruction(&Instruction::I64Mul);
    f.instruction(&Instruction::I64Sub);
    trap_when_negative(f, gas);
}

/// Stores the new counter and traps when it is negative.
fn trap_when_negative(f: &mut Function, gas: u32) {
    f.instruction(&Instruction::GlobalSet(gas));
    f.instruction(&Instruction::GlobalGet(gas));
    f.instruction(&Instruction::I64Const(0));
    f.instruction(&Instruction::I64LtS);
    f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
    f.instruction(&Instruction::Unreachable);
    f.instruction(&Instruction::End);
}
