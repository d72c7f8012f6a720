//! The program format of the Skyr test actor.
//!
//! A differential scenario sends the test actor a [`Program`]: a list of [`Op`]s it runs in
//! order. Most ops are raw syscalls with arguments that may point into the actor's scratch
//! buffer, so a scenario can drive every syscall through its success path and through each
//! error number (bad pointers, short buffers, bad handles) without new actor code. The actor
//! answers with one [`Out`] per op, DAG-CBOR encoded, so return bytes carry every outcome.
//!
//! The same types are compiled into the actor (wasm32) and into the host-side scenario table.
#![no_std]
extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Method number on which the test actor runs a program (1 is the constructor).
pub const METHOD_RUN: u64 = 2;

/// Size of the scratch buffer, in bytes, that [`Arg::Ptr`] offsets index into.
pub const SCRATCH_LEN: u32 = 64 * 1024;

/// What the test actor is asked to do: ops run in order, and the last [`Op::Return`] (if
/// any) decides the return value; otherwise the actor returns the list of outputs.
pub type Program = Vec<Op>;

/// One syscall argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arg {
    /// An immediate value, truncated to the parameter's width.
    Imm(i64),
    /// A pointer to this offset of the scratch buffer.
    Ptr(u32),
    /// The little-endian u32 stored at this scratch offset (to chain block ids).
    Load32(u32),
    /// The little-endian u64 stored at this scratch offset.
    Load64(u32),
}

/// One step of a test program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Copy bytes into the scratch buffer at an offset.
    Write(u32, #[serde(with = "serde_bytes")] Vec<u8>),
    /// Fill `len` scratch bytes at `off` with one byte value.
    Fill(u32, u32, u8),
    /// A raw syscall: module, name, arguments. The first argument of syscalls that return a
    /// value is the pointer the host writes the value to. Out: the error number (0 = ok).
    Call(String, String, Vec<Arg>),
    /// Read scratch bytes back into the output.
    Read(u32, u32),
    /// Spin a loop of arithmetic this many times (execution gas).
    Burn(u64),
    /// Recurse this deep through a function with a sizeable frame (stack limits).
    Recurse(u32),
    /// `memory.grow` by this many pages. Out: the previous size in pages, or -1.
    Grow(u32),
    /// Trap on purpose: 0 unreachable, 1 integer divide by zero, 2 memory access out of
    /// bounds, 3 call through a null table entry, 4 bad float-to-int conversion.
    Trap(u8),
    /// Send through the SDK: to (address bytes), method, params (raw CBOR or empty), value
    /// (attoFIL, big-endian bytes). Out: [exit code, return bytes] or the error number.
    Send(
        #[serde(with = "serde_bytes")] Vec<u8>,
        u64,
        #[serde(with = "serde_bytes")] Vec<u8>,
        #[serde(with = "serde_bytes")] Vec<u8>,
    ),
    /// Return these bytes as a DAG-CBOR block (empty: no return block), ending the program.
    Return(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Return this block id as is (to test bad return handles), ending the program.
    ReturnId(u32),
    /// Abort through the SDK with this exit code and message.
    Abort(u32, String),
    /// Store a block of `len` copies of a byte (not valid CBOR: only its size matters) and
    /// link it. Out: the CID bytes, or the error number.
    Big(u32, u8),
}

/// The outcome of one op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Out {
    /// An error number or status (0 = success).
    Code(u32),
    /// An integer result.
    Int(i64),
    /// Bytes read back.
    Bytes(#[serde(with = "serde_bytes")] Vec<u8>),
    /// A nested send's exit code and return bytes.
    Sent(u32, #[serde(with = "serde_bytes")] Vec<u8>),
    /// Nothing to report.
    Done,
}
