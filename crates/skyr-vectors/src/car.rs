//! State CARs from outside (vectors, `skyr exec --state`), read as they inflate.
//!
//! A vector carries its state as a gzipped CARv1. Its blocks are read from the gzip stream
//! as it inflates: a stream that is not a CAR fails at its first bytes, and a valid CAR is
//! never held inflated beside its blocks. What inflates is counted, and past a limit the
//! read fails naming it, so a gzip bomb costs what it inflated before the limit, not its
//! full size.
use std::io::Read;

use anyhow::{anyhow, bail, Result};
use cid::Cid;

/// The most a state CAR may decompress to (1 GiB). Real vectors hold a few MB (the largest
/// of the 283 official mainnet ones, 2.3 MB; a generated state of a million accounts, some
/// hundreds).
pub const MAX_CAR_BYTES: u64 = 1 << 30;

/// A CAR's roots and blocks (their CIDs checked against their bytes).
pub struct Car {
    /// The roots its header names (at least one).
    pub roots: Vec<Cid>,
    /// Its blocks, in the order they were written.
    pub blocks: Vec<(Cid, Vec<u8>)>,
}

/// The bytes a gzip stream inflates to, counted: past `limit` a read fails naming the limit.
/// Errors of the stream itself (not gzip, corrupt, cut short) are reported as invalid data,
/// never as an end of file, so a truncated stream cannot pass for a shorter CAR.
struct Inflating<R> {
    inner: R,
    inflated: u64,
    limit: u64,
}

impl<'a> Inflating<flate2::read::GzDecoder<&'a [u8]>> {
    /// The gzip stream `gz`, inflated up to `limit` bytes.
    fn gzip(gz: &'a [u8], limit: u64) -> Self {
        Inflating {
            inner: flate2::read::GzDecoder::new(gz),
            inflated: 0,
            limit,
        }
    }
}

impl<R: Read> Read for Inflating<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not gzip: {e}"))
        })?;
        self.inflated += n as u64;
        if self.inflated > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "decompresses to more than {} bytes, the limit for a state (a gzip bomb, \
                     or a state too large for a vector)",
                    self.limit
                ),
            ));
        }
        Ok(n)
    }
}

/// The roots and blocks of `bytes`, a CARv1, gzipped (read as it inflates, at most `limit`
/// bytes inflated) or not; `what` names the input in errors.
pub fn read_car(bytes: &[u8], limit: u64, what: &str) -> Result<Car> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        blocks_of(Inflating::gzip(bytes, limit), what)
    } else {
        blocks_of(bytes, what)
    }
}

/// The roots and blocks of a gzipped CARv1 (what a vector's `car` field holds, decoded from
/// base64): the gzip header is required.
pub fn read_gzipped_car(gz: &[u8], limit: u64, what: &str) -> Result<Car> {
    if !gz.starts_with(&[0x1f, 0x8b]) {
        bail!("{what}: not gzip (no gzip header)");
    }
    read_car(gz, limit, what)
}

fn blocks_of(reader: impl Read, what: &str) -> Result<Car> {
    let reader =
        fvm_ipld_car::CarReader::new(reader).map_err(|e| anyhow!("{what}: not a CARv1: {e}"))?;
    let roots = reader.header.roots.clone();
    let blocks = reader
        .map(|b| b.map(|b| (b.cid, b.data)))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{what}: malformed: {e}"))?;
    Ok(Car { roots, blocks })
}

/// Inflates `gz` whole, refusing to produce more than `limit` bytes (for tools that need the
/// CAR's bytes themselves; running a vector reads its blocks as they inflate instead).
pub fn gunzip(gz: &[u8], limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    Inflating::gzip(gz, limit)
        .read_to_end(&mut out)
        .map_err(|e| anyhow!("{what}: {e}"))?;
    Ok(out)
}
