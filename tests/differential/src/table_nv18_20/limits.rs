//! The machine limits of fvm 3 and 4 one below, at and one past each edge, for the limits
//! the syscall families do not reach: a block of the raw codec (the one FIP-0071 lets a test
//! program fill with anything), the call stack's 2 GiB of memory, and what the references'
//! pooling allocator allows a module (tables of 20,000 elements, memories of 512 MiB at the
//! start), which they check when they compile it.
use skyr_test_program::{Op, Out};
use wasm_encoder::{BlockType, Instruction as I};

use super::syscalls::PROGRAM_PAGES;
use crate::programs::{callv_slot, err, imm, ptr};
use crate::scenario_nv18_28::{test_actor, From, OfficialBuilder, OfficialMsg, OfficialScenario};
use crate::table_nv16_17::modules::M;

/// Bytes of a WASM page.
const PAGE: u64 = 65_536;
/// Pages one instance may have at nv18–28 (512 MiB).
const INSTANCE_PAGES: u32 = 8_192;
/// Bytes a call stack may hold at nv18–28 (memory, and 8 bytes a table element).
const CALL_STACK_BYTES: u64 = 2 << 30;
/// Elements a table may have at nv18–28 (the references' pooling allocator).
const TABLE_ELEMENTS: u64 = 20_000;
/// The most a block may hold at nv18–28.
const MAX_BLOCK: i64 = 1 << 20;
/// The exit code of the test actor that could not create its return block.
const USR_ILLEGAL_STATE: u32 = 20;

/// Every scenario of this file at network version `nv`, named `{prefix} …`.
pub fn scenarios(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    let mut s = raw_blocks(prefix, nv);
    s.extend(return_values(prefix, nv));
    s.extend(message_params(prefix, nv));
    s.push(call_stack_memory(prefix, nv));
    s.extend(gas_past_i64(prefix, nv));
    s.extend(module_tables(prefix, nv));
    s.extend(module_memories(prefix, nv));
    s.extend(table_growth(prefix, nv));
    s
}

/// A raw block of 1 MiB less one byte, of 1 MiB and of 1 MiB and one byte, made from the
/// program's memory (grown first, so every byte is there): the first two are created and
/// linked, the last is refused with LimitExceeded.
fn raw_blocks(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    [
        ("one byte below 1 MiB", MAX_BLOCK - 1, err::OK),
        ("of 1 MiB", MAX_BLOCK, err::OK),
        ("one byte past 1 MiB", MAX_BLOCK + 1, err::LIMIT_EXCEEDED),
    ]
    .into_iter()
    .map(|(what, len, code)| {
        let mut program = vec![Op::Grow(20)];
        program.extend(callv_slot(
            "ipld",
            "block_create",
            4,
            vec![imm(0x55), ptr(0), imm(len)],
        ));
        OfficialBuilder::new(format!("{prefix} a raw block {what}"))
            .nv(nv)
            .msg(OfficialMsg::program(From::Secp(0), 0, program).gas(10_000_000_000))
            .exits(0)
            .out(1, Out::Code(code))
            .build()
    })
    .collect()
}

/// A DAG-CBOR byte string whose encoding is `len` bytes (a 5-byte header, then zeros).
fn cbor_bytes_of_len(len: usize) -> Vec<u8> {
    let n = u32::try_from(len - 5).expect("small enough");
    let mut out = vec![0x5a];
    out.extend(n.to_be_bytes());
    out.resize(len, 0);
    out
}

/// A return value of 1 MiB less one byte, of 1 MiB and of 1 MiB and one byte: the return
/// value is a block, so the last is refused when the actor creates it (the test actor then
/// exits USR_ILLEGAL_STATE, 20). The machine sets no limit of its own on return values.
fn return_values(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    [
        ("one byte below 1 MiB", MAX_BLOCK - 1, 0),
        ("of 1 MiB", MAX_BLOCK, 0),
        ("one byte past 1 MiB", MAX_BLOCK + 1, USR_ILLEGAL_STATE),
    ]
    .into_iter()
    .map(|(what, len, exit)| {
        let value = cbor_bytes_of_len(len as usize);
        let program = vec![Op::Return(value)];
        OfficialBuilder::new(format!("{prefix} a return value {what}"))
            .nv(nv)
            .msg(OfficialMsg::program(From::Secp(0), 0, program).gas(10_000_000_000))
            .exits(exit)
            .build()
    })
    .collect()
}

