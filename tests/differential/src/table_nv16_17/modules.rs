//! Hand-made WASM modules in place of the test actor: which modules both machines accept,
//! how instrumentation meters unusual code, and how instantiation failures end a message.
use skyr_test_program::METHOD_RUN;
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, ElementSection, Elements, EntityType,
    ExportKind, ExportSection, Function, FunctionSection, GlobalSection, GlobalType, ImportSection,
    Instruction as I, MemArg, MemorySection, MemoryType, Module, RefType, StartSection,
    TableSection, TableType, TypeSection, ValType,
};

use crate::scenario_nv16_17::{Builder, Msg, Scenario, Sender};

/// A function: type index, local groups, body.
type Func = (u32, Vec<(u32, ValType)>, Vec<I<'static>>);

/// A module under construction: just enough structure for the cases here.
#[derive(Default)]
pub(crate) struct M {
    types: Vec<(Vec<ValType>, Vec<ValType>)>,
    imports: Vec<(&'static str, &'static str, EntityType)>,
    funcs: Vec<Func>,
    globals: Vec<(GlobalType, ConstExpr)>,
    exports: Vec<(&'static str, ExportKind, u32)>,
    /// The memory's minimum in pages (no maximum).
    pub(crate) memory: Option<u64>,
    /// The table's minimum in elements (funcref, no maximum).
    pub(crate) table: Option<u64>,
    extra_table: bool,
    elements: Vec<(ConstExpr, Vec<u32>)>,
    start: Option<u32>,
    data: Vec<(Option<ConstExpr>, Vec<u8>)>,
    data_count: bool,
}

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;

impl M {
    /// A module with memory, whose type 0 is (i32) -> i32, exporting "memory".
    pub(crate) fn actor() -> M {
        let mut m = M {
            memory: Some(1),
            ..Default::default()
        };
        m.types.push((vec![I32], vec![I32]));
        m.exports.push(("memory", ExportKind::Memory, 0));
        m
    }

    /// Adds a function of type `ty`; returns its index (imports come first).
    fn func(&mut self, ty: u32, locals: Vec<(u32, ValType)>, body: Vec<I<'static>>) -> u32 {
        let imported = self
            .imports
            .iter()
            .filter(|i| matches!(i.2, EntityType::Function(_)))
            .count() as u32;
        self.funcs.push((ty, locals, body));
        imported + self.funcs.len() as u32 - 1
    }

    /// Adds `invoke` with this body.
    pub(crate) fn invoke(mut self, locals: Vec<(u32, ValType)>, body: Vec<I<'static>>) -> M {
        let f = self.func(0, locals, body);
        self.exports.push(("invoke", ExportKind::Func, f));
        self
    }

    fn ty(&mut self, params: Vec<ValType>, results: Vec<ValType>) -> u32 {
        self.types.push((params, results));
        self.types.len() as u32 - 1
    }

    /// Adds a passive data segment (and the data count section bulk memory needs).
    fn with_passive_data(&mut self, bytes: &[u8]) {
        self.data.push((None, bytes.to_vec()));
        self.data_count = true;
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut m = Module::new();
        let mut t = TypeSection::new();
        for (p, r) in &self.types {
            t.ty().function(p.clone(), r.clone());
        }
        m.section(&t);
        if !self.imports.is_empty() {
            let mut s = ImportSection::new();
            for (module, name, ty) in &self.imports {
                s.import(module, name, *ty);
            }
            m.section(&s);
        }
        let mut f = FunctionSection::new();
        for (ty, _, _) in &self.funcs {
            f.function(*ty);
        }
        m.section(&f);
        if let Some(min) = self.table {
            let mut t = TableSection::new();
            let tt = TableType {
                element_type: RefType::FUNCREF,
                minimum: min,
                maximum: None,
                table64: false,
                shared: false,
            };
            t.table(tt);
            if self.extra_table {
                t.table(tt);
            }
            m.section(&t);
        }
        if let Some(min) = self.memory {
            let mut s = MemorySection::new();
            s.memory(MemoryType {
                minimum: min,
                maximum: None,
                memory64: false,
                shared: false,
                page_size_log2: None,
            });
            m.section(&s);
        }
        if !self.globals.is_empty() {
            let mut g = GlobalSection::new();
            for (ty, init) in &self.globals {
                g.global(*ty, init);
            }
            m.section(&g);
        }
        let mut e = ExportSection::new();
        for (name, kind, idx) in &self.exports {
            e.export(name, *kind, *idx);
        }
        m.section(&e);
        if let Some(s) = self.start {
            m.section(&StartSection { function_index: s });
        }
        if !self.elements.is_empty() {
            let mut s = ElementSection::new();
            for (off, funcs) in &self.elements {
                s.active(None, off, Elements::Functions(funcs.clone().into()));
            }
            m.section(&s);
        }
        if self.data_count {
            m.section(&wasm_encoder::DataCountSection {
                count: self.data.len() as u32,
            });
        }
        let mut c = CodeSection::new();
        for (_, locals, body) in &self.funcs {
            let mut func = Function::new(locals.clone());
            for i in body {
                func.instruction(i);
            }
            c.function(&func);
        }
        m.section(&c);
        if !self.data.is_empty() {
            let mut d = DataSection::new();
            for (off, bytes) in &self.data {
                match off {
                    Some(o) => d.active(0, o, bytes.iter().copied()),
                    None => d.passive(bytes.iter().copied()),
                };
            }
            m.section(&d);
        }
        m.finish()
    }
}

fn ret0() -> Vec<I<'static>> {
    vec![I::I32Const(0), I::End]
}

fn mem(offset: u64) -> MemArg {
    MemArg {
        offset,
        align: 0,
        memory_index: 0,
    }
}

/// A scenario running the module once, then once more (compiled code is reused).
fn case(name: &str, m: &M) -> Scenario {
    let to = crate::scenario_nv16_17::test_actor(0);
    Builder::new(format!("module: {name}"))
        .test_wasm(m.encode())
        .msg(Msg::new(Sender::Secp(0), to, METHOD_RUN))
        .msg(Msg::new(Sender::Secp(0), to, METHOD_RUN).gas(3_000_000))
        .build()
}

/// A minimal actor module with one post-MVP feature the FVM does not accept (the reference's
/// parser or wasmtime's configuration refuses it); both machines must refuse it.
struct Probe {
    name: &'static str,
    extra: fn(&mut Module),
    param: Option<Vec<ValType>>,
    elements: bool,
    declared: bool,
}

fn probe(name: &'static str, extra: fn(&mut Module)) -> Probe {
    Probe {
        name,
        extra,
        param: None,
        elements: false,
        declared: false,
    }
}

impl Probe {
    fn with_type(mut self, p: Vec<ValType>) -> Self {
        self.param = Some(p);
        self
    }
    fn with_elements(mut self, on: bool) -> Self {
        self.elements = on;
        self
    }
    fn with_declared(mut self) -> Self {
        self.declared = true;
        self
    }

    fn module(&self) -> Vec<u8> {
        let mut m = Module::new();
        let mut t = TypeSection::new();
        t.ty().function(vec![ValType::I32], vec![ValType::I32]);
        t.ty()
            .function(self.param.clone().unwrap_or_default(), vec![]);
        m.section(&t);
        let mut f = FunctionSection::new();
        f.function(0);
        f.function(1);
        m.section(&f);
        (self.extra)(&mut m);
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
        e.export("memory", ExportKind::Memory, 0);
        e.export("invoke", ExportKind::Func, 0);
        m.section(&e);
        if self.elements || self.declared {
            let mut el = ElementSection::new();
            let items =
                Elements::Expressions(RefType::FUNCREF, vec![ConstExpr::ref_func(1)].into());
            if self.declared {
                el.declared(items);
            } else {
                el.passive(items);
            }
            m.section(&el);
        }
        let mut c = CodeSection::new();
        let mut inv = Function::new(vec![]);
        inv.instruction(&I::I32Const(0));
        inv.instruction(&I::End);
        c.function(&inv);
        let mut other = Function::new(vec![]);
        other.instruction(&I::End);
        c.function(&other);
        m.section(&c);
        m.finish()
    }
}

impl From<Probe> for Scenario {
    fn from(p: Probe) -> Scenario {
        let to = crate::scenario_nv16_17::test_actor(0);
        Builder::new(format!("module refused: {}", p.name))
            .test_wasm(p.module())
            .refused()
            .msg(Msg::new(Sender::Secp(0), to, METHOD_RUN))
            .build()
    }
}

fn refused(name: &str, wasm: Vec<u8>) -> Scenario {
    Builder::new(format!("module refused: {name}"))
        .test_wasm(wasm)
        .refused()
        .msg(Msg::new(
            Sender::Secp(0),
            crate::scenario_nv16_17::test_actor(0),
            METHOD_RUN,
        ))
        .build()
}

pub fn scenarios() -> Vec<Scenario> {
    let mut v: Vec<Scenario> = Vec::new();
    v.push(case("returns nothing", &M::actor().invoke(vec![], ret0())));
    v.push(case(
        "unreachable",
        &M::actor().invoke(vec![], vec![I::Unreachable, I::End]),
    ));
    // Control flow the metering must cut exactly as the reference.
    let control = vec![
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(1),
        I::I32Const(1),
        I::I32Add,
        I::LocalTee(1),
        I::I32Const(37),
        I::I32LtU,
        I::BrIf(0),
        I::End,
        I::LocalGet(1),
        I::If(BlockType::Result(I32)),
        I::I32Const(5),
        I::Else,
        I::I32Const(6),
        I::End,
        I::Drop,
        I::Block(BlockType::Empty),
        I::Block(BlockType::Empty),
        I::Block(BlockType::Empty),
        I::LocalGet(1),
        I::I32Const(3),
        I::I32RemU,
        I::BrTable(vec![0, 1, 2].into(), 0),
        I::End,
        I::Nop,
        I::End,
        I::Nop,
        I::Nop,
        I::End,
        I::LocalGet(1),
        I::I32Eqz,
        I::BrIf(0),
        I::End,
        I::I32Const(0),
        I::Return,
        I::End,
    ];
    v.push(case(
        "loops, ifs, br_table, return",
        &M::actor().invoke(vec![(1, I32)], control),
    ));
    // Calls through a table, an export that is an import, a callee with many locals.
    let mut m = M::actor();
    m.table = Some(2);
    let callee = m.func(
        0,
        vec![(3, I64)],
        vec![I::LocalGet(0), I::I32Const(2), I::I32Mul, I::End],
    );
    m = m.invoke(
        vec![],
        vec![
            I::I32Const(20),
            I::I32Const(0),
            I::CallIndirect {
                type_index: 0,
                table_index: 0,
            },
            I::Drop,
            I::I32Const(0),
            I::End,
        ],
    );
    m.elements.push((ConstExpr::i32_const(0), vec![callee]));
    v.push(case("call_indirect through a table", &m));
    let mut m = M::actor();
    m.table = Some(2);
    m = m.invoke(
        vec![],
        vec![
            I::I32Const(1),
            I::I32Const(1),
            I::CallIndirect {
                type_index: 0,
                table_index: 0,
            },
            I::End,
        ],
    );
    v.push(case("call_indirect to a null entry", &m));
    let mut m = M::actor();
    let big = m.func(0, vec![(5000, I64)], vec![I::LocalGet(0), I::End]);
    let m = m.invoke(
        vec![],
        vec![
            I::I32Const(1),
            I::Call(big),
            I::Drop,
            I::I32Const(0),
            I::End,
        ],
    );
    v.push(case("call a function with 5000 locals", &m));
    v.push(case(
        "invoke with 3000 locals",
        &M::actor().invoke(vec![(3000, I32)], ret0()),
    ));
    v.push(case(
        "invoke with 2040 locals",
        &M::actor().invoke(vec![(2040, I32)], ret0()),
    ));
    let mut m = M::actor();
    let rec = m.func(0, vec![(10, I64)], vec![]);
    m.funcs[0].2 = vec![
        I::LocalGet(0),
        I::If(BlockType::Empty),
        I::LocalGet(0),
        I::I32Const(1),
        I::I32Sub,
        I::Call(rec),
        I::Drop,
        I::End,
        I::I32Const(0),
        I::End,
    ];
    for n in [10i32, 100, 140, 145, 146, 147, 148, 149, 150, 160, 1000] {
        let mut mm = M::actor();
        mm.funcs = m.funcs.clone();
        let mm = mm.invoke(vec![], vec![I::I32Const(n), I::Call(rec), I::End]);
        v.push(case(&format!("recursion depth {n}"), &mm));
    }
    let mut m = M::actor();
    m.imports.push(("vm", "context", EntityType::Function(0)));
    m.exports.push(("invoke", ExportKind::Func, 0));
    v.push(case("invoke is an imported syscall", &m));
    // Bulk memory, passive data.
    let mut m = M::actor().invoke(
        vec![],
        vec![
            I::I32Const(100),
            I::I32Const(0),
            I::I32Const(4),
            I::MemoryInit {
                mem: 0,
                data_index: 0,
            },
            I::DataDrop(0),
            I::I32Const(200),
            I::I32Const(100),
            I::I32Const(4),
            I::MemoryCopy {
                src_mem: 0,
                dst_mem: 0,
            },
            I::I32Const(300),
            I::I32Const(7),
            I::I32Const(1000),
            I::MemoryFill(0),
            I::I32Const(1),
            I::MemoryGrow(0),
            I::Drop,
            I::MemorySize(0),
            I::Drop,
            I::I32Const(0),
            I::End,
        ],
    );
    m.with_passive_data(b"abcd");
    v.push(case("bulk memory and passive data", &m));
    let mut m = M::actor().invoke(
        vec![],
        vec![
            I::I32Const(0),
            I::I32Const(0),
            I::I32Const(8),
            I::MemoryInit {
                mem: 0,
                data_index: 0,
            },
            I::I32Const(0),
            I::End,
        ],
    );
    m.with_passive_data(b"abcd");
    v.push(case("memory.init past the segment", &m));
    let mut m = M::actor().invoke(
        vec![],
        vec![I::I32Const(0), I::I32Load(mem(65_536)), I::End],
    );
    m.data
        .push((Some(ConstExpr::i32_const(8)), b"xyz".to_vec()));
    v.push(case("load past memory", &m));
    // Globals, start functions, exports.
    let mut m = M::actor().invoke(
        vec![],
        vec![
            I::GlobalGet(0),
            I::I32Const(1),
            I::I32Add,
            I::GlobalSet(0),
            I::GlobalGet(0),
            I::Drop,
            I::I32Const(0),
            I::End,
        ],
    );
    m.globals.push((
        GlobalType {
            val_type: I32,
            mutable: true,
            shared: false,
        },
        ConstExpr::i32_const(41),
    ));
    m.exports.push(("counter", ExportKind::Global, 0));
    v.push(case("mutable exported global", &m));
    let mut m = M::actor();
    let void = m.ty(vec![], vec![]);
    let s = m.func(void, vec![], vec![I::Nop, I::End]);
    m.start = Some(s);
    v.push(case("start function", &m.invoke(vec![], ret0())));
    v.push(case("no memory export", &{
        let mut m = M::actor().invoke(vec![], ret0());
        m.exports.retain(|e| e.0 != "memory");
        m
    }));
    v.push(case("no invoke export", &M::actor()));
    let mut m = M::actor();
    let wrong = m.ty(vec![I64], vec![I32]);
    let f = m.func(wrong, vec![], ret0());
    m.exports.push(("invoke", ExportKind::Func, f));
    v.push(case("invoke of the wrong type", &m));
    let mut m = M::actor();
    m.imports.push(("vm", "nope", EntityType::Function(0)));
    v.push(case(
        "imports an unknown syscall",
        &m.invoke(vec![], ret0()),
    ));
    let mut m = M::actor();
    let t = m.ty(vec![I64], vec![]);
    m.imports.push(("vm", "abort", EntityType::Function(t)));
    v.push(case(
        "imports a syscall with the wrong type",
        &m.invoke(vec![], ret0()),
    ));
    let mut m = M::actor();
    m.imports
        .push(("gas", "remaining", EntityType::Function(0)));
    v.push(case(
        "imports a syscall the ABI lacks (gas.remaining)",
        &m.invoke(vec![], ret0()),
    ));
    let mut m = M::actor();
    m.extra_table = true;
    m.table = Some(1);
    v.push(case("two tables", &m.invoke(vec![], ret0())));
    // Reference types: wasmtime validates them, the reference's parser does not know them.
    v.push(Scenario::from(probe("externref table", |m| {
        let mut t = TableSection::new();
        t.table(TableType {
            element_type: RefType::EXTERNREF,
            minimum: 1,
            maximum: None,
            table64: false,
            shared: false,
        });
        m.section(&t);
    })));
    v.push(Scenario::from(
        probe("externref parameter", |_| {}).with_type(vec![ValType::Ref(RefType::EXTERNREF)]),
    ));
    v.push(Scenario::from(
        probe("element segment of expressions", |m| {
            let mut t = TableSection::new();
            t.table(TableType {
                element_type: RefType::FUNCREF,
                minimum: 1,
                maximum: None,
                table64: false,
                shared: false,
            });
            m.section(&t);
        })
        .with_elements(true),
    ));
    v.push(Scenario::from(
        probe("declared element segment", |_| {}).with_declared(),
    ));
    // Refused modules.
    v.push(refused("not wasm", b"not wasm at all".to_vec()));
    v.push(refused("empty", vec![]));
    v.push(refused(
        "truncated",
        M::actor().invoke(vec![], ret0()).encode()[..20].to_vec(),
    ));
    v.push(refused(
        "sign extension",
        M::actor()
            .invoke(vec![], vec![I::I32Const(1), I::I32Extend8S, I::End])
            .encode(),
    ));
    v.push(refused(
        "saturating truncation",
        M::actor()
            .invoke(
                vec![],
                vec![I::F32Const(1.0.into()), I::I32TruncSatF32S, I::End],
            )
            .encode(),
    ));
    v.push(refused(
        "simd",
        M::actor()
            .invoke(
                vec![],
                vec![I::V128Const(0), I::Drop, I::I32Const(0), I::End],
            )
            .encode(),
    ));
    v.push(refused(
        "reference types",
        M::actor()
            .invoke(
                vec![],
                vec![
                    I::RefNull(wasm_encoder::HeapType::FUNC),
                    I::Drop,
                    I::I32Const(0),
                    I::End,
                ],
            )
            .encode(),
    ));
    let mut m = M::actor();
    let two = m.ty(vec![], vec![I32, I32]);
    m.func(two, vec![], vec![I::I32Const(1), I::I32Const(2), I::End]);
    v.push(refused("multi-value", m.invoke(vec![], ret0()).encode()));
    let mut m = M::actor();
    m.imports.push((
        "env",
        "g",
        EntityType::Global(GlobalType {
            val_type: I32,
            mutable: false,
            shared: false,
        }),
    ));
    v.push(refused(
        "imported global",
        m.invoke(vec![], ret0()).encode(),
    ));
    let mut m = M::actor();
    m.globals.push((
        GlobalType {
            val_type: I32,
            mutable: false,
            shared: false,
        },
        ConstExpr::i32_const(0),
    ));
    m.data.push((Some(ConstExpr::global_get(0)), b"x".to_vec()));
    v.push(refused(
        "data offset from a global",
        m.invoke(vec![], ret0()).encode(),
    ));
    let mut m = M::actor();
    m.table = Some(2);
    m.globals.push((
        GlobalType {
            val_type: I32,
            mutable: false,
            shared: false,
        },
        ConstExpr::i32_const(0),
    ));
    let f = m.func(0, vec![], ret0());
    m.elements.push((ConstExpr::global_get(0), vec![f]));
    v.push(refused(
        "element offset from a global",
        m.invoke(vec![], ret0()).encode(),
    ));
    v.push(refused(
        "type mismatch",
        M::actor()
            .invoke(vec![], vec![I::I64Const(0), I::End])
            .encode(),
    ));
    v
}
