//! The node: the chain, its pool of transactions waiting for a block, the dev keys, and the
//! transaction-hash index. It checks transactions as Lotus's message pool does before they
//! reach a block (chain ID, signature, sender, nonce, gas limit, fee cap, balance), mines them
//! (at once by default), and answers calls and estimates on any tipset's state.
use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use cid::Cid;
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::error::ExitCode;
use skyr::shared::message::Message;
use skyr::state_tree::ActorState;
use skyr::trace::TraceEvent;
use skyr::{ApplyKind, ApplyRet};
use skyr_chain::{Chain, ChainMessage, SignedMessage, TipsetRecord, BLOCK_GAS_LIMIT};

use crate::accounts::DevKey;
use crate::error::{reverted, RpcError, RpcResult};
use crate::ethtx::{EthTx, TxKindTag};
use crate::persist::Persist;
use crate::snapshots::{Snapshot, TimeMoves};

/// What the estimator multiplies the gas a message used by (Lotus's `GasLimitOverestimation`).
pub const GAS_OVERESTIMATION: f64 = 1.25;
/// The lowest fee cap the pool takes (the minimum base fee).
pub const MIN_FEE_CAP: u64 = 100;
/// Lotus's minimum gas premium: what fee history reports as the reward of blocks.
pub const MIN_GAS_PREMIUM: u64 = 100_000;

/// What the node tells its subscribers (WebSocket `eth_subscribe`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainEvent {
    /// A tipset was mined at this height.
    Mined(i64),
    /// A transaction was taken into the pool.
    Pending([u8; 32]),
}

/// A transaction waiting for a block.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The message as the block will carry it.
    #[serde(with = "crate::persist::message_bytes")]
    pub message: ChainMessage,
    /// Its Ethereum hash.
    pub eth_hash: [u8; 32],
}

/// The devnet's node.
pub struct Node {
    /// The chain.
    pub chain: Chain,
    /// The EIP-155 chain ID transactions must name.
    pub chain_id: u64,
    /// The dev keys (eth_accounts, eth_sendTransaction).
    pub keys: Vec<DevKey>,
    /// Mine each transaction in its own tipset as it arrives.
    pub automine: bool,
    /// Print a line per mined transaction.
    pub verbose: bool,
    /// Transactions waiting for a block, in arrival order.
    pub pool: Vec<Pending>,
    /// Time moves the next block takes.
    pub time: TimeMoves,
    /// Snapshots, oldest first.
    pub snapshots: Vec<Snapshot>,
    /// The next snapshot's ID.
    pub next_snapshot: u64,
    /// Addresses whose transactions are taken without a signature.
    pub impersonated: BTreeSet<[u8; 20]>,
    /// Take every address's transactions without a signature.
    pub auto_impersonate: bool,
    /// Mine a block this often (milliseconds), as well as on demand.
    pub interval_mining: Option<u64>,
    /// Installed filters.
    pub filters: crate::filters::Filters,
    /// The hash of every transaction taken, in order (what pending-transaction filters and
    /// subscriptions report).
    pub arrivals: Vec<[u8; 32]>,
    /// Where its events go, when something listens.
    pub events: Option<tokio::sync::broadcast::Sender<ChainEvent>>,
    /// Where it is saved (`--state`), if anywhere.
    pub(crate) persist: Option<Persist>,
    /// What it forks a node's chain with, and the fork it is on, if any.
    pub forking: crate::fork::Forking,
    eth_to_cid: BTreeMap<[u8; 32], Cid>,
    cid_to_eth: BTreeMap<Cid, [u8; 32]>,
}

fn is_out_of_gas(ret: &ApplyRet) -> bool {
    ret.receipt.exit_code == ExitCode::SYS_OUT_OF_GAS
}

fn a_call_ran_out_of_gas(ret: &ApplyRet) -> bool {
    ret.trace.iter().any(|e| {
        matches!(e, TraceEvent::Return { exit_code, .. } if *exit_code == ExitCode::SYS_OUT_OF_GAS)
    })
}

