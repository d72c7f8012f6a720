//! Finding the links of a block (FIP-0071): a DAG-CBOR block is walked field by field and
//! every CID in it collected, inline (identity-hashed) CIDs walked in turn. Each field and each
//! CID costs gas, paid from what the message has left; running out stops the walk.
use cid::Cid;
use fvm_ipld_encoding::{CBOR, DAG_CBOR, IPLD_RAW};
use fvm_shared::commcid::{FIL_COMMITMENT_SEALED, FIL_COMMITMENT_UNSEALED};
use fvm_shared::error::ErrorNumber;

use crate::error::{syscall_err, ExecError, Result};
use crate::gas::{Gas, LinkPrices};

/// Codecs of links that are skipped: sector commitments, which name no block.
const IGNORED_CODECS: &[u64] = &[FIL_COMMITMENT_UNSEALED, FIL_COMMITMENT_SEALED];

/// The only hash a link to a stored block may have: blake2b-256, 32 bytes.
const BLAKE2B_256: u64 = 0xb220;
const IDENTITY: u64 = 0;

/// CBOR tag of a CID.
const CID_TAG: u64 = 42;

/// The links of a `codec` block holding `data`, and the gas the walk used (at most
/// `available`; all of it when the walk ran out). A link must have one of `codecs` (those
/// blocks may have under the rules).
pub fn scan(
    codec: u64,
    data: &[u8],
    prices: LinkPrices,
    codecs: &[u64],
    available: Gas,
) -> (Result<Vec<Cid>>, Gas) {
    let mut walk = Walk {
        prices,
        codecs,
        left: available,
        links: Vec::new(),
    };
    let result = walk.block(codec, data);
    let used = available - walk.left;
    (result.map(|()| walk.links), used)
}

struct Walk<'c> {
    prices: LinkPrices,
    codecs: &'c [u64],
    left: Gas,
    links: Vec<Cid>,
}

fn malformed(what: impl Into<String>) -> ExecError {
    syscall_err(ErrorNumber::Serialization, what)
}

impl Walk<'_> {
    fn charge(&mut self, gas: Gas) -> Result<()> {
        if self.left < gas {
            self.left = Gas::zero();
            return Err(ExecError::OutOfGas);
        }
        self.left = self.left - gas;
        Ok(())
    }

    fn block(&mut self, codec: u64, data: &[u8]) -> Result<()> {
        match codec {
            DAG_CBOR => self.cbor(data),
            IPLD_RAW | CBOR => Ok(()),
            _ => Err(syscall_err(
                ErrorNumber::IllegalCodec,
                format!("codec {codec} not allowed"),
            )),
        }
    }

    /// Walks one DAG-CBOR item (with everything inside it), then insists nothing follows.
    fn cbor(&mut self, mut buf: &[u8]) -> Result<()> {
        let mut remaining: u64 = 1;
        while remaining > 0 {
            remaining -= 1;
            self.charge(self.prices.scan_per_field)?;
            let (major, extra) = header(&mut buf)?;
            match major {
                // Integers, simple values and floats: nothing more to read.
                0 | 1 | 7 => {}
                // Byte and text strings.
                2 | 3 => buf = skip(buf, extra)?,
                6 if extra != CID_TAG => remaining += 1,
                6 => {
                    self.charge(self.prices.scan_per_cid)?;
                    let (major, extra) = header(&mut buf)?;
                    if major != 2 {
                        return Err(malformed("expected cbor type byte string in input"));
                    }
                    if extra > buf.len() as u64 {
                        return Err(malformed("unexpected end of cbor stream"));
                    }
                    if extra < 1 || buf.first() != Some(&0) {
                        return Err(malformed("DagCBOR CID does not start with a 0x byte"));
                    }
                    let (mut bytes, rest) = buf[1..].split_at(extra as usize - 1);
                    buf = rest;
                    let cid = Cid::read_bytes(&mut bytes)
                        .map_err(|e| malformed(format!("invalid cid: {e}")))?;
                    if !bytes.is_empty() {
                        return Err(malformed(format!("cid has {} trailing bytes", bytes.len())));
                    }
                    self.visit(&cid)?;
                }
                4 => {
                    remaining = remaining
                        .checked_add(extra)
                        .ok_or_else(|| malformed("cbor field count overflow"))?;
                }
                _ => {
                    remaining = extra
                        .checked_mul(2)
                        .and_then(|v| v.checked_add(remaining))
                        .ok_or_else(|| malformed("cbor field count overflow"))?;
                }
            }
        }
        if !buf.is_empty() {
            return Err(malformed(format!(
                "{} trailing bytes in CBOR block",
                buf.len()
            )));
        }
        Ok(())
    }

    /// Keeps a link to a stored block, walks an inline one, skips a sector commitment, and
    /// refuses one no block can have.
    fn visit(&mut self, cid: &Cid) -> Result<()> {
        let codec = cid.codec();
        if IGNORED_CODECS.contains(&codec) {
            return Ok(());
        }
        if !self.codecs.contains(&codec) {
            return Err(syscall_err(
                ErrorNumber::NotFound,
                format!("block links to CID with forbidden codec {codec}"),
            ));
        }
        let hash = cid.hash();
        if hash.code() == IDENTITY {
            return self.block(codec, hash.digest());
        }
        if hash.code() != BLAKE2B_256 || hash.size() != 32 {
            return Err(syscall_err(
                ErrorNumber::NotFound,
                format!(
                    "block links to CID with forbidden multihash type (code: {}, len: {})",
                    hash.code(),
                    hash.size()
                ),
            ));
        }
        self.links.push(*cid);
        Ok(())
    }
}

