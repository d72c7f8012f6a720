//! Log criteria and installed filters. `eth_getLogs` and log filters share one reading of a
//! filter object (block range or hash, addresses, topic alternatives); installed filters
//! (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`) remember what
//! they have delivered so `eth_getFilterChanges` answers only what is new, as Lotus's do.
//! A revert below what a filter has seen moves it back to the new head.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::{RpcError, RpcResult};
use crate::node::Node;
use crate::views::*;

/// The widest block range one query may span (Lotus's default `MaxFilterHeightRange`).
pub const MAX_RANGE: i64 = 2880;
/// The most filters installed at once.
pub const MAX_FILTERS: usize = 10_000;

/// A block bound of a filter, unresolved: tags move with the chain.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// The head when asked.
    Latest,
    /// A fixed height.
    At(i64),
}

/// What logs a filter selects.
#[derive(Clone, Debug, PartialEq)]
pub struct LogCriteria {
    /// First block (None: the head when asked).
    pub from: Bound,
    /// Last block.
    pub to: Bound,
    /// Emitters; empty selects any.
    pub addresses: Vec<[u8; 20]>,
    /// Per position, the topics accepted; an empty list accepts any.
    pub topics: Vec<Vec<[u8; 32]>>,
}

impl LogCriteria {
    /// Reads a filter object (`fromBlock`/`toBlock` or `blockHash`, `address`, `topics`).
    pub fn parse(node: &Node, filter: &Value) -> RpcResult<LogCriteria> {
        let f = filter
            .as_object()
            .ok_or_else(|| RpcError::params("a filter object is expected"))?;
        let field = |k: &str| f.get(k).filter(|v| !v.is_null());
        let (from, to) = if let Some(h) = field("blockHash") {
            if field("fromBlock").is_some() || field("toBlock").is_some() {
                return Err(RpcError::params(
                    "a filter takes blockHash or a block range, not both",
                ));
            }
            let height = height_of_hash(node, h)?;
            (Bound::At(height), Bound::At(height))
        } else {
            (bound(field("fromBlock"))?, bound(field("toBlock"))?)
        };
        let addresses = match field("address") {
            Some(Value::Array(a)) => a.iter().map(parse_address).collect::<RpcResult<_>>()?,
            Some(v) => vec![parse_address(v)?],
            None => Vec::new(),
        };
        let topics = match field("topics") {
            Some(Value::Array(ts)) => {
                if ts.len() > 4 {
                    return Err(RpcError::params("at most 4 topic positions"));
                }
                ts.iter()
                    .map(|t| match t {
                        Value::Null => Ok(Vec::new()),
                        Value::Array(alts) => alts.iter().map(parse_hash).collect(),
                        v => Ok(vec![parse_hash(v)?]),
                    })
                    .collect::<RpcResult<_>>()?
            }
            Some(_) => return Err(RpcError::params("topics must be a list")),
            None => Vec::new(),
        };
        Ok(LogCriteria {
            from,
            to,
            addresses,
            topics,
        })
    }

    fn matches(&self, log: &EthLog) -> bool {
        (self.addresses.is_empty() || self.addresses.contains(&log.address))
            && self.topics.iter().enumerate().all(|(i, alts)| {
                alts.is_empty() || log.topics.get(i).is_some_and(|x| alts.contains(x))
            })
    }

    /// The heights it spans now (the head resolves `latest`), clipped to the chain (which
    /// starts at a fork's first tipset).
    fn range(&self, chain: &skyr_chain::Chain) -> (i64, i64) {
        let (first, head) = (chain.first_height(), chain.head().height());
        let at = |b: &Bound| match b {
            Bound::Latest => head,
            Bound::At(h) => *h,
        };
        (at(&self.from).max(first), at(&self.to).min(head))
    }

    /// Its logs in heights `from..=to` (within the chain), as JSON.
    pub fn logs_in(&self, node: &Node, from: i64, to: i64) -> RpcResult<Vec<Value>> {
        if to - from > MAX_RANGE {
            return Err(RpcError::new(
                -32005,
                format!(
                    "block range of {} is past the limit of {MAX_RANGE}",
                    to - from
                ),
            ));
        }
        let mut out = Vec::new();
        for h in from.max(0)..=to.min(node.chain.head().height()) {
            let Some(t) = node.chain.at(h) else { continue };
            if t.results.iter().all(|r| r.events.is_empty()) {
                continue;
            }
            for log in logs_of(&mut EthNames::at(node, h), t) {
                if self.matches(&log) {
                    out.push(log.to_json(node, t));
                }
            }
        }
        Ok(out)
    }