impl Node {
    /// A node over `chain`.
    pub fn new(chain: Chain, chain_id: u64, keys: Vec<DevKey>) -> Node {
        Node {
            chain,
            chain_id,
            keys,
            automine: true,
            verbose: false,
            pool: Vec::new(),
            time: TimeMoves::default(),
            snapshots: Vec::new(),
            next_snapshot: 0,
            impersonated: BTreeSet::new(),
            auto_impersonate: false,
            interval_mining: None,
            filters: Default::default(),
            arrivals: Vec::new(),
            events: None,
            persist: None,
            forking: Default::default(),
            eth_to_cid: BTreeMap::new(),
            cid_to_eth: BTreeMap::new(),
        }
    }

    fn tell(&self, event: ChainEvent) {
        if let Some(tx) = &self.events {
            // No receiver is not an error: nobody subscribed.
            let _ = tx.send(event);
        }
    }

    /// Records that `hash` names message `cid`.
    pub(crate) fn index_eth(&mut self, hash: [u8; 32], cid: Cid) {
        self.eth_to_cid.insert(hash, cid);
        self.cid_to_eth.insert(cid, hash);
    }

    /// Every transaction hash and the message it names.
    pub fn eth_index(&self) -> impl Iterator<Item = (&[u8; 32], &Cid)> {
        self.eth_to_cid.iter()
    }

    pub(crate) fn clear_eth_index(&mut self) {
        self.eth_to_cid.clear();
        self.cid_to_eth.clear();
    }

    /// The message CID an Ethereum transaction hash stands for.
    pub fn cid_of_eth_hash(&self, hash: &[u8; 32]) -> Option<Cid> {
        self.eth_to_cid.get(hash).copied()
    }

    /// The Ethereum hash of a message: the transaction's for Ethereum ones, else the digest
    /// of the (signed) message CID, as Lotus shows native messages.
    pub fn eth_hash_of(&self, cid: &Cid) -> [u8; 32] {
        self.cid_to_eth
            .get(cid)
            .copied()
            .unwrap_or_else(|| skyr_chain::block::cid_digest(cid))
    }

    /// The actor `addr` names at the head, with its ID.
    pub fn head_actor(&self, addr: &Address) -> Result<Option<(u64, ActorState)>> {
        self.chain.actor_at(self.chain.head().height(), addr)
    }

    /// Takes a raw Ethereum transaction: decoded, checked, pooled and (with automine) mined.
    /// Returns its hash.
    pub fn send_raw(&mut self, raw: &[u8]) -> RpcResult<[u8; 32]> {
        let tx = EthTx::decode(raw).map_err(RpcError::rejected)?;
        if tx.kind != TxKindTag::Homestead && tx.chain_id != Some(self.chain_id) {
            return Err(RpcError::rejected(format!(
                "invalid chain id {}: this chain is {}",
                tx.chain_id.unwrap_or_default(),
                self.chain_id
            )));
        }
        let signed = tx.signed_message().map_err(RpcError::rejected)?;
        self.submit(ChainMessage::Signed(signed), tx.hash)?;
        Ok(tx.hash)
    }

    /// Checks a message as the pool does, then pools it and, with automine, mines.
    pub fn submit(&mut self, message: ChainMessage, eth_hash: [u8; 32]) -> RpcResult<()> {
        self.check(&message)?;
        let cid = message.cid()?;
        if self.chain.find_message(&cid).is_some()
            || self.pool.iter().any(|p| p.eth_hash == eth_hash)
        {
            return Err(RpcError::rejected("already known"));
        }
        self.index_eth(eth_hash, cid);
        if let Some(p) = self.persist.as_mut() {
            p.unsaved_eth.push((eth_hash, cid));
        }
        self.pool.push(Pending { message, eth_hash });
        self.arrivals.push(eth_hash);
        self.tell(ChainEvent::Pending(eth_hash));
        if self.automine {
            // Each transaction in a tipset of its own; one that filled a nonce gap lets the
            // ones waiting behind it follow.
            while self.has_executable()? {
                self.mine_with(1, None, None, 1)?;
            }
        }
        Ok(())
    }

    /// Mines `count` tipsets; the first takes what the pool can mine. The first's timestamp is
    /// `first`,
    /// or what the time moves and the block interval make it; each later one's is `spacing`
    /// seconds (or the interval) after the one before.
    pub fn mine(&mut self, count: u64, first: Option<u64>, spacing: Option<u64>) -> RpcResult<()> {
        self.mine_with(count, first, spacing, usize::MAX)
    }

