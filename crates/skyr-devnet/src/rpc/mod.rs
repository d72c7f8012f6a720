//! The JSON-RPC methods: a request's method name to its answer, on the node. Ethereum methods
//! follow Lotus's meaning (and its `Filecoin.Eth*` names are aliases), with the devnet
//! conveniences a local chain owes its users (`earliest` is block 0, a future block is null,
//! optional block parameters); Anvil's and Hardhat's test methods answer under their
//! `anvil_*`, `hardhat_*` and `evm_*` names ([`anvil`]); traces under `skyr_*` and `trace_*`
//! ([`trace`]); Filecoin's own under `Filecoin.*` ([`filecoin`]); the rest are Ethereum's
//! ([`eth`]).
pub mod anvil;
mod eth;
mod filecoin;
mod trace;

pub use filecoin::NOT_YET;

use serde_json::Value;
use skyr::shared::econ::TokenAmount;
use skyr_chain::TipsetRecord;

use crate::error::{RpcError, RpcResult};
use crate::node::Node;
use crate::views::*;

/// What `eth_maxPriorityFeePerGas` answers: twice Lotus's minimum gas premium (100,000
/// attoFIL), what Lotus's estimator gives when recent blocks say nothing higher.
pub const PRIORITY_FEE: u64 = 200_000;
/// How many blocks back `safe` and `finalized` are.
const SAFE_DEPTH: i64 = 30;
const FINALITY: i64 = 900;

/// Parameters, by position; a missing one reads as null.
pub struct Params<'a>(pub &'a [Value]);

impl Params<'_> {
    /// Parameter `i`, unless missing or null.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }
    fn need(&self, i: usize, what: &str) -> RpcResult<&Value> {
        self.get(i)
            .ok_or_else(|| RpcError::params(format!("missing parameter {}: {what}", i + 1)))
    }
    fn at_most(&self, n: usize) -> RpcResult<()> {
        if self.0.len() > n {
            return Err(RpcError::params(format!(
                "wrong param count: at most {n}, got {}",
                self.0.len()
            )));
        }
        Ok(())
    }
}

/// A block parameter resolved: a height the chain has, or a future one.
enum At {
    Height(i64),
    Future,
}

fn resolve(node: &Node, v: Option<&Value>) -> RpcResult<At> {
    let head = node.chain.head().height();
    // A forked chain begins at the node's tipset it forked.
    let first = node.chain.first_height();
    let Some(v) = v else {
        return Ok(At::Height(head));
    };
    if let Some(obj) = v.as_object() {
        if let Some(h) = obj.get("blockHash") {
            return by_hash(node, h);
        }
        if let Some(n) = obj.get("blockNumber") {
            return resolve(node, Some(n));
        }
        return Err(RpcError::params(
            "a block object needs blockHash or blockNumber",
        ));
    }
    match v.as_str() {
        Some("latest") | Some("pending") => return Ok(At::Height(head)),
        Some("earliest") => return Ok(At::Height(first)),
        Some("safe") => return Ok(At::Height((head - SAFE_DEPTH).max(first))),
        Some("finalized") => return Ok(At::Height((head - FINALITY).max(first))),
        Some(s) if s.len() == 66 => return by_hash(node, v),
        _ => {}
    }
    let n = parse_u64(v)?;
    if n > head as u64 {
        return Ok(At::Future);
    }
    Ok(At::Height(n as i64))
}

fn by_hash(node: &Node, v: &Value) -> RpcResult<At> {
    Ok(At::Height(height_of_hash(node, v)?))
}

/// A height for a state read: a future block is an error there.
fn state_height(node: &Node, v: Option<&Value>) -> RpcResult<i64> {
    match resolve(node, v)? {
        At::Height(h) => Ok(h),
        At::Future => Err(RpcError::new(
            -32000,
            "requested a future epoch (beyond 'latest')".into(),
        )),
    }
}

fn tipset(node: &Node, at: At) -> Option<&TipsetRecord> {
    match at {
        At::Height(h) => node.chain.at(h),
        At::Future => None,
    }
}

/// A call object's fields.
struct CallObject {
    from: Option<[u8; 20]>,
    to: Option<[u8; 20]>,
    value: TokenAmount,
    input: Vec<u8>,
    gas: Option<u64>,
    max_fee: Option<TokenAmount>,
    max_priority: Option<TokenAmount>,
    nonce: Option<u64>,
}

fn call_object(v: &Value) -> RpcResult<CallObject> {
    let o = v
        .as_object()
        .ok_or_else(|| RpcError::params("a transaction object is expected"))?;
    let field = |k: &str| o.get(k).filter(|v| !v.is_null());
    let input = match field("input").or_else(|| field("data")) {
        Some(d) => parse_data(d)?,
        None => Vec::new(),
    };
    let tokens = |k: &str| -> RpcResult<Option<TokenAmount>> {
        field(k)
            .map(|v| parse_big(v).map(TokenAmount::from_atto))
            .transpose()
    };
    Ok(CallObject {
        from: field("from").map(parse_address).transpose()?,
        to: field("to").map(parse_address).transpose()?,
        value: tokens("value")?.unwrap_or_default(),
        input,
        gas: field("gas").map(parse_u64).transpose()?,
        max_fee: match tokens("maxFeePerGas")? {
            Some(f) => Some(f),
            None => tokens("gasPrice")?,
        },
        max_priority: tokens("maxPriorityFeePerGas")?,
        nonce: field("nonce").map(parse_u64).transpose()?,
    })
}

/// Answers one method call.
pub fn dispatch(node: &mut Node, method: &str, params: &[Value]) -> RpcResult {
    let p = Params(params);
    // Filecoin's own methods, including its Ethereum-address helpers.
    if let Some(rest) = method.strip_prefix("Filecoin.") {
        if !rest.starts_with("Eth") || FILECOIN_ETH.contains(&rest) {
            return filecoin::dispatch(node, rest, &p);
        }
    }
    // Lotus serves the Ethereum methods under `Filecoin.EthX` too.
    let name = match method.strip_prefix("Filecoin.Eth") {
        Some(rest) => {
            let mut chars = rest.chars();
            match chars.next() {
                Some(first) => format!("eth_{}{}", first.to_lowercase(), chars.as_str()),
                None => return Err(RpcError::no_method(method)),
            }
        }
        None => method.to_string(),
    };
    let answer = if ["anvil_", "hardhat_", "evm_"]
        .iter()
        .any(|x| name.starts_with(x))
    {
        anvil::dispatch(node, &name, &p)
    } else if name.starts_with("skyr_") || name.starts_with("trace_") {
        trace::dispatch(node, &name, &p)
    } else {
        eth::dispatch(node, &name, &p)
    };
    match answer {
        Err(e) if e.code == UNKNOWN => Err(RpcError::no_method(method)),
        other => other,
    }
}

/// `Filecoin.Eth*` methods that are Filecoin's own, not aliases of Ethereum ones.
const FILECOIN_ETH: [&str; 3] = [
    "EthAddressToFilecoinAddress",
    "EthGetMessageCidByTransactionHash",
    "EthGetTransactionHashByCid",
];

/// The code an answerer gives for a name it does not know.
const UNKNOWN: i64 = -32601;
