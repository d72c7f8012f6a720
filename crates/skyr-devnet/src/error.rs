//! JSON-RPC errors, with the codes clients act on: a revert is code 3 with the raw revert
//! bytes in `data` (ethers and viem decode custom errors from there), running out of gas is
//! code 2 (Lotus's), a refused transaction -32000 (as geth, whose messages clients match),
//! bad parameters -32602.
use serde_json::{json, Value};

/// An error a method answers with.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The JSON-RPC code.
    pub code: i64,
    /// What went wrong, for a person.
    pub message: String,
    /// Extra data (a revert's bytes).
    pub data: Option<Value>,
}

impl RpcError {
    /// Malformed JSON.
    pub fn parse(why: impl std::fmt::Display) -> Self {
        Self::new(-32700, format!("parse error: {why}"))
    }
    /// Not a JSON-RPC request.
    pub fn invalid_request(why: impl std::fmt::Display) -> Self {
        Self::new(-32600, format!("invalid request: {why}"))
    }
    /// An unknown method.
    pub fn no_method(name: &str) -> Self {
        Self::new(
            -32601,
            format!("the method {name} does not exist or is not available"),
        )
    }
    /// Parameters of the wrong number or shape.
    pub fn params(why: impl std::fmt::Display) -> Self {
        Self::new(-32602, format!("invalid params: {why}"))
    }
    /// A transaction the node will not take.
    pub fn rejected(why: impl std::fmt::Display) -> Self {
        Self::new(-32000, why.to_string())
    }
    /// The node failed (a bug or a broken store).
    pub fn internal(why: impl std::fmt::Display) -> Self {
        Self::new(-32603, format!("internal error: {why}"))
    }
    /// An error with a code and message.
    pub fn new(code: i64, message: String) -> Self {
        RpcError {
            code,
            message,
            data: None,
        }
    }
    /// Its JSON object.
    pub fn to_json(&self) -> Value {
        match &self.data {
            Some(d) => json!({"code": self.code, "message": self.message, "data": d}),
            None => json!({"code": self.code, "message": self.message}),
        }
    }
}

impl From<anyhow::Error> for RpcError {
    fn from(e: anyhow::Error) -> Self {
        RpcError::internal(format!("{e:#}"))
    }
}

/// What a method returns.
pub type RpcResult<T = Value> = Result<T, RpcError>;

const ERROR_SELECTOR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
const PANIC_SELECTOR: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

fn word_u64(w: &[u8]) -> Option<u64> {
    if w.len() != 32 || w[..24].iter().any(|b| *b != 0) {
        return None;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&w[24..]);
    Some(u64::from_be_bytes(b))
}

/// A revert's reason, as Lotus words it: `Error(text)` for `require` strings, `Panic(0x..)`
/// for Solidity panics, and the bytes in hex otherwise.
pub fn revert_reason(data: &[u8]) -> String {
    let as_hex = || format!("0x{}", hex::encode(data));
    if data.len() < 36 {
        return as_hex();
    }
    if data[..4] == PANIC_SELECTOR {
        return match word_u64(&data[4..36]) {
            Some(c) => format!("Panic(0x{c:x})"),
            None => as_hex(),
        };
    }
    if data[..4] == ERROR_SELECTOR {
        let body = &data[4..];
        let text = word_u64(&body[..32]).and_then(|off| {
            let off = usize::try_from(off).ok()?;
            let len = word_u64(body.get(off..off.checked_add(32)?)?)?;
            let start = off + 32;
            let bytes = body.get(start..start.checked_add(usize::try_from(len).ok()?)?)?;
            Some(String::from_utf8_lossy(bytes).into_owned())
        });
        if let Some(t) = text {
            return format!("Error({t})");
        }
    }
    as_hex()
}

/// The revert error of a failed call or estimate: code 3, Lotus's message, the raw revert
/// bytes (the receipt's return, unwrapped from its CBOR byte string) in `data`.
pub fn reverted(exit: u32, return_data: &[u8], vm_error: &str) -> RpcError {
    let raw = crate::ethtx::cbor_bytes(return_data);
    let reason = match &raw {
        Some(b) if b.is_empty() => ", revert reason=[none]".to_string(),
        Some(b) => format!(", revert reason=[{}]", revert_reason(b)),
        None => String::new(),
    };
    let data = raw.unwrap_or_default();
    RpcError {
        code: 3,
        message: format!("message execution failed (exit=[{exit}]{reason}, vm error=[{vm_error}])"),
        data: Some(Value::String(format!("0x{}", hex::encode(&data)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_decode_as_lotus_words_them() {
        let mut e = ERROR_SELECTOR.to_vec();
        let mut w = [0u8; 32];
        w[31] = 32;
        e.extend(w);
        w[31] = 4;
        e.extend(w);
        let mut t = [0u8; 32];
        t[..4].copy_from_slice(b"nope");
        e.extend(t);
        assert_eq!(revert_reason(&e), "Error(nope)");
        let mut p = PANIC_SELECTOR.to_vec();
        let mut c = [0u8; 32];
        c[31] = 0x11;
        p.extend(c);
        assert_eq!(revert_reason(&p), "Panic(0x11)");
        assert_eq!(revert_reason(&[1, 2]), "0x0102");
        // A string offset pointing past the data falls back to hex.
        let mut bad = ERROR_SELECTOR.to_vec();
        let mut w = [0u8; 32];
        w[31] = 200;
        bad.extend(w);
        assert_eq!(revert_reason(&bad), format!("0x{}", hex::encode(&bad)));
    }
}
