//! The two analyses behind instrumentation, on one function body at a time:
//!
//! * [`stack_cost`]: how many stack slots a call to a function accounts for (its declared
//!   locals plus the highest operand stack it can reach, plus 2 for the activation), counted
//!   the way the reference's stack limiter counts them, quirks included: `else` does not
//!   reset the height, and pops below a frame's start only pass in unreachable code.
//! * [`metered_blocks`]: where execution gas is charged. Code is cut into metered blocks at
//!   control flow; each block's instructions are charged together, before it runs. Where
//!   the [`Metering`] prices bulk memory per byte, an instruction whose length is computed is
//!   also charged as it runs.
use wasmparser::{BlockType, Operator};

use crate::rules::MemoryLimits;

/// Stack slots an activation record counts for.
const ACTIVATION_COST: u32 = 2;

/// Arity (params, results) of a function type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    /// Parameters taken.
    pub params: u32,
    /// Results returned.
    pub results: u32,
}

/// What an analysis needs to know of the module around a body.
pub struct ModuleTypes<'m> {
    /// Arity of every type in the type section.
    pub types: &'m [Arity],
    /// Arity of every function in the function index space.
    pub funcs: &'m [Arity],
    /// Whether post-MVP operators are accepted (the instrumenter decides, see
    /// [`Instrumenter::accepts_post_mvp_operators`]).
    pub post_mvp: bool,
}

/// Bytes in a WASM memory page (what `memory.grow` counts in).
const PAGE_BYTES: u64 = 65536;

/// Bytes a table element is charged as.
const TABLE_ELEMENT_BYTES: u64 = 8;

/// Which generation of the reference's instrumenter (the `fvm-wasm-instrument` crate) and
/// engine Skyr reproduces. Each one accepts a different set of modules and cuts code a little
/// differently; the quirks are methods here, so instrumentation never asks a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Instrumenter {
    /// `fvm-wasm-instrument` 0.2 with fvm 2's engine: a parity-wasm parser.
    V0_2,
    /// `fvm-wasm-instrument` 0.4 with the engine of fvm 3 and 4: a wasmparser port.
    V0_4,
}

impl Instrumenter {
    /// Whether a `br_table`'s default label counts among its targets when code is cut into
    /// metered blocks (0.4 drops it).
    pub fn br_table_default_is_target(self) -> bool {
        matches!(self, Instrumenter::V0_2)
    }

    /// Whether element segments other than the MVP form (active, table 0, function indices)
    /// are accepted. 0.2 cannot read them; 0.4 reads them all, redirects the function
    /// indices of function-list segments to their thunks and leaves expression segments
    /// alone.
    pub fn accepts_every_element_segment(self) -> bool {
        matches!(self, Instrumenter::V0_4)
    }

    /// Whether a function's locals count toward its stack cost by their declarations, one
    /// per group however many locals the group declares (0.4 takes the group count its
    /// reader gives), rather than one per local (0.2). A function declaring `(local i32 i32
    /// i32)` as one group costs one slot under fvm 3 and 4, three under fvm 2.
    pub fn counts_local_groups(self) -> bool {
        matches!(self, Instrumenter::V0_4)
    }

    /// Whether a module without a function section is refused (0.4 needs one).
    pub fn requires_function_section(self) -> bool {
        matches!(self, Instrumenter::V0_4)
    }

    /// Whether the start function runs with the invocation's gas. fvm 2 instantiates with
    /// an empty gas counter (so a start function that costs anything traps); fvm 3 sets the
    /// counter first. Skyr then takes the start section out of the module, exports the
    /// function as [`START_EXPORT`], and calls it once the counter is set.
    pub fn start_runs_with_gas(self) -> bool {
        matches!(self, Instrumenter::V0_4)
    }

    /// Whether instructions beyond MVP and bulk memory that wasmtime validates are accepted:
    /// sign extension (`i32.extend8_s` and kin), saturating float-to-int truncation, and the
    /// table instructions of reference types (`table.get`, `set`, `size`, `grow`, `fill`).
    /// 0.2 parses with parity-wasm built with bulk memory only and refuses them; 0.4 reads
    /// and prices them (the bundles use sign extension from v12, saturating truncation from
    /// v18).
    pub fn accepts_post_mvp_operators(self) -> bool {
        matches!(self, Instrumenter::V0_4)
    }

