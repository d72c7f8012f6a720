//! The JSON form of a test vector (class `message`), as the public corpora write it.
//!
//! Parsing is strict about what a run needs and lenient about the rest, and every error names
//! the field that was wrong.
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use cid::Cid;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"/": "<cid>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidJson {
    #[serde(rename = "/")]
    pub cid: String,
}

impl CidJson {
    /// The CID.
    pub fn parse(&self, field: &str) -> Result<Cid> {
        Cid::try_from(self.cid.as_str())
            .map_err(|e| anyhow!("{field}: `{}` is not a CID: {e}", self.cid))
    }
}

/// One run configuration of a vector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: String,
    pub epoch: i64,
    pub nv: u32,
}

/// A recorded randomness answer: `on` is `[kind, epoch]` (newer vectors) or
/// `[kind, tag, epoch, entropy]` (older ones); `ret` the base64 digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomnessRule {
    pub on: Vec<Value>,
    pub ret: String,
}

/// A message to apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyMessage {
    /// Base64 of the CBOR-encoded unsigned message.
    pub bytes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch_offset: Option<i64>,
}

/// An expected receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptJson {
    pub exit_code: u32,
    /// Base64 of the return bytes.
    #[serde(rename = "return")]
    pub ret: String,
    pub gas_used: i64,
    /// The root of the message's events (network version 18 on), when the vector records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_root: Option<CidJson>,
}

/// State before the messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preconditions {
    pub state_tree: StateTree,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basefee: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circ_supply: Option<Value>,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// A state root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateTree {
    pub root_cid: CidJson,
}

/// What the messages must produce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Postconditions {
    pub state_tree: StateTree,
    #[serde(default)]
    pub receipts: Vec<ReceiptJson>,
}

/// A test vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vector {
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Value>,
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Base64 of a gzipped CARv1 with every block the vector needs.
    pub car: String,
    pub preconditions: Preconditions,
    #[serde(default)]
    pub apply_messages: Vec<ApplyMessage>,
    pub postconditions: Postconditions,
    #[serde(default)]
    pub randomness: Vec<RandomnessRule>,
}

impl Vector {
    /// Parses a vector, naming the field at fault when it does not fit the schema.
    pub fn from_json(text: &str) -> Result<Vector> {
        let value: Value = serde_json::from_str(text).context("not JSON")?;
        let obj = value
            .as_object()
            .ok_or_else(|| anyhow!("a vector is a JSON object"))?;
        match obj.get("class").and_then(Value::as_str) {
            Some(_) => {}
            None => bail!("field `class` is missing or not a string"),
        }
        for field in ["car", "preconditions", "postconditions"] {
            if !obj.contains_key(field) {
                bail!("field `{field}` is missing");
            }
        }
        serde_path_error(serde_json::from_value::<Vector>(value.clone()), &value)
    }

    /// Base fee (attoFIL), if the vector sets one.
    pub fn basefee(&self) -> Result<Option<u128>> {
        big_uint(self.preconditions.basefee.as_ref(), "preconditions.basefee")
    }

    /// Circulating supply (attoFIL), if the vector sets one.
    pub fn circ_supply(&self) -> Result<Option<u128>> {
        big_uint(
            self.preconditions.circ_supply.as_ref(),
            "preconditions.circ_supply",
        )
    }
}

/// Decodes standard base64, naming the field on failure.
pub fn b64(s: &str, field: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| anyhow!("{field}: bad base64: {e}"))
}

/// Encodes standard base64.
pub fn to_b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Big integers appear as JSON numbers (possibly past u64) or strings.
fn big_uint(v: Option<&Value>, field: &str) -> Result<Option<u128>> {
    let Some(v) = v else { return Ok(None) };
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Null => return Ok(None),
        _ => bail!("{field}: expected an integer"),
    };
    if text.contains(['.', 'e', 'E']) {
        // serde_json without arbitrary precision turns numbers past u64 into floats.
        let f: f64 = text
            .parse()
            .map_err(|_| anyhow!("{field}: `{text}` is not an integer"))?;
        if f < 0.0 || f.fract() != 0.0 {
            bail!("{field}: `{text}` is not a non-negative integer");
        }
        bail!("{field}: {text} is too large to read exactly; write it as a string");
    }
    text.parse::<u128>()
        .map(Some)
        .map_err(|_| anyhow!("{field}: `{text}` is not a non-negative integer"))
}

/// Re-runs a failed typed decode field by field to say which one failed.
fn serde_path_error<T>(r: std::result::Result<T, serde_json::Error>, value: &Value) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => {
            let obj = value.as_object();
            let probe = |name: &str, ok: bool| if ok { None } else { Some(name.to_string()) };
            let field = obj.and_then(|o| {
                probe("car", o.get("car").is_some_and(Value::is_string))
                    .or_else(|| {
                        probe(
                            "preconditions",
                            serde_json::from_value::<Preconditions>(o["preconditions"].clone())
                                .is_ok(),
                        )
                    })
                    .or_else(|| {
                        probe(
                            "postconditions",
                            serde_json::from_value::<Postconditions>(o["postconditions"].clone())
                                .is_ok(),
                        )
                    })
                    .or_else(|| {
                        probe(
                            "apply_messages",
                            o.get("apply_messages").is_none_or(|m| {
                                serde_json::from_value::<Vec<ApplyMessage>>(m.clone()).is_ok()
                            }),
                        )
                    })
                    .or_else(|| {
                        probe(
                            "randomness",
                            o.get("randomness").is_none_or(|m| {
                                serde_json::from_value::<Vec<RandomnessRule>>(m.clone()).is_ok()
                            }),
                        )
                    })
            });
            match field {
                Some(f) => Err(anyhow!("field `{f}` does not fit the schema: {e}")),
                None => Err(anyhow!("vector does not fit the schema: {e}")),
            }
        }
    }
}