/// A message whose params are 1 MiB less one byte, 1 MiB and 1 MiB and one byte (a program
/// writing that much less its encoding's few bytes, past the scratch buffer, which the
/// program answers with u32::MAX): the machine limits neither a message's size nor its params
/// (the node's message pool does), so all three run alike.
fn message_params(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    [
        ("one byte below 1 MiB", MAX_BLOCK - 1),
        ("of 1 MiB", MAX_BLOCK),
        ("one byte past 1 MiB", MAX_BLOCK + 1),
    ]
    .into_iter()
    .map(|(what, len)| {
        let program = |n: usize| vec![Op::Write(0, vec![7; n])];
        let overhead = crate::programs::encode(&program(len as usize)).len() - len as usize;
        let program = program(len as usize - overhead);
        assert_eq!(crate::programs::encode(&program).len(), len as usize);
        OfficialBuilder::new(format!("{prefix} message params {what}"))
            .nv(nv)
            .msg(OfficialMsg::program(From::Secp(0), 0, program).gas(10_000_000_000))
            .exits(0)
            .out(0, Out::Code(u32::MAX))
            .build()
    })
    .collect()
}

/// A gas limit of 9e17 gas is capped at i64::MAX milligas (both machines), and `gas.charge`
/// asks for 1e15 gas (the total stays below the cap: it runs), for i64::MAX / 1000 gas (the
/// total passes i64::MAX milligas) and for u64::MAX gas: fvm 3 and 4 add charges in u64, so
/// the last two are past the limit and the message runs out of gas (fvm 2 saturates at
/// i64::MAX, which the capped limit equals; found by the `programs` fuzz target at nv28).
fn gas_past_i64(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    [
        ("1e15 gas", 1_000_000_000_000_000i64, 0u32),
        ("i64::MAX / 1000 gas", i64::MAX / 1000, 7),
        ("u64::MAX gas", -1, 7),
    ]
    .into_iter()
    .map(|(what, compute, exit)| {
        let program = vec![
            crate::programs::write(0, b"x"),
            crate::scenario_nv18_28::call("gas", "charge", vec![ptr(0), imm(1), imm(compute)]),
        ];
        let b = OfficialBuilder::new(format!("{prefix} gas limit 9e17, the actor charges {what}"))
            .nv(nv)
            .msg(OfficialMsg::program(From::Secp(0), 0, program).gas(900_000_000_000_000_000))
            .exits(exit);
        if exit == 0 {
            b.out(1, Out::Code(err::OK)).build()
        } else {
            b.build()
        }
    })
    .collect()
}

/// The minimum of the module's (one) defined table, or 0.
fn table_minimum(wasm: &[u8]) -> u64 {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::TableSection(tables)) = payload {
            if let Some(t) = tables.into_iter().flatten().next() {
                return t.ty.initial;
            }
        }
    }
    0
}

/// Four nested instances of the test program: the outer three grow to the 512 MiB an
/// instance may have, and the innermost grows one page below what the call stack's 2 GiB
/// leave it (its memory and every instance's table count too), then one page to the last
/// that fits, then one more, which is refused for the call stack (the instance limit would
/// allow it). What the innermost growths returned comes back through every send.
fn call_stack_memory(prefix: &str, nv: u32) -> OfficialScenario {
    let table = table_minimum(crate::genesis_official::test_actor_for(nv));
    let initial = u64::from(PROGRAM_PAGES);
    let outer = 3 * u64::from(INSTANCE_PAGES) * PAGE;
    let left = CALL_STACK_BYTES - outer - initial * PAGE - 4 * 8 * table;
    let fit = u32::try_from(left / PAGE).expect("pages fit in u32");
    assert!(
        u64::from(fit) + initial < u64::from(INSTANCE_PAGES),
        "the call stack must bind before the instance limit"
    );
    let innermost = vec![Op::Grow(fit - 1), Op::Grow(1), Op::Grow(1)];
    let inner_outs = vec![
        Out::Int(initial as i64),
        Out::Int(initial as i64 + i64::from(fit) - 1),
        Out::Int(-1),
    ];
    let grow_to_limit = Op::Grow(INSTANCE_PAGES - initial as u32);
    let (mut program, mut outs) = (innermost, inner_outs);
    for _ in 0..3 {
        let sent = Out::Sent(0, fvm_ipld_encoding::to_vec(&outs).expect("outputs encode"));
        program = vec![
            grow_to_limit.clone(),
            Op::Send(
                test_actor(0).to_bytes(),
                skyr_test_program::METHOD_RUN,
                crate::programs::encode(&program),
                vec![],
            ),
        ];
        outs = vec![Out::Int(initial as i64), sent];
    }
    let mut b = OfficialBuilder::new(format!(
        "{prefix} call-stack memory: the innermost of four instances grows one page below, \
         to and one past the last page of 2 GiB"
    ))
    .nv(nv)
    .msg(OfficialMsg::program(From::Secp(0), 0, program).gas(10_000_000_000))
    .exits(0);
    for (j, o) in outs.into_iter().enumerate() {
        b = b.out(j, o);
    }
    b.build()
}