    /// Whether settling execution gas moves the mark it is measured from. fvm 3 moves it
    /// only when it hands gas back to the actor, so execution since then is charged again
    /// at the next settlement if a syscall returns without handing gas back (a return
    /// pointer out of bounds).
    pub fn settling_moves_the_mark(self) -> bool {
        matches!(self, Instrumenter::V0_2)
    }
}

/// Under which name an instrumented module exports its start function when the host calls
/// it after setting the gas counter.
pub const START_EXPORT: &str = "skyr::start";

/// How execution gas is metered: the network version's prices and the reference's
/// instrumenter. Two modules instrumented with different meterings are different code, so
/// compiled modules are cached per metering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Metering {
    /// Milligas of every instruction that is not free.
    pub instruction: u64,
    /// Milligas per byte filled (`memory.fill`; `memory.grow` per page; tables per element).
    pub fill_per_byte: u64,
    /// Milligas per byte copied (`memory.copy`, `memory.init`; tables per element).
    pub copy_per_byte: u64,
    /// The instrumenter whose quirks apply.
    pub instrumenter: Instrumenter,
    /// What a module may declare to start with, where the rules limit it (nv18–28): a module
    /// whose memory starts past the instance limit, or whose table starts past the table
    /// limit, does not compile, as the references' allocator refuses it then.
    pub declared_limits: Option<MemoryLimits>,
}

/// Refuses a module whose defined memory or table starts past what `limits` allow an
/// instance, naming it (fvm 3 and 4's pooling allocator checks both when it compiles).
pub fn check_declared(limits: &MemoryLimits, wasm: &[u8]) -> anyhow::Result<()> {
    use wasmparser::Payload;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::MemorySection(memories) => {
                for m in memories {
                    let bytes = m?.initial.saturating_mul(65_536);
                    if bytes > limits.instance as u64 {
                        anyhow::bail!(
                            "actor wasm declares {bytes} bytes of initial memory, past the {} \
                             an instance may have",
                            limits.instance
                        );
                    }
                }
            }
            Payload::TableSection(tables) => {
                for t in tables {
                    let elements = t?.ty.initial;
                    if elements > limits.table_elements as u64 {
                        anyhow::bail!(
                            "actor wasm declares a table of {elements} elements, past the {} a \
                             table may have",
                            limits.table_elements
                        );
                    }
                }
            }
            // The sections that follow declare neither.
            Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Ok(())
}

impl Metering {
    /// The metering of network versions 16–17: 4 gas an instruction, nothing per byte.
    pub const SKYR: Metering = Metering {
        instruction: 4000,
        fill_per_byte: 0,
        copy_per_byte: 0,
        instrumenter: Instrumenter::V0_2,
        declared_limits: None,
    };
}

/// What one instruction costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// Milligas, known before running.
    Fixed(u64),
    /// A base in milligas plus milligas per unit of the i32 on top of the stack (bytes,
    /// elements or pages), known only when it runs unless a constant sits right before it.
    Linear {
        /// Milligas charged with the block.
        base: u64,
        /// Milligas per unit.
        per_unit: u32,
    },
}

/// A base plus a price per unit of `bytes_per_unit` bytes; fixed when the price is zero.
fn linear(base: u64, per_byte: u64, bytes_per_unit: u64) -> Result<Cost, String> {
    let per_unit = per_byte
        .checked_mul(bytes_per_unit)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p < 0x8000_0000)
        .ok_or("linear gas per unit does not fit in 31 bits")?;
    Ok(match per_unit {
        0 => Cost::Fixed(base),
        per_unit => Cost::Linear { base, per_unit },
    })
}