/// Reads a CBOR item header: its major type and its argument.
fn header(buf: &mut &[u8]) -> Result<(u8, u64)> {
    let first = take::<1>(buf)?[0];
    let major = first >> 5;
    let value = match first & 0x1f {
        low @ 0..=23 => u64::from(low),
        24 => u64::from(take::<1>(buf)?[0]),
        25 => u64::from(u16::from_be_bytes(take(buf)?)),
        26 => u64::from(u32::from_be_bytes(take(buf)?)),
        27 => u64::from_be_bytes(take(buf)?),
        _ => return Err(malformed("invalid cbor header")),
    };
    Ok((major, value))
}

fn take<const N: usize>(buf: &mut &[u8]) -> Result<[u8; N]> {
    let (head, rest) = buf
        .split_first_chunk::<N>()
        .ok_or_else(|| malformed("invalid cbor header"))?;
    *buf = rest;
    Ok(*head)
}

fn skip(buf: &[u8], n: u64) -> Result<&[u8]> {
    usize::try_from(n)
        .ok()
        .and_then(|n| buf.get(n..))
        .ok_or_else(|| malformed("unexpected end of cbor stream"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use multihash_codetable::{Code, MultihashDigest};

    const PRICES: LinkPrices = LinkPrices {
        scan_per_field: Gas::new(1),
        scan_per_cid: Gas::new(1 << 16),
        tracked: Gas::new(300),
        checked: Gas::new(300),
    };

    const CODECS: &[u64] = &[CBOR, DAG_CBOR, IPLD_RAW];

    fn run(codec: u64, data: &[u8]) -> (Result<Vec<Cid>>, Gas) {
        scan(codec, data, PRICES, CODECS, Gas::new(1 << 40))
    }

    #[test]
    fn finds_links_and_charges_fields_and_cids() {
        let link = Cid::new_v1(IPLD_RAW, Code::Blake2b256.digest(b"foobar"));
        let data = fvm_ipld_encoding::to_vec(&(0u64, link, 1u64)).expect("encodes");
        let (links, used) = run(DAG_CBOR, &data);
        assert_eq!(links.expect("scans"), vec![link]);
        // The array, two integers, the tag and the CID's bytes: four fields and one CID.
        assert_eq!(used, Gas::new(4 + (1 << 16)));
        // As plain CBOR nothing is scanned.
        let (links, used) = run(CBOR, &data);
        assert!(links.expect("scans").is_empty());
        assert_eq!(used, Gas::zero());
    }

    #[test]
    fn refuses_forbidden_links_and_bad_cbor() {
        let sha = Cid::new_v1(IPLD_RAW, Code::Sha2_256.digest(b"x"));
        let data = fvm_ipld_encoding::to_vec(&sha).expect("encodes");
        let err = run(DAG_CBOR, &data).0.expect_err("sha2 links are refused");
        assert!(matches!(err, ExecError::Syscall(e) if e.number == ErrorNumber::NotFound));
        let err = run(DAG_CBOR, &[0x82, 0x01]).0.expect_err("truncated");
        assert!(matches!(err, ExecError::Syscall(e) if e.number == ErrorNumber::Serialization));
        let err = run(DAG_CBOR, &[0x01, 0x01]).0.expect_err("trailing");
        assert!(matches!(err, ExecError::Syscall(e) if e.number == ErrorNumber::Serialization));
    }

    #[test]
    fn running_out_uses_everything() {
        let data = fvm_ipld_encoding::to_vec(&(1u64, 2u64, 3u64)).expect("encodes");
        let (r, used) = scan(DAG_CBOR, &data, PRICES, CODECS, Gas::new(2));
        assert!(matches!(r, Err(ExecError::OutOfGas)));
        assert_eq!(used, Gas::new(2));
    }
}
