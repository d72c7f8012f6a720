//! Skyr's test actor for the fvm_sdk 3 ABI: runs a [`skyr_test_program::Program`] sent as
//! parameters of method 2, as the fvm_sdk 2 test actor does, so one actor drives every
//! syscall of network versions 18–20 through its success path and each error number. It
//! imports the syscalls directly (no SDK): what it does is exactly what the program says.
//! Method 1 is a constructor that accepts anything; other methods exit "unhandled".
//!
//! The helpers for traps, recursion and burning gas repeat the fvm_sdk 2 actor's on purpose:
//! that actor's bytes (and so its code CID, which the committed corpus names) must not move.
use skyr_test_program::{Arg, Op, Out, Program, METHOD_RUN, SCRATCH_LEN};

#[cfg_attr(feature = "sdk4", path = "raw4.rs")] mod raw;
use raw::sys;

const DAG_CBOR: u64 = 0x71;
const BLAKE2B_256: u64 = 0xb220;
const USR_SERIALIZATION: u32 = 17;
const USR_ILLEGAL_STATE: u32 = 20;
const USR_UNHANDLED_MESSAGE: u32 = 22;

/// The scratch buffer that `Arg::Ptr` offsets index; statically placed so pointers into it are
/// the same on every run.
static mut SCRATCH: [u8; SCRATCH_LEN as usize] = [0; SCRATCH_LEN as usize];

fn scratch() -> &'static mut [u8] {
    // SAFETY: the actor is single threaded and only this module touches the buffer.
    unsafe { &mut *core::ptr::addr_of_mut!(SCRATCH) }
}

fn base() -> i64 {
    scratch().as_ptr() as usize as i64
}

fn load(off: u32, n: usize) -> i64 {
    let s = scratch();
    let off = off as usize;
    let mut v: u64 = 0;
    for i in 0..n {
        let b = *s.get(off + i).unwrap_or(&0) as u64;
        v |= b << (8 * i);
    }
    v as i64
}

fn arg(a: &Arg) -> i64 {
    match a {
        Arg::Imm(v) => *v,
        Arg::Ptr(off) => base() + *off as i64,
        Arg::Load32(off) => load(*off, 4),
        Arg::Load64(off) => load(*off, 8),
    }
}

/// Exits with `code`, no return block, and `msg`.
fn exit(code: u32, msg: &str) -> ! {
    // SAFETY: the pointer and length describe `msg`.
    unsafe { sys::exit(code, 0, msg.as_ptr() as u32, msg.len() as u32) };
    core::arch::wasm32::unreachable()
}

/// The method this invocation runs, from the message context.
fn method_number() -> u64 {
    let mut ctx = [0u8; 80];
    // SAFETY: 80 writable bytes.
    if unsafe { sys::message_context(ctx.as_mut_ptr() as u32) } != 0 {
        exit(USR_ILLEGAL_STATE, "no message context");
    }
    let mut m = [0u8; 8];
    m.copy_from_slice(&ctx[32..40]);
    u64::from_le_bytes(m)
}

/// The bytes of an open block.
fn read_block(id: u32, size: u32) -> Result<Vec<u8>, u32> {
    let mut data = vec![0u8; size as usize];
    let mut left: i32 = 0;
    // SAFETY: `size` writable bytes and an i32 for the result.
    let r = unsafe {
        sys::block_read(
            &mut left as *mut i32 as u32,
            id,
            0,
            data.as_mut_ptr() as u32,
            size,
        )
    };
    if r != 0 {
        return Err(r);
    }
    Ok(data)
}

/// The parameters block's bytes, if any.
fn params(id: u32) -> Option<Vec<u8>> {
    if id == 0 {
        return None;
    }
    let mut stat = [0u8; 12];
    // SAFETY: 12 writable bytes.
    if unsafe { sys::block_stat(stat.as_mut_ptr() as u32, id) } != 0 {
        return None;
    }
    let size = u32::from_le_bytes([stat[8], stat[9], stat[10], stat[11]]);
    read_block(id, size).ok()
}

/// Creates a block; its handle or the error number.
fn put_block(codec: u64, data: &[u8]) -> Result<u32, u32> {
    let mut id: u32 = 0;
    // SAFETY: the data pointer and length describe `data`; an u32 for the handle.
    let r = unsafe {
        sys::block_create(
            &mut id as *mut u32 as u32,
            codec,
            data.as_ptr() as u32,
            data.len() as u32,
        )
    };
    if r != 0 {
        return Err(r);
    }
    Ok(id)
}

/// Returns raw bytes as a DAG-CBOR block (no block when empty).
fn ret_raw(bytes: &[u8]) -> u32 {
    if bytes.is_empty() {
        return 0;
    }
    match put_block(DAG_CBOR, bytes) {
        Ok(id) => id,
        Err(_) => exit(USR_ILLEGAL_STATE, "failed to create return block"),
    }
}

#[inline(never)]
fn burn(n: u64) -> u64 {
    let mut acc: u64 = 1;
    let mut i = 0;
    while i < n {
        acc = core::hint::black_box(acc.wrapping_mul(6364136223846793005).wrapping_add(i));
        i += 1;
    }
    acc
}

#[inline(never)]
fn recurse(n: u32) -> u64 {
    let frame = core::hint::black_box([n as u64; 8]);
    if n == 0 {
        return frame[0];
    }
    let r = recurse(core::hint::black_box(n - 1));
    r.wrapping_add(frame[(n % 8) as usize])
}