/// Execution gas of one instruction: control structure is free, bulk memory and table
/// operations add a price per byte where the metering has one.
pub fn instruction_cost(op: &Operator, m: &Metering) -> Result<Cost, String> {
    let base = m.instruction;
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => Ok(Cost::Fixed(0)),
        Operator::MemoryGrow { .. } => linear(base, m.fill_per_byte, PAGE_BYTES),
        Operator::MemoryFill { .. } => linear(base, m.fill_per_byte, 1),
        Operator::MemoryInit { .. } | Operator::MemoryCopy { .. } => {
            linear(base, m.copy_per_byte, 1)
        }
        Operator::TableInit { .. } | Operator::TableCopy { .. } => {
            linear(base, m.copy_per_byte, TABLE_ELEMENT_BYTES)
        }
        Operator::TableFill { .. } | Operator::TableGrow { .. } => {
            linear(base, m.fill_per_byte, TABLE_ELEMENT_BYTES)
        }
        _ => Ok(Cost::Fixed(base)),
    }
}

struct Frame {
    unreachable: bool,
    end_arity: u32,
    branch_arity: u32,
    start: u32,
}

struct Stack {
    height: u32,
    frames: Vec<Frame>,
}

impl Stack {
    fn frame(&self, depth: u32) -> Result<&Frame, String> {
        let i = self
            .frames
            .len()
            .checked_sub(1 + depth as usize)
            .ok_or("branch depth out of range")?;
        Ok(&self.frames[i])
    }

    fn push(&mut self, n: u32) -> Result<(), String> {
        self.height = self.height.checked_add(n).ok_or("stack height overflow")?;
        Ok(())
    }

    /// Pops `n` values at once. At the frame's start height this is an error unless the
    /// code is unreachable, in which case nothing is popped.
    fn pop(&mut self, n: u32) -> Result<(), String> {
        if n == 0 {
            return Ok(());
        }
        let top = self.frame(0)?;
        if self.height == top.start {
            return if top.unreachable {
                Ok(())
            } else {
                Err("pop below frame start".into())
            };
        }
        self.height = self.height.checked_sub(n).ok_or("stack underflow")?;
        Ok(())
    }

    fn mark_unreachable(&mut self) -> Result<(), String> {
        let top = self.frames.last_mut().ok_or("no frame")?;
        top.unreachable = true;
        Ok(())
    }
}

fn block_arity(ty: &BlockType) -> Result<u32, String> {
    match ty {
        BlockType::Empty => Ok(0),
        BlockType::Type(_) => Ok(1),
        BlockType::FuncType(_) => Err("multi-value blocks are not supported".into()),
    }
}

/// Stack cost of a function: declared locals plus its maximum stack height.
pub fn stack_cost(
    locals: u32,
    results: u32,
    body: &[Operator],
    m: &ModuleTypes,
) -> Result<u32, String> {
    let mut s = Stack {
        height: ACTIVATION_COST,
        frames: Vec::new(),
    };
    s.frames.push(Frame {
        unreachable: false,
        end_arity: results,
        branch_arity: results,
        start: 0,
    });
    let mut max: u32 = 0;
    for op in body {
        if s.height > max && !s.frame(0)?.unreachable {
            max = s.height;
        }
        match op {
            Operator::Nop | Operator::Else => {}
            Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
                let end_arity = block_arity(blockty)?;
                let branch_arity = if matches!(op, Operator::Loop { .. }) {
                    0
                } else {
                    end_arity
                };
                if matches!(op, Operator::If { .. }) {
                    s.pop(1)?;
                }
                s.frames.push(Frame {
                    unreachable: false,
                    end_arity,
                    branch_arity,
                    start: s.height,
                });
            }
            Operator::End => {
                let f = s.frames.pop().ok_or("unbalanced end")?;
                s.height = f.start;
                s.push(f.end_arity)?;
            }
            Operator::Unreachable => s.mark_unreachable()?,
            Operator::Br { relative_depth } => {
                let a = s.frame(*relative_depth)?.branch_arity;
                s.pop(a)?;
                s.mark_unreachable()?;
            }
            Operator::BrIf { relative_depth } => {
                let a = s.frame(*relative_depth)?.branch_arity;
                s.pop(a)?;
                s.pop(1)?;
                s.push(a)?;
            }
            Operator::BrTable { targets } => {
                let a = s.frame(targets.default())?.branch_arity;
                for t in targets.targets() {
                    let t = t.map_err(|e| e.to_string())?;
                    if s.frame(t)?.branch_arity != a {
                        return Err("br_table targets differ in arity".into());
                    }
                }
                s.pop(a)?;
                s.mark_unreachable()?;
            }
            Operator::Return => {
                s.pop(results)?;
                s.mark_unreachable()?;
            }
            Operator::Call { function_index } => {
                let a = m
                    .funcs
                    .get(*function_index as usize)
                    .ok_or("call to unknown function")?;
                s.pop(a.params)?;
                s.push(a.results)?;
            }
            Operator::CallIndirect { type_index, .. } => {
                let a = m
                    .types
                    .get(*type_index as usize)
                    .ok_or("call_indirect to unknown type")?;
                s.pop(1)?;
                s.pop(a.params)?;
                s.push(a.results)?;
            }
            Operator::Select => {
                s.pop(2)?;
                s.pop(1)?;
                s.push(1)?;
            }
            other => {
                let (pops, pushes) = plain_effect(other, m.post_mvp)?;
                s.pop(pops)?;
                s.push(pushes)?;
            }
        }
    }
    locals
        .checked_add(max)
        .ok_or_else(|| "stack cost overflow".to_string())
}

