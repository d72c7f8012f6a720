//! Building blocks of test-actor programs: raw syscall calls with their outputs read back.
//!
//! Scratch layout: inputs from offset 0, the return-value area at [`RET`], output buffers at
//! [`OUT`]. Every helper reads back what the syscall wrote, so the actor's return bytes carry
//! the whole outcome and the comparison with the reference covers it.
use skyr_test_program::{Arg, Op, SCRATCH_LEN};

/// Where syscalls write their return value.
pub const RET: u32 = 60_000;
/// Where syscalls write output buffers.
pub const OUT: u32 = 61_000;
/// Second input area.
pub const IN2: u32 = 30_000;
/// Where syscalls whose result later ops use (block handles) write it: never cleared.
pub const SLOT: u32 = 59_000;
/// A pointer past the end of any actor memory.
pub const BAD_PTR: i64 = 0xffff_fff0;

/// Error numbers of the syscall ABI (fvm_sdk 3 and 4), as programs see them.
pub mod err {
    pub const OK: u32 = 0;
    pub const ILLEGAL_ARGUMENT: u32 = 1;
    pub const ILLEGAL_OPERATION: u32 = 2;
    pub const LIMIT_EXCEEDED: u32 = 3;
    pub const NOT_FOUND: u32 = 6;
    pub const ILLEGAL_CODEC: u32 = 9;
    pub const SERIALIZATION: u32 = 10;
    pub const FORBIDDEN: u32 = 11;
    pub const BUFFER_TOO_SMALL: u32 = 12;
    pub const READ_ONLY: u32 = 13;
}

/// Immediate argument.
pub fn imm(v: i64) -> Arg {
    Arg::Imm(v)
}

/// Pointer into scratch.
pub fn ptr(off: u32) -> Arg {
    Arg::Ptr(off)
}

/// A raw syscall.
pub fn call(module: &str, name: &str, args: Vec<Arg>) -> Op {
    Op::Call(module.into(), name.into(), args)
}

/// A raw syscall returning a value of `ret_len` bytes at [`RET`], then the value read back.
pub fn callv(module: &str, name: &str, ret_len: u32, mut args: Vec<Arg>) -> Vec<Op> {
    args.insert(0, ptr(RET));
    vec![
        Op::Fill(RET, 128, 0),
        call(module, name, args),
        Op::Read(RET, ret_len),
    ]
}

/// A raw syscall returning a value at [`SLOT`] (kept for later ops), then read back.
pub fn callv_slot(module: &str, name: &str, ret_len: u32, mut args: Vec<Arg>) -> Vec<Op> {
    args.insert(0, ptr(SLOT));
    vec![call(module, name, args), Op::Read(SLOT, ret_len)]
}

/// Input bytes at `off`.
pub fn write(off: u32, data: &[u8]) -> Op {
    Op::Write(off, data.to_vec())
}

/// Reads `len` bytes of the output area.
pub fn read_out(len: u32) -> Op {
    Op::Read(OUT, len)
}

/// Clears the output area.
pub fn clear_out() -> Op {
    Op::Fill(OUT, SCRATCH_LEN - OUT, 0)
}

/// A program as DAG-CBOR (for nested sends).
pub fn encode(p: &[Op]) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(&p.to_vec()).expect("programs encode")
}

/// Concatenates op lists.
pub fn cat(parts: Vec<Vec<Op>>) -> Vec<Op> {
    parts.into_iter().flatten().collect()
}
