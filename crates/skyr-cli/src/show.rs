//! `skyr vectors show`: a vector's metadata, its messages decoded, its expected receipts.
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use fvm_shared::message::Message;
use skyr_vectors::schema::{b64, Vector};

/// Prints a vector.
pub fn show(file: &Path) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let v = Vector::from_json(&text)?;
    println!("vector   {}", file.display());
    println!("class    {}", v.class);
    if let Some(meta) = &v.meta {
        println!("meta     {meta}");
    }
    if let Some(sel) = &v.selector {
        println!("selector {sel}");
    }
    println!("pre      {}", v.preconditions.state_tree.root_cid.cid);
    println!("post     {}", v.postconditions.state_tree.root_cid.cid);
    println!(
        "basefee  {}",
        v.basefee()?
            .map(|b| b.to_string())
            .unwrap_or_else(|| "(default 100)".into())
    );
    if let Some(c) = v.circ_supply()? {
        println!("circ     {c}");
    }
    for var in &v.preconditions.variants {
        println!("variant  {}: epoch {}, nv {}", var.id, var.epoch, var.nv);
    }
    println!("car      {} bytes (gzipped, base64)", v.car.len());
    println!("randomness rules: {}", v.randomness.len());
    for (i, m) in v.apply_messages.iter().enumerate() {
        let bytes = b64(&m.bytes, &format!("apply_messages[{i}].bytes"))?;
        let msg: Message = fvm_ipld_encoding::from_slice(&bytes)
            .map_err(|e| anyhow!("apply_messages[{i}]: not a message: {e}"))?;
        println!("message {i}:");
        println!(
            "  from {}  to {}  method {}  seq {}",
            msg.from, msg.to, msg.method_num, msg.sequence
        );
        println!(
            "  value {}  gas limit {}  fee cap {}  premium {}",
            skyr_vectors::amounts::fil(&msg.value),
            msg.gas_limit,
            skyr_vectors::amounts::per_gas(&msg.gas_fee_cap),
            skyr_vectors::amounts::per_gas(&msg.gas_premium)
        );
        let params = msg.params.bytes();
        if params.is_empty() {
            println!("  params (none)");
        } else {
            println!(
                "  params {}",
                diag(params).unwrap_or_else(|e| format!("h'{}' (not CBOR: {e})", hex(params)))
            );
        }
        if let Some(r) = v.postconditions.receipts.get(i) {
            let ret = b64(&r.ret, "return")?;
            let shown = if ret.is_empty() {
                "(none)".into()
            } else {
                diag(&ret).unwrap_or_else(|_| format!("h'{}'", hex(&ret)))
            };
            println!(
                "  expect exit {}  gas {}  return {}",
                skyr_vectors::names::exit_label(r.exit_code),
                r.gas_used,
                shown
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Bytes as lowercase hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// CBOR in diagnostic notation (RFC 8949 §8), CIDs shown as strings.
pub fn diag(data: &[u8]) -> Result<String> {
    let mut pos = 0;
    let s = item(data, &mut pos, 0)?;
    if pos != data.len() {
        return Err(anyhow!("{} trailing bytes", data.len() - pos));
    }
    Ok(s)
}

fn take<'a>(d: &'a [u8], pos: &mut usize, n: usize) -> Result<&'a [u8]> {
    let end = pos
        .checked_add(n)
        .ok_or_else(|| anyhow!("length overflow"))?;
    let s = d.get(*pos..end).ok_or_else(|| anyhow!("truncated"))?;
    *pos = end;
    Ok(s)
}

fn head(d: &[u8], pos: &mut usize) -> Result<(u8, u8, u64)> {
    let b = take(d, pos, 1)?[0];
    let (major, info) = (b >> 5, b & 0x1f);
    let arg = match info {
        0..=23 => info as u64,
        24 => take(d, pos, 1)?[0] as u64,
        25 => u16::from_be_bytes(take(d, pos, 2)?.try_into()?) as u64,
        26 => u32::from_be_bytes(take(d, pos, 4)?.try_into()?) as u64,
        27 => u64::from_be_bytes(take(d, pos, 8)?.try_into()?),
        _ => return Err(anyhow!("indefinite lengths are not DAG-CBOR")),
    };
    Ok((major, info, arg))
}

fn item(d: &[u8], pos: &mut usize, depth: usize) -> Result<String> {
    if depth > 64 {
        return Err(anyhow!("nested too deep"));
    }
    let (major, info, arg) = head(d, pos)?;
    Ok(match major {
        0 => arg.to_string(),
        1 => format!("-{}", arg as u128 + 1),
        2 => format!("h'{}'", hex(take(d, pos, usize::try_from(arg)?)?)),
        3 => format!(
            "{:?}",
            String::from_utf8_lossy(take(d, pos, usize::try_from(arg)?)?)
        ),
        4 => {
            let mut parts = Vec::new();
            for _ in 0..arg {
                parts.push(item(d, pos, depth + 1)?);
            }
            format!("[{}]", parts.join(", "))
        }
        5 => {
            let mut parts = Vec::new();
            for _ in 0..arg {
                let k = item(d, pos, depth + 1)?;
                let v = item(d, pos, depth + 1)?;
                parts.push(format!("{k}: {v}"));
            }
            format!("{{{}}}", parts.join(", "))
        }
        6 if arg == 42 => {
            let (m, _, len) = head(d, pos)?;
            let bytes = take(d, pos, usize::try_from(len)?)?;
            match (m, bytes.split_first()) {
                (2, Some((0, rest))) => cid::Cid::read_bytes(rest)
                    .map(|c| format!("42({c})"))
                    .unwrap_or_else(|_| format!("42(h'{}')", hex(bytes))),
                _ => format!("42(h'{}')", hex(bytes)),
            }
        }
        6 => format!("{arg}({})", item(d, pos, depth + 1)?),
        _ => match info {
            20 => "false".into(),
            21 => "true".into(),
            22 => "null".into(),
            23 => "undefined".into(),
            27 => f64::from_bits(arg).to_string(),
            26 => f32::from_bits(arg as u32).to_string(),
            _ => format!("simple({arg})"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_notation_of_nested_values() {
        let bytes = fvm_ipld_encoding::to_vec(&(
            1u8,
            "a",
            vec![-2i64, 300],
            fvm_ipld_encoding::RawBytes::new(vec![0xab]),
        ))
        .expect("encode");
        assert_eq!(diag(&bytes).expect("diag"), r#"[1, "a", [-2, 300], h'ab']"#);
        assert!(diag(&bytes[..bytes.len() - 1]).is_err());
        assert!(diag(&[0x5f]).is_err());
    }
}