/// (values popped, values pushed) of every non-control instruction the FVM accepts (some
/// only with `post_mvp`); an error names any other instruction, which makes the module
/// unacceptable.
pub fn plain_effect(op: &Operator, post_mvp: bool) -> Result<(u32, u32), String> {
    use Operator::*;
    Ok(match op {
        I32Extend8S
        | I32Extend16S
        | I64Extend8S
        | I64Extend16S
        | I64Extend32S
        | I32TruncSatF32S
        | I32TruncSatF32U
        | I32TruncSatF64S
        | I32TruncSatF64U
        | I64TruncSatF32S
        | I64TruncSatF32U
        | I64TruncSatF64S
        | I64TruncSatF64U
        | TableGet { .. }
            if post_mvp =>
        {
            (1, 1)
        }
        TableSet { .. } if post_mvp => (2, 0),
        TableSize { .. } if post_mvp => (0, 1),
        TableGrow { .. } if post_mvp => (2, 1),
        TableFill { .. } if post_mvp => (3, 0),
        Drop | LocalSet { .. } | GlobalSet { .. } => (1, 0),
        LocalGet { .. } | GlobalGet { .. } => (0, 1),
        LocalTee { .. } => (1, 1),
        I32Load { .. }
        | I64Load { .. }
        | F32Load { .. }
        | F64Load { .. }
        | I32Load8S { .. }
        | I32Load8U { .. }
        | I32Load16S { .. }
        | I32Load16U { .. }
        | I64Load8S { .. }
        | I64Load8U { .. }
        | I64Load16S { .. }
        | I64Load16U { .. }
        | I64Load32S { .. }
        | I64Load32U { .. } => (1, 1),
        I32Store { .. }
        | I64Store { .. }
        | F32Store { .. }
        | F64Store { .. }
        | I32Store8 { .. }
        | I32Store16 { .. }
        | I64Store8 { .. }
        | I64Store16 { .. }
        | I64Store32 { .. } => (2, 0),
        MemorySize { .. } => (0, 1),
        MemoryGrow { .. } => (1, 1),
        I32Const { .. } | I64Const { .. } | F32Const { .. } | F64Const { .. } => (0, 1),
        I32Eqz | I64Eqz => (1, 1),
        I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS | I32GeU
        | I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS | I64GeU
        | F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge | F64Eq | F64Ne | F64Lt | F64Gt | F64Le
        | F64Ge => (2, 1),
        I32Clz | I32Ctz | I32Popcnt | I64Clz | I64Ctz | I64Popcnt | F32Abs | F32Neg | F32Ceil
        | F32Floor | F32Trunc | F32Nearest | F32Sqrt | F64Abs | F64Neg | F64Ceil | F64Floor
        | F64Trunc | F64Nearest | F64Sqrt => (1, 1),
        I32Add | I32Sub | I32Mul | I32DivS | I32DivU | I32RemS | I32RemU | I32And | I32Or
        | I32Xor | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr | I64Add | I64Sub | I64Mul
        | I64DivS | I64DivU | I64RemS | I64RemU | I64And | I64Or | I64Xor | I64Shl | I64ShrS
        | I64ShrU | I64Rotl | I64Rotr | F32Add | F32Sub | F32Mul | F32Div | F32Min | F32Max
        | F32Copysign | F64Add | F64Sub | F64Mul | F64Div | F64Min | F64Max | F64Copysign => (2, 1),
        I32WrapI64 | I32TruncF32S | I32TruncF32U | I32TruncF64S | I32TruncF64U | I64ExtendI32S
        | I64ExtendI32U | I64TruncF32S | I64TruncF32U | I64TruncF64S | I64TruncF64U
        | F32ConvertI32S | F32ConvertI32U | F32ConvertI64S | F32ConvertI64U | F32DemoteF64
        | F64ConvertI32S | F64ConvertI32U | F64ConvertI64S | F64ConvertI64U | F64PromoteF32
        | I32ReinterpretF32 | I64ReinterpretF64 | F32ReinterpretI32 | F64ReinterpretI64 => (1, 1),
        MemoryInit { .. } | MemoryCopy { .. } | MemoryFill { .. } => (3, 0),
        TableInit { table: 0, .. }
        | TableCopy {
            dst_table: 0,
            src_table: 0,
        } => (3, 0),
        DataDrop { .. } | ElemDrop { .. } => (0, 0),
        other => return Err(format!("instruction {other:?} is not supported by the FVM")),
    })
}

