//! `--params-json`: message parameters written as DAG-JSON, encoded to DAG-CBOR.
//!
//! Numbers are integers, strings are text, arrays are lists (the tuples built-in actors
//! take), objects are maps; `{"/": "bafy..."}` is a link and `{"/": {"bytes": "BASE64"}}`
//! bytes, as DAG-JSON says. Two forms of Skyr's own write what parameters hold most often as
//! bytes: `{"/": {"address": "f01234"}}` an address and `{"/": {"atto": "1000"}}` a token
//! amount (a big integer, as Filecoin encodes it).
use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use fvm_shared::address::{Address, Network};
use fvm_shared::econ::TokenAmount;
use ipld_core::ipld::Ipld;
use serde_json::Value;

/// Deepest nesting accepted (DAG-CBOR encoders recurse; hostile input must not overflow).
const MAX_DEPTH: usize = 64;

/// An address in either network's notation (`f…` or `t…`).
pub fn parse_address(s: &str) -> std::result::Result<Address, fvm_shared::address::Error> {
    Network::Mainnet
        .parse_address(s)
        .or_else(|_| Network::Testnet.parse_address(s))
}

/// The DAG-CBOR bytes of `text`, DAG-JSON.
pub fn params_from_json(text: &str) -> Result<Vec<u8>> {
    let v: Value = serde_json::from_str(text).context("not JSON")?;
    let ipld = to_ipld(&v, 0)?;
    fvm_ipld_encoding::to_vec(&ipld).map_err(|e| anyhow!("cannot encode as CBOR: {e}"))
}

fn to_ipld(v: &Value, depth: usize) -> Result<Ipld> {
    if depth > MAX_DEPTH {
        bail!("nested deeper than {MAX_DEPTH}");
    }
    Ok(match v {
        Value::Null => Ipld::Null,
        Value::Bool(b) => Ipld::Bool(*b),
        Value::Number(n) => {
            let s = n.to_string();
            Ipld::Integer(s.parse::<i128>().map_err(|_| {
                anyhow!("{s}: only integers (DAG-CBOR floats are not used by actors)")
            })?)
        }
        Value::String(s) => Ipld::String(s.clone()),
        Value::Array(items) => Ipld::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_ipld(x, depth + 1).with_context(|| format!("[{i}]")))
                .collect::<Result<_>>()?,
        ),
        Value::Object(map) => match (map.len(), map.get("/")) {
            (1, Some(special)) => special_form(special)?,
            _ => Ipld::Map(
                map.iter()
                    .map(|(k, x)| {
                        Ok((k.clone(), to_ipld(x, depth + 1).with_context(|| k.clone())?))
                    })
                    .collect::<Result<BTreeMap<_, _>>>()?,
            ),
        },
    })
}

/// The value of a `{"/": ...}` object.
fn special_form(v: &Value) -> Result<Ipld> {
    if let Value::String(c) = v {
        return Ok(Ipld::Link(
            c.parse()
                .map_err(|e| anyhow!("{{\"/\": \"{c}\"}}: not a CID: {e}"))?,
        ));
    }
    let Some((kind, Value::String(text))) = v
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
    else {
        bail!("{{\"/\": {v}}}: expected a CID string, or one of bytes, address, atto");
    };
    let bytes = match kind.as_str() {
        "bytes" => base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|e| anyhow!("{{\"/\": {{\"bytes\": ..}}}}: not base64: {e}"))?,
        "address" => parse_address(text)
            .map_err(|e| anyhow!("{text}: not an address: {e}"))?
            .to_bytes(),
        "atto" => {
            let n: fvm_shared::bigint::BigInt = text
                .parse()
                .map_err(|e| anyhow!("{text}: not an integer: {e}"))?;
            // Filecoin's big integer bytes: the CBOR byte string its serializer writes.
            let cbor = fvm_ipld_encoding::to_vec(&TokenAmount::from_atto(n))?;
            match fvm_ipld_encoding::from_slice::<Ipld>(&cbor)? {
                Ipld::Bytes(b) => b,
                _ => bail!("{text}: a token amount did not encode as bytes"),
            }
        }
        other => bail!("{{\"/\": {{\"{other}\": ..}}}}: unknown form (bytes, address, atto)"),
    };
    Ok(Ipld::Bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show::hex;

    #[test]
    fn tuples_addresses_amounts_and_bytes_encode_as_actors_read_them() {
        // [f01234 as bytes, 1000 as a big integer, 7, "x", bytes 01 02]
        let b = params_from_json(
            r#"[{"/": {"address": "f01234"}}, {"/": {"atto": "1000"}}, 7, "x", {"/": {"bytes": "AQI"}}]"#,
        )
        .unwrap();
        assert_eq!(hex(&b), "854300d209430003e8076178420102");
        // Decoded as a built-in actor would.
        let (a, t, n, s, raw): (
            Address,
            TokenAmount,
            u64,
            String,
            fvm_ipld_encoding::BytesDe,
        ) = fvm_ipld_encoding::from_slice(&b).unwrap();
        assert_eq!(a, Address::new_id(1234));
        assert_eq!(t, TokenAmount::from_atto(1000));
        assert_eq!((n, s.as_str(), raw.0.as_slice()), (7, "x", &[1u8, 2][..]));
    }

    #[test]
    fn bad_input_is_named() {
        for (text, says) in [
            ("[1.5]", "only integers"),
            (r#"{"/": "nope"}"#, "not a CID"),
            (r#"{"/": {"address": "x9"}}"#, "not an address"),
            (r#"{"/": {"hex": "00"}}"#, "unknown form"),
            ("[", "not JSON"),
        ] {
            let e = format!("{:#}", params_from_json(text).unwrap_err());
            assert!(e.contains(says), "{text}: {e}");
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(format!("{:#}", params_from_json(&deep).unwrap_err()).contains("deeper"));
    }
}