/// The message the hand-made modules get, to the test actor they replace.
fn run_module(prefix: &str, nv: u32, name: String, wasm: Vec<u8>) -> OfficialBuilder {
    OfficialBuilder::new(format!("{prefix} {name}"))
        .nv(nv)
        .test_wasm(wasm)
        .msg(
            OfficialMsg::new(From::Secp(0), test_actor(0), skyr_test_program::METHOD_RUN)
                .gas(10_000_000_000),
        )
}

/// A module whose table starts with 19,999, 20,000 and 20,001 elements: the references'
/// allocator refuses the last when the machine compiles it, so the machine does not start.
fn module_tables(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    declared_at_the_edge(prefix, nv, TABLE_ELEMENTS, |m, n| {
        m.table = Some(n);
        format!("a module whose table starts with {n} elements")
    })
}

/// A module whose memory starts with 8,191, 8,192 and 8,193 pages: the last is past what an
/// instance may have, and the references refuse it when the machine compiles it.
fn module_memories(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    declared_at_the_edge(prefix, nv, u64::from(INSTANCE_PAGES), |m, n| {
        m.memory = Some(n);
        format!("a module whose memory starts with {n} pages")
    })
}

/// Modules declaring one below, at and one past `limit` (`declare` sets it and names the
/// scenario): the first two run, both machines refuse to start with the last.
fn declared_at_the_edge(
    prefix: &str,
    nv: u32,
    limit: u64,
    declare: fn(&mut M, u64) -> String,
) -> Vec<OfficialScenario> {
    [limit - 1, limit, limit + 1]
        .into_iter()
        .map(|n| {
            let mut m = M::actor();
            let name = declare(&mut m, n);
            let m = m.invoke(vec![], vec![I::I32Const(0), I::End]);
            let b = run_module(prefix, nv, name, m.encode());
            if n > limit {
                b.expect_refusal().build()
            } else {
                b.exits(0).build()
            }
        })
        .collect()
}

/// A module whose one-element table grows by 19,998, 19,999 and 20,000 elements, trapping
/// when `table.grow` answers -1: to 20,000 elements it grows, past them the references'
/// allocator has no room and refuses it (SYS_ILLEGAL_INSTRUCTION from the trap).
fn table_growth(prefix: &str, nv: u32) -> Vec<OfficialScenario> {
    [TABLE_ELEMENTS - 2, TABLE_ELEMENTS - 1, TABLE_ELEMENTS]
        .into_iter()
        .map(|by| {
            let mut m = M::actor();
            m.table = Some(1);
            let body = vec![
                I::I32Const(0),
                I::TableGet(0),
                I::I32Const(by as i32),
                I::TableGrow(0),
                I::I32Const(-1),
                I::I32Eq,
                I::If(BlockType::Empty),
                I::Unreachable,
                I::End,
                I::I32Const(0),
                I::End,
            ];
            let m = m.invoke(vec![], body);
            let exit = if 1 + by > TABLE_ELEMENTS { 4 } else { 0 };
            run_module(
                prefix,
                nv,
                format!("a table of one element grows by {by}"),
                m.encode(),
            )
            .exits(exit)
            .build()
        })
        .collect()
}