/// A span of code charged at once: `cost` milligas, charged just before instruction
/// `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeteredBlock {
    /// Index of the first instruction.
    pub start: usize,
    /// Milligas charged for the block.
    pub cost: u64,
}

struct Control {
    lowest_forward_target: usize,
    active: MeteredBlock,
    is_loop: bool,
}

struct Counter {
    stack: Vec<Control>,
    done: Vec<MeteredBlock>,
}

impl Counter {
    fn begin(&mut self, start: usize, is_loop: bool) {
        let idx = self.stack.len();
        self.stack.push(Control {
            lowest_forward_target: idx,
            active: MeteredBlock { start, cost: 0 },
            is_loop,
        });
    }

    /// Ends the active metered block of the innermost control block; the next one starts
    /// after `cursor`. A block that starts where its parent's does folds into the parent.
    fn close_metered(&mut self, cursor: usize) -> Result<(), String> {
        let n = self.stack.len();
        let top = self.stack.last_mut().ok_or("no control block")?;
        let closing = std::mem::replace(
            &mut top.active,
            MeteredBlock {
                start: cursor + 1,
                cost: 0,
            },
        );
        if n > 1 {
            let parent = &mut self.stack[n - 2].active;
            if parent.start == closing.start {
                parent.cost += closing.cost;
                return Ok(());
            }
        }
        if closing.cost > 0 {
            self.done.push(closing);
        }
        Ok(())
    }

    fn close_control(&mut self, cursor: usize) -> Result<(), String> {
        self.close_metered(cursor)?;
        let closing = self.stack.pop().ok_or("unbalanced end")?;
        let closing_idx = self.stack.len();
        let Some(parent) = self.stack.last_mut() else {
            return Ok(());
        };
        parent.lowest_forward_target = parent
            .lowest_forward_target
            .min(closing.lowest_forward_target);
        if closing.lowest_forward_target < closing_idx {
            // Something inside branches out past this block: its parent's block ends here.
            self.close_metered(cursor)?;
        }
        Ok(())
    }

    fn branch(&mut self, cursor: usize, targets: &[usize]) -> Result<(), String> {
        self.close_metered(cursor)?;
        for &t in targets {
            if self
                .stack
                .get(t)
                .ok_or("branch target out of range")?
                .is_loop
            {
                continue;
            }
            let top = self.stack.last_mut().ok_or("no control block")?;
            top.lowest_forward_target = top.lowest_forward_target.min(t);
        }
        Ok(())
    }

