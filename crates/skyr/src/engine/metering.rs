//! The two analyses behind instrumentation, on one function body at a time:
//!
//! * [`stack_cost`]: how many stack slots a call to a function accounts for (its declared
//!   locals plus the highest operand stack it can reach, plus 2 for the activation), counted
//!   the way the reference's stack limiter counts them, quirks included: `else` does not
//!   reset the height, and pops below a frame's start only pass in unreachable code.
//! * [`metered_blocks`]: where execution gas is charged. Code is cut into metered blocks at
//!   control flow; each block's instructions are charged together, before it runs.
use wasmparser::{BlockType, Operator};

/// Milligas of one metered instruction (4 gas).
pub const INSTRUCTION_COST: u64 = 4000;

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
}

/// Execution gas of one instruction: control structure is free.
pub fn instruction_cost(op: &Operator) -> u64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => INSTRUCTION_COST,
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
                let (pops, pushes) = plain_effect(other)?;
                s.pop(pops)?;
                s.push(pushes)?;
            }
        }
    }
    locals
        .checked_add(max)
        .ok_or_else(|| "stack cost overflow".to_string())
}

/// (values popped, values pushed) of every non-control instruction the FVM accepts; an
/// error names any other instruction, which makes the module unacceptable.
pub fn plain_effect(op: &Operator) -> Result<(u32, u32), String> {
    use Operator::*;
    Ok(match op {
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

/// The metered blocks of a body, sorted by start.
pub fn metered_blocks(body: &[Operator]) -> Result<Vec<MeteredBlock>, String> {
    let mut c = Counter {
        stack: Vec::new(),
        done: Vec::new(),
    };
    c.begin(0, false);
    for (cursor, op) in body.iter().enumerate() {
        let cost = instruction_cost(op);
        match op {
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
                let mut ts = vec![c.target(targets.default())?];
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
    Ok(c.done)
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
            metered_blocks(&body).expect("meter"),
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
            metered_blocks(&body).expect("meter"),
            vec![MeteredBlock {
                start: 1,
                cost: 8000
            }]
        );
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
        let err = plain_effect(&Operator::I32Extend8S).expect_err("sign-ext is not MVP");
        assert!(err.contains("I32Extend8S"), "{err}");
    }
}
