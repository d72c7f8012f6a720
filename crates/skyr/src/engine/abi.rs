//! Reading syscall arguments out of an actor's memory and packing results into it, with the
//! error numbers the reference gives for each kind of bad argument.
use cid::Cid;
use fvm_ipld_encoding::de::DeserializeOwned;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ErrorNumber;

use crate::error::{fatal, syscall_err, ExecError, Result};
use crate::rules::NetworkRules;

/// The error for a buffer outside the actor's memory.
pub fn oob(off: u32, len: u32) -> ExecError {
    syscall_err(
        ErrorNumber::IllegalArgument,
        format!("buffer {off} (length {len}) out of bounds"),
    )
}

/// `len` bytes at `off`, or IllegalArgument.
pub fn slice(m: &[u8], off: u32, len: u32) -> Result<&[u8]> {
    m.get(off as usize..)
        .and_then(|s| s.get(..len as usize))
        .ok_or_else(|| oob(off, len))
}

/// `len` writable bytes at `off`, or IllegalArgument.
pub fn slice_mut(m: &mut [u8], off: u32, len: u32) -> Result<&mut [u8]> {
    m.get_mut(off as usize..)
        .and_then(|s| s.get_mut(..len as usize))
        .ok_or_else(|| oob(off, len))
}

/// IllegalArgument unless `off..off+len` is inside memory.
pub fn check_bounds(m: &[u8], off: u32, len: u32) -> Result<()> {
    if off as u64 + len as u64 <= m.len() as u64 {
        Ok(())
    } else {
        Err(oob(off, len))
    }
}

/// The CID whose bytes start at `off`.
pub fn read_cid(m: &[u8], off: u32) -> Result<Cid> {
    let bytes = m.get(off as usize..).ok_or_else(|| {
        syscall_err(
            ErrorNumber::IllegalArgument,
            format!("cid at offset {off} is out of bounds"),
        )
    })?;
    Cid::read_bytes(bytes).map_err(|e| {
        syscall_err(
            ErrorNumber::IllegalArgument,
            format!("failed to parse cid: {e}"),
        )
    })
}

/// Writes a CID into a buffer; BufferTooSmall when it does not fit.
pub fn write_cid(m: &mut [u8], k: &Cid, off: u32, len: u32) -> Result<u32> {
    let out = slice_mut(m, off, len)?;
    let bytes = k.to_bytes();
    if bytes.len() > out.len() {
        return Err(syscall_err(
            ErrorNumber::BufferTooSmall,
            "cid output buffer is too small",
        ));
    }
    out[..bytes.len()].copy_from_slice(&bytes);
    Ok(bytes.len() as u32)
}

/// The address in `len` bytes at `off`, if the network version's rules know its protocol.
pub fn read_address(m: &[u8], off: u32, len: u32, rules: &NetworkRules) -> Result<Address> {
    let addr = Address::from_bytes(slice(m, off, len)?)
        .map_err(|e| syscall_err(ErrorNumber::IllegalArgument, e.to_string()))?;
    rules
        .check_address(&addr)
        .map_err(|e| syscall_err(ErrorNumber::IllegalArgument, e))?;
    Ok(addr)
}

/// A DAG-CBOR value in `len` bytes at `off`.
pub fn read_cbor<T: DeserializeOwned>(m: &[u8], off: u32, len: u32) -> Result<T> {
    let bytes = slice(m, off, len)?;
    match std::panic::catch_unwind(|| fvm_ipld_encoding::from_slice::<T>(bytes)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(syscall_err(ErrorNumber::IllegalArgument, e.to_string())),
        Err(_) => Err(syscall_err(
            ErrorNumber::IllegalArgument,
            "panic when decoding cbor from actor",
        )),
    }
}

/// Text, or IllegalArgument.
pub fn utf8(b: &[u8]) -> Result<&str> {
    std::str::from_utf8(b).map_err(|e| syscall_err(ErrorNumber::IllegalArgument, e.to_string()))
}

/// A token amount as the ABI's (lo, hi) u64 pair.
pub fn token_bytes(v: &TokenAmount) -> Result<[u8; 16]> {
    let atto: u128 = v
        .atto()
        .try_into()
        .map_err(|_| fatal("token amount exceeds u128"))?;
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&(atto as u64).to_le_bytes());
    out[8..].copy_from_slice(&((atto >> 64) as u64).to_le_bytes());
    Ok(out)
}

/// A send's outcome as the ABI's 20-byte struct: exit code, return handle, codec, size.
pub fn send_bytes(out: &crate::kernel::SendOutcome) -> [u8; 20] {
    Packed::new()
        .put(&out.exit_code.value().to_le_bytes())
        .put(&out.id.to_le_bytes())
        .put(&out.codec.to_le_bytes())
        .put(&out.size.to_le_bytes())
        .0
}

/// The ABI's yes (0) / no (-1).
pub fn bool_code(ok: bool) -> [u8; 4] {
    (if ok { 0i32 } else { -1i32 }).to_le_bytes()
}

/// Little-endian packing of the ABI's out-structs.
pub struct Packed<const N: usize>(pub [u8; N], usize);

impl<const N: usize> Packed<N> {
    /// An empty struct.
    pub fn new() -> Self {
        Packed([0; N], 0)
    }
    /// Appends a field.
    pub fn put(mut self, b: &[u8]) -> Self {
        self.0[self.1..self.1 + b.len()].copy_from_slice(b);
        self.1 += b.len();
        self
    }
}