    fn add(&mut self, cost: u64) -> Result<(), String> {
        let top = self.stack.last_mut().ok_or("no control block")?;
        top.active.cost = top
            .active
            .cost
            .checked_add(cost)
            .ok_or("block cost overflow")?;
        Ok(())
    }

    fn target(&self, depth: u32) -> Result<usize, String> {
        (self.stack.len() - 1)
            .checked_sub(depth as usize)
            .ok_or_else(|| "branch too deep".into())
    }
}

/// An instruction whose price per unit is charged when it runs, from the i32 on top of the
/// stack (the byte, element or page count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamicCharge {
    /// Index of the instruction.
    pub pos: usize,
    /// Milligas per unit.
    pub per_unit: u32,
}

/// Where a body is charged: its metered blocks sorted by start, and the instructions charged
/// per unit as they run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Charges {
    /// Metered blocks, sorted by start.
    pub blocks: Vec<MeteredBlock>,
    /// Instructions charged as they run, in order.
    pub dynamic: Vec<DynamicCharge>,
}

/// Where and how much a body is charged under metering `m`. A linearly priced instruction
/// right after an `i32.const` is priced in its block; a negative constant there is refused.
pub fn metered_blocks(body: &[Operator], m: &Metering) -> Result<Charges, String> {
    let mut c = Counter {
        stack: Vec::new(),
        done: Vec::new(),
    };
    let mut dynamic = Vec::new();
    let mut last_const: Option<i32> = None;
    c.begin(0, false);
    for (cursor, op) in body.iter().enumerate() {
        let cost = match instruction_cost(op, m)? {
            Cost::Fixed(cost) => cost,
            Cost::Linear { base, per_unit } => match last_const {
                Some(n) if n < 0 => {
                    return Err("a linearly priced instruction has a negative argument".into())
                }
                Some(n) => base + n as u64 * u64::from(per_unit),
                None => {
                    dynamic.push(DynamicCharge {
                        pos: cursor,
                        per_unit,
                    });
                    base
                }
            },
        };
        last_const = None;
        match op {
            Operator::I32Const { value } => {
                c.add(cost)?;
                last_const = Some(*value);
            }
            Operator::Block { .. } => {
                c.add(cost)?;
                let start = c.stack.last().ok_or("no control block")?.active.start;
                c.begin(start, false);
            }
            Operator::If { .. } => {
                c.add(cost)?;
                c.begin(cursor + 1, false);
            }
            Operator::Loop { .. } => {
                c.add(cost)?;
                c.begin(cursor + 1, true);
            }
            Operator::End => c.close_control(cursor)?,
            Operator::Else => c.close_metered(cursor)?,
            Operator::Br { relative_depth } | Operator::BrIf { relative_depth } => {
                c.add(cost)?;
                let t = c.target(*relative_depth)?;
                c.branch(cursor, &[t])?;
            }
            Operator::BrTable { targets } => {
                c.add(cost)?;
                let mut ts = Vec::new();
                if m.instrumenter.br_table_default_is_target() {
                    ts.push(c.target(targets.default())?);
                }
                for t in targets.targets() {
                    ts.push(c.target(t.map_err(|e| e.to_string())?)?);
                }
                c.branch(cursor, &ts)?;
            }
            Operator::Return => {
                c.add(cost)?;
                c.branch(cursor, &[0])?;
            }
            _ => c.add(cost)?,
        }
    }
    c.done.sort_unstable_by_key(|b| b.start);
    Ok(Charges {
        blocks: c.done,
        dynamic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(wat_body: &[Operator<'static>]) -> Vec<Operator<'static>> {
        wat_body.to_vec()
    }

    #[test]
    fn straight_code_is_one_block_charged_up_front() {
        let body = ops(&[
            Operator::I32Const { value: 1 },
            Operator::I32Const { value: 2 },
            Operator::I32Add,
            Operator::Drop,
            Operator::End,
        ]);
        assert_eq!(
            metered_blocks(&body, &Metering::SKYR)
                .expect("meter")
                .blocks,
            vec![MeteredBlock {
                start: 0,
                cost: 12000
            }]
        );
    }

    #[test]
    fn a_loop_body_is_charged_on_every_iteration() {
        let body = ops(&[
            Operator::Loop {
                blockty: BlockType::Empty,
            },
            Operator::I32Const { value: 1 },
            Operator::BrIf { relative_depth: 0 },
            Operator::End,
            Operator::End,
        ]);
        // The loop instruction itself is free; its body (const + br_if) starts at 1.
        assert_eq!(
            metered_blocks(&body, &Metering::SKYR)
                .expect("meter")
                .blocks,
            vec![MeteredBlock {
                start: 1,
                cost: 8000
            }]
        );
    }

    /// Hygge's prices: 0.4 gas a byte filled or copied.
    const HYGGE: Metering = Metering {
        instruction: 4000,
        fill_per_byte: 400,
        copy_per_byte: 400,
        instrumenter: Instrumenter::V0_4,
        declared_limits: None,
    };

    #[test]
    fn bulk_memory_after_a_constant_is_priced_in_its_block() {
        let body = ops(&[
            Operator::I32Const { value: 0 },
            Operator::I32Const { value: 0 },
            Operator::I32Const { value: 100 },
            Operator::MemoryFill { mem: 0 },
            Operator::I32Const { value: 2 },
            Operator::MemoryGrow { mem: 0 },
            Operator::Drop,
            Operator::End,
        ]);
        let c = metered_blocks(&body, &HYGGE).expect("meter");
        // Four constants and two instructions at 4 gas, 100 bytes at 0.4, two pages.
        let cost = 6 * 4000 + 100 * 400 + 2 * 400 * 65536;
        assert_eq!(c.blocks, vec![MeteredBlock { start: 0, cost }]);
        assert!(c.dynamic.is_empty());
        // Under Skyr the same code costs 4 gas an instruction, whatever the sizes.
        let skyr = metered_blocks(&body, &Metering::SKYR).expect("meter");
        assert_eq!(
            skyr.blocks,
            vec![MeteredBlock {
                start: 0,
                cost: 6 * 4000
            }]
        );
    }

    #[test]
    fn bulk_memory_with_a_computed_length_is_charged_as_it_runs() {
        let body = ops(&[
            Operator::I32Const { value: 0 },
            Operator::I32Const { value: 0 },
            Operator::LocalGet { local_index: 0 },
            Operator::MemoryCopy {
                dst_mem: 0,
                src_mem: 0,
            },
            Operator::End,
        ]);
        let c = metered_blocks(&body, &HYGGE).expect("meter");
        assert_eq!(
            c.blocks,
            vec![MeteredBlock {
                start: 0,
                cost: 4 * 4000
            }]
        );
        assert_eq!(
            c.dynamic,
            vec![DynamicCharge {
                pos: 3,
                per_unit: 400
            }]
        );
    }

    #[test]
    fn a_negative_constant_length_is_refused() {
        let body = ops(&[
            Operator::I32Const { value: -1 },
            Operator::MemoryGrow { mem: 0 },
            Operator::Drop,
            Operator::End,
        ]);
        assert!(metered_blocks(&body, &HYGGE).is_err());
        assert!(metered_blocks(&body, &Metering::SKYR).is_ok());
    }

    #[test]
    fn stack_cost_counts_locals_activation_and_height() {
        let types = [Arity {
            params: 0,
            results: 1,
        }];
        let m = ModuleTypes {
            types: &types,
            funcs: &types,
            post_mvp: false,
        };
        let body = ops(&[
            Operator::I32Const { value: 1 },
            Operator::I32Const { value: 2 },
            Operator::I32Add,
            Operator::End,
        ]);
        // Heights seen before each instruction: 2, 3, 4, 3 -> max 4; plus 3 locals.
        assert_eq!(stack_cost(3, 1, &body, &m).expect("cost"), 7);
    }

    #[test]
    fn post_mvp_instructions_are_refused_by_name() {
        let err = plain_effect(&Operator::I32Extend8S, false).expect_err("sign-ext is not MVP");
        assert!(err.contains("I32Extend8S"), "{err}");
        assert_eq!(plain_effect(&Operator::I64Extend32S, true), Ok((1, 1)));
    }
}