    /// Every log it selects now.
    pub fn all_logs(&self, node: &Node) -> RpcResult<Vec<Value>> {
        let (from, to) = self.range(&node.chain);
        self.logs_in(node, from, to)
    }
}

fn bound(v: Option<&Value>) -> RpcResult<Bound> {
    match v {
        None => Ok(Bound::Latest),
        Some(v) => match v.as_str() {
            Some("latest" | "pending" | "safe" | "finalized") => Ok(Bound::Latest),
            Some("earliest") => Ok(Bound::At(0)),
            _ => Ok(Bound::At(parse_u64(v)? as i64)),
        },
    }
}

/// What an installed filter watches.
#[derive(Clone, Debug)]
pub enum FilterKind {
    /// Logs matching these criteria.
    Logs(LogCriteria),
    /// New blocks.
    Blocks,
    /// Transactions entering the pool (mined at once or not).
    PendingTransactions,
}

/// An installed filter and how far it has delivered.
#[derive(Clone, Debug)]
pub struct Filter {
    kind: FilterKind,
    /// The highest block already delivered.
    seen: i64,
    /// How many of the node's arrivals were already delivered.
    seen_arrivals: usize,
}

/// The installed filters.
#[derive(Default)]
pub struct Filters {
    next: u64,
    installed: BTreeMap<u64, Filter>,
}

fn filter_id(n: u64) -> Value {
    json!(format!("0x{n:032x}"))
}

fn parse_filter_id(v: &Value) -> RpcResult<u64> {
    let s = v
        .as_str()
        .ok_or_else(|| RpcError::params("a filter ID is a hex string"))?;
    let h = s.strip_prefix("0x").unwrap_or(s);
    let digits = h.trim_start_matches('0');
    if h.len() > 64 || digits.len() > 16 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RpcError::params(format!("not a filter ID: {s:.80}")));
    }
    Ok(u64::from_str_radix(digits, 16).unwrap_or(0))
}

impl Node {
    /// Installs a filter; it delivers what comes after the current head.
    pub fn install_filter(&mut self, kind: FilterKind) -> RpcResult<Value> {
        if self.filters.installed.len() >= MAX_FILTERS {
            return Err(RpcError::rejected(format!(
                "{MAX_FILTERS} filters are installed: uninstall some first"
            )));
        }
        let id = self.filters.next;
        self.filters.next += 1;
        self.filters.installed.insert(
            id,
            Filter {
                kind,
                seen: self.chain.head().height(),
                seen_arrivals: self.arrivals.len(),
            },
        );
        Ok(filter_id(id))
    }

    /// Removes a filter; false when there was none.
    pub fn uninstall_filter(&mut self, id: &Value) -> RpcResult<bool> {
        Ok(self
            .filters
            .installed
            .remove(&parse_filter_id(id)?)
            .is_some())
    }

    fn filter(&self, id: &Value) -> RpcResult<(u64, Filter)> {
        let n = parse_filter_id(id)?;
        let f = self
            .filters
            .installed
            .get(&n)
            .cloned()
            .ok_or_else(|| RpcError::rejected("filter not found"))?;
        Ok((n, f))
    }

    /// What a filter has to report since it was last asked.
    pub fn filter_changes(&mut self, id: &Value) -> RpcResult<Value> {
        let (n, mut f) = self.filter(id)?;
        let head = self.chain.head().height();
        // A revert below what it saw: go on from the new head.
        f.seen = f.seen.min(head);
        let out = match &f.kind {
            FilterKind::Blocks => ((f.seen + 1)..=head)
                .filter_map(|h| self.chain.at(h))
                .map(|t| data(&skyr_chain::block::cid_digest(&t.key_cid)))
                .collect(),
            FilterKind::Logs(c) => {
                // `latest` as the first block means: whatever came since the last poll.
                let (from, to) = c.range(&self.chain);
                let from = match c.from {
                    Bound::Latest => f.seen + 1,
                    Bound::At(_) => from.max(f.seen + 1),
                };
                if from > to {
                    Vec::new()
                } else {
                    c.logs_in(self, from, to)?
                }
            }
            FilterKind::PendingTransactions => {
                let new = self.arrivals.get(f.seen_arrivals..).unwrap_or_default();
                f.seen_arrivals = self.arrivals.len();
                new.iter().map(|h| data(h)).collect()
            }
        };
        f.seen = head;
        self.filters.installed.insert(n, f);
        Ok(Value::Array(out))
    }

    /// Every log a log filter selects (`eth_getFilterLogs`).
    pub fn filter_logs(&self, id: &Value) -> RpcResult<Value> {
        match self.filter(id)?.1.kind {
            FilterKind::Logs(c) => Ok(Value::Array(c.all_logs(self)?)),
            _ => Err(RpcError::rejected("not a log filter")),
        }
    }
}
