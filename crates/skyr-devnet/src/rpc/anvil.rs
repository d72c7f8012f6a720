//! Anvil's and Hardhat's test methods (`anvil_*`, with their `hardhat_*` and `evm_*`
//! aliases), with Anvil's parameters and answers: mining, snapshots, time, account edits,
//! impersonation, the pool, reset, and dumping and loading the whole devnet.
use serde_json::{json, Value};
use skyr::shared::econ::TokenAmount;

pub use super::Params;
use crate::error::{RpcError, RpcResult};
use crate::node::Node;
use crate::views::*;

/// The most blocks one mining call makes.
const MAX_MINE: u64 = 10_000;

/// The method's name without its prefix: `anvil_x`, `hardhat_x` and `evm_x` are one method.
fn base(name: &str) -> &str {
    ["anvil_", "hardhat_", "evm_"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

fn flag(p: &Params, i: usize, what: &str) -> RpcResult<bool> {
    p.need(i, what)?
        .as_bool()
        .ok_or_else(|| RpcError::params(format!("{what}: expected a boolean")))
}

fn count(v: Option<&Value>) -> RpcResult<u64> {
    let n = v.map(parse_u64).transpose()?.unwrap_or(1);
    if n > MAX_MINE {
        return Err(RpcError::params(format!(
            "at most {MAX_MINE} blocks at once"
        )));
    }
    Ok(n)
}

/// A mining request: how many blocks, the first's timestamp, the seconds between them, and
/// what the method answers.
#[derive(Clone, Debug)]
pub struct Mining {
    /// Blocks to mine.
    pub blocks: u64,
    /// The first block's timestamp, if given.
    pub first: Option<u64>,
    /// Seconds between blocks, if given.
    pub spacing: Option<u64>,
    /// The method's answer once mined.
    pub answer: Value,
}

/// Reads a mining method's parameters: `evm_mine` takes a timestamp or Anvil's `{timestamp,
/// blocks}`; `anvil_mine` and `hardhat_mine` take a count and the seconds between blocks.
pub fn mining(name: &str, p: &Params) -> RpcResult<Mining> {
    if name == "evm_mine" {
        let (blocks, first) = match p.get(0) {
            Some(Value::Object(o)) => (
                count(o.get("blocks").filter(|v| !v.is_null()))?,
                o.get("timestamp")
                    .filter(|v| !v.is_null())
                    .map(parse_u64)
                    .transpose()?,
            ),
            Some(v) => (1, Some(parse_u64(v)?)),
            None => (1, None),
        };
        return Ok(Mining {
            blocks,
            first,
            spacing: None,
            answer: json!("0x0"),
        });
    }
    Ok(Mining {
        blocks: count(p.get(0))?,
        first: None,
        spacing: p.get(1).map(parse_u64).transpose()?,
        answer: Value::Null,
    })
}

/// Whether `method` mines blocks on request (which the server mines a block at a time,
/// answering other requests between them).
pub fn is_mining(method: &str) -> bool {
    matches!(method, "evm_mine" | "anvil_mine" | "hardhat_mine")
}

/// Answers an Anvil, Hardhat or `evm_` method.
pub(super) fn dispatch(node: &mut Node, name: &str, p: &Params) -> RpcResult {
    match base(name) {
        // evm_mine takes a timestamp, or Anvil's {timestamp, blocks}.
        "mine" => {
            let req = mining(name, p)?;
            node.mine(req.blocks, req.first, req.spacing)?;
            Ok(req.answer)
        }
        "setAutomine" => {
            node.automine = flag(p, 0, "enabled")?;
            if node.automine && !node.pool.is_empty() {
                node.mine(1, None, None)?;
            }
            Ok(Value::Null)
        }
        "getAutomine" => Ok(json!(node.automine)),
        "setIntervalMining" => {
            // Seconds, as Anvil reads it; 0 turns interval mining off.
            let secs = parse_u64(p.need(0, "seconds")?)?;
            node.interval_mining = (secs > 0).then(|| secs.saturating_mul(1000));
            if secs > 0 {
                node.automine = false;
            }
            Ok(Value::Null)
        }
        "getIntervalMining" => Ok(match node.interval_mining {
            Some(ms) => json!(ms / 1000),
            None => Value::Null,
        }),
        "snapshot" => Ok(qty(node.snapshot())),
        "revert" => Ok(json!(node.revert(parse_u64(p.need(0, "snapshot id")?)?)?)),
        "increaseTime" => {
            let secs = parse_u64(p.need(0, "seconds")?)?;
            Ok(json!(node.increase_time(secs)))
        }
        "setNextBlockTimestamp" => {
            node.set_next_timestamp(parse_u64(p.need(0, "timestamp")?)?)?;
            Ok(Value::Null)
        }
        "setTime" => Ok(json!(node.set_time(parse_u64(p.need(0, "timestamp")?)?))),
        "setBlockTimestampInterval" => {
            node.time.interval = Some(parse_u64(p.need(0, "seconds")?)?);
            Ok(Value::Null)
        }
        "removeBlockTimestampInterval" => Ok(json!(node.time.interval.take().is_some())),
        "setBalance" => {
            let a = parse_address(p.need(0, "address")?)?;
            let b = TokenAmount::from_atto(parse_big(p.need(1, "balance")?)?);
            node.set_balance(a, b)?;
            Ok(Value::Null)
        }
        "addBalance" => {
            let a = parse_address(p.need(0, "address")?)?;
            let add = TokenAmount::from_atto(parse_big(p.need(1, "amount")?)?);
            let now = node
                .head_actor(&crate::ethtx::eth_to_filecoin(&a))?
                .map(|(_, act)| act.balance)
                .unwrap_or_default();
            node.set_balance(a, now + add)?;
            Ok(Value::Null)
        }
        "setNonce" => {
            let a = parse_address(p.need(0, "address")?)?;
            node.set_nonce(a, parse_u64(p.need(1, "nonce")?)?)?;
            Ok(Value::Null)
        }
        "setCode" => {
            let a = parse_address(p.need(0, "address")?)?;
            node.set_code(a, parse_data(p.need(1, "code")?)?)?;
            Ok(Value::Null)
        }
        "setStorageAt" => {
            let a = parse_address(p.need(0, "address")?)?;
            let slot = parse_word(p.need(1, "slot")?)?;
            let value = parse_hash(p.need(2, "value (32 bytes)")?)?;
            node.set_storage(a, slot, value)?;
            Ok(json!(true))
        }
        "impersonateAccount" => {
            node.impersonated
                .insert(parse_address(p.need(0, "address")?)?);
            Ok(Value::Null)
        }
        "stopImpersonatingAccount" => {
            node.impersonated
                .remove(&parse_address(p.need(0, "address")?)?);
            Ok(Value::Null)
        }
        "autoImpersonateAccount" => {
            node.auto_impersonate = flag(p, 0, "enabled")?;
            Ok(Value::Null)
        }
        "dropTransaction" => {
            let h = parse_hash(p.need(0, "transaction hash")?)?;
            Ok(if node.drop_transaction(&h) {
                data(&h)
            } else {
                Value::Null
            })
        }
        "dropAllTransactions" => {
            node.pool.clear();
            Ok(Value::Null)
        }
        "removePoolTransactions" => {
            node.drop_transactions_from(&parse_address(p.need(0, "address")?)?);
            Ok(Value::Null)
        }
        "setNextBlockBaseFeePerGas" => {
            let fee = TokenAmount::from_atto(parse_big(p.need(0, "base fee")?)?);
            node.chain.set_next_base_fee(fee);
            Ok(Value::Null)
        }
        "setChainId" => {
            let id = parse_u64(p.need(0, "chain id")?)?;
            node.chain.set_chain_id(id);
            node.chain_id = id;
            Ok(Value::Null)
        }
        // As Anvil answers it on a chain with EIP-1559 base fees.
        "setMinGasPrice" => Err(RpcError::rejected(
            "anvil_setMinGasPrice is not supported when EIP-1559 is active: the devnet follows \
             nv28's base fee (set the next one with anvil_setNextBlockBaseFeePerGas, or start \
             with --base-fee)",
        )),
        // The devnet as a CAR (hex): chain, state and pool.
        "dumpState" => Ok(data(&node.dump()?)),
        "loadState" => {
            let car = parse_data(p.need(0, "a dump (hex CAR)")?)?;
            node.load_dump(&car)
                .map_err(|e| RpcError::rejected(format!("the dump does not load: {e:#}")))?;
            Ok(json!(true))
        }
        // With `forking`, forks a node's chain again (Anvil's and Hardhat's shape:
        // `{"forking": {"jsonRpcUrl", "blockNumber"}}`, both optional on a forked devnet);
        // without, back to the genesis, or to the fork's first state.
        "reset" => {
            match p.get(0).and_then(|o| o.get("forking")) {
                Some(f) if !f.is_null() => {
                    let url = match f.get("jsonRpcUrl") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(u)) => Some(u.clone()),
                        Some(_) => return Err(RpcError::params("jsonRpcUrl is a URL string")),
                    };
                    let height = match f.get("blockNumber") {
                        None | Some(Value::Null) => None,
                        Some(n) => Some(i64::try_from(parse_u64(n)?).map_err(|_| {
                            RpcError::params("blockNumber is past any chain's height")
                        })?),
                    };
                    node.reset_fork(url, height)?;
                }
                _ => node.reset()?,
            }
            Ok(Value::Null)
        }
        _ => Err(RpcError::no_method(name)),
    }
}