    /// Block `i` (from 0) of a request to mine several, on its own: the first takes the pool
    /// and the given timestamp, each later one comes `spacing` seconds after the one before
    /// (or as the chain's timing has it). The server mines a long request this way, a block
    /// per job, so requests that arrive meanwhile are answered between blocks.
    pub fn mine_step(&mut self, i: u64, first: Option<u64>, spacing: Option<u64>) -> RpcResult<()> {
        if i == 0 {
            return self.mine(1, first, None);
        }
        let ts = spacing.map(|s| self.chain.head().header.timestamp.saturating_add(s));
        self.mine(1, ts, None)
    }

    /// [`Node::mine`], the first tipset holding at most `limit` transactions.
    fn mine_with(
        &mut self,
        count: u64,
        first: Option<u64>,
        spacing: Option<u64>,
        limit: usize,
    ) -> RpcResult<()> {
        for i in 0..count {
            let pending: Vec<Pending> = if i == 0 {
                self.take_executable(limit)?
            } else {
                Vec::new()
            };
            let messages = pending.iter().map(|p| p.message.clone()).collect();
            let time_before = self.time;
            let ts = match (i, first, spacing) {
                (0, Some(t), _) => {
                    self.time.take_next();
                    t
                }
                (0, None, _) | (_, _, None) => self.next_block_time(),
                (_, _, Some(s)) => self.chain.head().header.timestamp.saturating_add(s),
            };
            if let Err(e) = self.chain.mine(messages, Some(ts)) {
                // Nothing was applied: the transactions go back to wait, time as it was.
                let rest = std::mem::take(&mut self.pool);
                self.pool = pending;
                self.pool.extend(rest);
                self.time = time_before;
                return Err(RpcError::internal(format!("mining failed: {e:#}")));
            }
            if self.verbose {
                self.announce(self.chain.head(), &pending);
            }
            self.tell(ChainEvent::Mined(self.chain.head().height()));
        }
        Ok(())
    }

    /// The next block's timestamp, taking the pending time moves.
    fn next_block_time(&mut self) -> u64 {
        let due = self.due_timestamp();
        let (set, jump) = self.time.take_next();
        set.unwrap_or(due).saturating_add(jump)
    }

    /// When the next block is due if no time move says otherwise: one interval (the block
    /// timestamp interval, else the chain's delay) after the head.
    pub(crate) fn due_timestamp(&self) -> u64 {
        let interval = self
            .time
            .interval
            .unwrap_or(self.chain.config().block_delay);
        self.chain.head().header.timestamp.saturating_add(interval)
    }

    fn announce(&self, record: &TipsetRecord, pending: &[Pending]) {
        for (p, r) in pending.iter().zip(&record.results) {
            let status = if r.receipt.exit_code.is_success() {
                "success".to_string()
            } else {
                format!(
                    "failed (exit {})",
                    skyr::exit_names::exit_label(r.receipt.exit_code.value())
                )
            };
            let mut line = format!(
                "    tx 0x{}  block {}  {}  gas used {}",
                hex::encode(p.eth_hash),
                record.height(),
                status,
                r.receipt.gas_used
            );
            if let Some(c) = crate::views::created_contract(p.message.message(), &r.receipt) {
                line.push_str(&format!("  contract 0x{}", hex::encode(c)));
            }
            if !r.receipt.exit_code.is_success() {
                if let Some(raw) = crate::ethtx::cbor_bytes(r.receipt.return_data.bytes()) {
                    line.push_str(&format!("  reason {}", crate::error::revert_reason(&raw)));
                }
            }
            crate::say(&line);
        }
    }

    /// Applies a call's message on the state of tipset `height`, as Lotus's eth_call does: an
    /// explicit message with a stand-in signature, free (zero fee cap and base fee), from the
    /// sender's current nonce; a sender that cannot send (a contract, or no actor) has it
    /// applied implicitly instead.
    pub fn apply_call(&self, height: i64, mut message: Message, trace: bool) -> Result<ApplyRet> {
        let sender = self.chain.actor_at(height, &message.from)?;
        let can_send = match &sender {
            Some((_, a)) => !self.is_evm(&a.code),
            None => false,
        };
        message.sequence = sender.map(|(_, a)| a.sequence).unwrap_or(0);
        let zero = TokenAmount::default();
        if can_send {
            let signed = ChainMessage::Signed(SignedMessage::unchecked(message));
            self.chain
                .call(height, &signed, ApplyKind::Explicit, zero, trace)
        } else {
            let m = ChainMessage::Unsigned(message);
            self.chain
                .call(height, &m, ApplyKind::Implicit, zero, trace)
        }
    }

