//! Skyr's test actor: runs a [`skyr_test_program::Program`] sent as parameters of method 2,
//! so one actor drives every syscall through its success path and each error number.
//! Method 1 is a constructor that accepts anything; other methods answer "unhandled".
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_ipld_encoding::DAG_CBOR;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use skyr_actors_common as common;
use skyr_test_program::{Arg, Op, Out, Program, METHOD_RUN, SCRATCH_LEN};

mod raw;

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

fn send(to: &[u8], method: u64, params: &[u8], value: &[u8]) -> Out {
    let to = match Address::from_bytes(to) {
        Ok(a) => a,
        Err(_) => return Out::Code(u32::MAX),
    };
    let params = if params.is_empty() {
        None
    } else {
        Some(IpldBlock { codec: DAG_CBOR, data: params.to_vec() })
    };
    let value = TokenAmount::from_atto(fvm_shared::bigint::BigInt::from_bytes_be(
        fvm_shared::bigint::Sign::Plus,
        value,
    ));
    match fvm_sdk::send::send(&to, method, params, value) {
        Ok(r) => Out::Sent(r.exit_code.value(), r.return_data.map(|b| b.data).unwrap_or_default()),
        Err(e) => Out::Code(e as u32),
    }
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
                Out::Bytes(scratch().get(off..off + len).map(|s| s.to_vec()).unwrap_or_default())
            }
            Op::Burn(n) => Out::Int(burn(*n) as i64),
            Op::Recurse(n) => Out::Int(recurse(*n) as i64),
            Op::Grow(pages) => Out::Int(core::arch::wasm32::memory_grow(0, *pages as usize) as isize as i64),
            Op::Trap(kind) => Out::Int(trap(*kind)),
            Op::Send(to, method, params, value) => send(to, *method, params, value),
            Op::Return(bytes) => return (outs, End::Bytes(bytes.clone())),
            Op::ReturnId(id) => return (outs, End::Id(*id)),
            Op::Abort(code, msg) => fvm_sdk::vm::abort(*code, Some(msg)),
            Op::Big(len, byte) => {
                let data = vec![*byte; *len as usize];
                match fvm_sdk::ipld::put(common::BLAKE2B_256, 32, DAG_CBOR, &data) {
                    Ok(c) => Out::Bytes(c.to_bytes()),
                    Err(e) => Out::Code(e as u32),
                }
            }
        };
        outs.push(out);
    }
    (outs, End::Outputs)
}

#[no_mangle]
pub extern "C" fn invoke(params: u32) -> u32 {
    match fvm_sdk::message::method_number() {
        1 => 0,
        METHOD_RUN => {
            let program: Program = match fvm_sdk::message::params_raw(params) {
                Ok(Some(b)) => match fvm_ipld_encoding::from_slice(&b.data) {
                    Ok(p) => p,
                    Err(_) => common::abort(ExitCode::USR_SERIALIZATION, "bad program"),
                },
                _ => Vec::new(),
            };
            let (outs, end) = run(&program);
            match end {
                End::Outputs => common::ret(&outs),
                End::Bytes(b) => common::ret_raw(&b),
                End::Id(id) => id,
            }
        }
        _ => common::unhandled(),
    }
}