#[inline(never)]
fn trap(kind: u8) -> i64 {
    match kind {
        0 => core::arch::wasm32::unreachable(),
        1 => {
            let d = core::hint::black_box(0i32);
            // SAFETY: none; the point is the trap the host raises for it.
            unsafe { raw::div_s(7, d) as i64 }
        }
        2 => {
            let p = core::hint::black_box(0xffff_fff0usize) as *const u64;
            // SAFETY: none; this reads out of bounds to make the host trap.
            unsafe { core::ptr::read_volatile(p) as i64 }
        }
        3 => {
            let f: fn() -> i64 = unsafe { core::mem::transmute(core::hint::black_box(0usize)) };
            f()
        }
        _ => {
            let x = core::hint::black_box(f64::NAN);
            // SAFETY: none; a trapping float-to-int conversion.
            unsafe { raw::trunc_f64(x) as i64 }
        }
    }
}

/// Sends with no gas limit and no flags: [exit code, return bytes] or the error number.
fn send(to: &[u8], method: u64, params: &[u8], value: &[u8]) -> Out {
    let params = if params.is_empty() {
        0
    } else {
        match put_block(DAG_CBOR, params) {
            Ok(id) => id,
            Err(e) => return Out::Code(e),
        }
    };
    if value.len() > 16 {
        return Out::Code(u32::MAX);
    }
    let mut v: u128 = 0;
    for b in value {
        v = (v << 8) | *b as u128;
    }
    let mut out = [0u8; 20];
    // SAFETY: 20 writable bytes; the address pointer and length describe `to`.
    let r = unsafe {
        sys::send(
            out.as_mut_ptr() as u32,
            to.as_ptr() as u32,
            to.len() as u32,
            method,
            params,
            (v >> 64) as u64,
            v as u64,
            u64::MAX,
            0,
        )
    };
    if r != 0 {
        return Out::Code(r);
    }
    let word = |i: usize| u32::from_le_bytes([out[i], out[i + 1], out[i + 2], out[i + 3]]);
    let (code, id, size) = (word(0), word(4), word(16));
    let data = if id == 0 {
        Vec::new()
    } else {
        match read_block(id, size) {
            Ok(d) => d,
            Err(e) => return Out::Code(e),
        }
    };
    Out::Sent(code, data)
}

/// Stores and links a block of `len` copies of `byte`: its CID bytes or the error number.
fn big(len: u32, byte: u8) -> Out {
    let data = vec![byte; len as usize];
    let id = match put_block(DAG_CBOR, &data) {
        Ok(id) => id,
        Err(e) => return Out::Code(e),
    };
    let mut cid = [0u8; 100];
    let mut n: u32 = 0;
    // SAFETY: 100 writable bytes and an u32 for the length.
    let r = unsafe {
        sys::block_link(
            &mut n as *mut u32 as u32,
            id,
            BLAKE2B_256,
            32,
            cid.as_mut_ptr() as u32,
            cid.len() as u32,
        )
    };
    if r != 0 {
        return Out::Code(r);
    }
    Out::Bytes(cid[..n as usize].to_vec())
}

enum End {
    Outputs,
    Bytes(Vec<u8>),
    Id(u32),
}

fn run(program: &Program) -> (Vec<Out>, End) {
    let mut outs = Vec::with_capacity(program.len());
    for op in program {
        let out = match op {
            Op::Write(off, data) => {
                let off = *off as usize;
                match scratch().get_mut(off..off + data.len()) {
                    Some(dst) => {
                        dst.copy_from_slice(data);
                        Out::Done
                    }
                    None => Out::Code(u32::MAX),
                }
            }
            Op::Fill(off, len, b) => {
                let (off, len) = (*off as usize, *len as usize);
                match scratch().get_mut(off..off + len) {
                    Some(dst) => {
                        dst.fill(*b);
                        Out::Done
                    }
                    None => Out::Code(u32::MAX),
                }
            }
            Op::Call(m, f, args) => {
                let a: Vec<i64> = args.iter().map(arg).collect();
                Out::Code(raw::call(m, f, &a))
            }
            Op::Read(off, len) => {
                let (off, len) = (*off as usize, *len as usize);
                Out::Bytes(
                    scratch()
                        .get(off..off + len)
                        .map(|s| s.to_vec())
                        .unwrap_or_default(),
                )
            }
            Op::Burn(n) => Out::Int(burn(*n) as i64),
            Op::Recurse(n) => Out::Int(recurse(*n) as i64),
            Op::Grow(pages) => {
                Out::Int(core::arch::wasm32::memory_grow(0, *pages as usize) as isize as i64)
            }
            Op::Trap(kind) => Out::Int(trap(*kind)),
            Op::Send(to, method, params, value) => send(to, *method, params, value),
            Op::Return(bytes) => return (outs, End::Bytes(bytes.clone())),
            Op::ReturnId(id) => return (outs, End::Id(*id)),
            Op::Abort(code, msg) => exit(*code, msg),
            Op::Big(len, byte) => big(*len, *byte),
        };
        outs.push(out);
    }
    (outs, End::Outputs)
}

#[no_mangle]
pub extern "C" fn invoke(params_id: u32) -> u32 {
    match method_number() {
        1 => 0,
        METHOD_RUN => {
            let program: Program = match params(params_id) {
                Some(b) => match fvm_ipld_encoding::from_slice(&b) {
                    Ok(p) => p,
                    Err(_) => exit(USR_SERIALIZATION, "bad program"),
                },
                None => Vec::new(),
            };
            let (outs, end) = run(&program);
            match end {
                End::Outputs => match fvm_ipld_encoding::to_vec(&outs) {
                    Ok(b) => ret_raw(&b),
                    Err(_) => exit(USR_SERIALIZATION, "failed to encode return"),
                },
                End::Bytes(b) => ret_raw(&b),
                End::Id(id) => id,
            }
        }
        _ => exit(USR_UNHANDLED_MESSAGE, "unhandled method"),
    }
}