    /// Whether `code` is the EVM actor's.
    pub fn is_evm(&self, code: &Cid) -> bool {
        self.chain.manifest().code_by_name("evm") == Some(code)
    }

    /// eth_estimateGas as Lotus computes it: the gas a free run at the head uses, times
    /// 1.25 (at most the block limit); checked by a run with that limit, and when a nested
    /// call ran out of gas there, searched upwards.
    pub fn estimate_gas(&self, message: Message) -> RpcResult<u64> {
        let height = self.chain.head().height();
        let mut m = message;
        m.gas_limit = BLOCK_GAS_LIMIT;
        m.gas_fee_cap = TokenAmount::default();
        m.gas_premium = TokenAmount::default();
        let ret = self.apply_call(height, m.clone(), false)?;
        if is_out_of_gas(&ret) {
            return Err(RpcError::new(2, "out of gas".into()));
        }
        if !ret.receipt.exit_code.is_success() {
            return Err(reverted(
                ret.receipt.exit_code.value(),
                ret.receipt.return_data.bytes(),
                ret.failure.as_deref().unwrap_or(""),
            ));
        }
        let limit =
            ((ret.receipt.gas_used as f64 * GAS_OVERESTIMATION) as u64).min(BLOCK_GAS_LIMIT);
        m.gas_limit = limit;
        let check = self.apply_call(height, m.clone(), true)?;
        if check.receipt.exit_code.is_success() {
            return Ok(limit);
        }
        if a_call_ran_out_of_gas(&check) {
            let found = self.gas_search(height, m)?;
            return Ok(((found as f64 * GAS_OVERESTIMATION) as u64).min(BLOCK_GAS_LIMIT));
        }
        Err(reverted(
            check.receipt.exit_code.value(),
            check.receipt.return_data.bytes(),
            check.failure.as_deref().unwrap_or(""),
        ))
    }

    /// The least gas limit (to 1%) under which the message succeeds: doubled until it does,
    /// then bisected (Lotus's `gasSearch`).
    fn gas_search(&self, height: i64, mut m: Message) -> RpcResult<u64> {
        let mut low = m.gas_limit;
        let mut high = m.gas_limit;
        let ok = |node: &Node, m: &Message, limit: u64| -> RpcResult<bool> {
            let mut t = m.clone();
            t.gas_limit = limit;
            Ok(node
                .apply_call(height, t, false)?
                .receipt
                .exit_code
                .is_success())
        };
        loop {
            if ok(self, &m, high)? {
                break;
            }
            if high >= BLOCK_GAS_LIMIT {
                return Err(RpcError::new(
                    2,
                    "out of gas: the call fails at the block gas limit".into(),
                ));
            }
            low = high;
            high = (high * 2).min(BLOCK_GAS_LIMIT);
        }
        let mut check_threshold = high / 100;
        if check_threshold == 0 {
            check_threshold = 1;
        }
        while high - low > check_threshold {
            let median = (low + high) / 2;
            if ok(self, &m, median)? {
                high = median;
            } else {
                low = median;
            }
            check_threshold = median / 100;
        }
        m.gas_limit = high;
        Ok(high)
    }

    /// A message from the dev key `from` (an Ethereum address) to `to` with `input`: what
    /// eth_call, eth_estimateGas and eth_sendTransaction build from a call object.
    pub fn call_message(
        from: Option<[u8; 20]>,
        to: Option<[u8; 20]>,
        value: TokenAmount,
        input: &[u8],
    ) -> Result<Message> {
        crate::ethtx::EthCall {
            from: crate::ethtx::eth_to_filecoin(&from.unwrap_or([0u8; 20])),
            to,
            nonce: 0,
            value,
            input,
            gas_limit: BLOCK_GAS_LIMIT,
            fee_cap: TokenAmount::default(),
            premium: TokenAmount::default(),
        }
        .message()
    }
}
