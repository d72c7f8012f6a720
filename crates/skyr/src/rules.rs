//! Network rules: everything that differs between network versions, as data, in one place.
//!
//! Skyr runs several network versions on one machine. Whatever a version changes (the
//! syscall ABI its actors import, the price list, the state tree layout, the receipt shape,
//! who may send messages, how call depth is counted, resource limits) is a field of
//! [`NetworkRules`], chosen once from the network version by [`rules_for`]. The rest of the
//! machine reads the rules it was given; it never compares version numbers itself.
//!
//! Each row of [`TABLE`] names the reference crate it was checked against. A version with no
//! row is refused with a clear error. `cargo test -p skyr rules -- --nocapture` prints the
//! table.
use std::fmt;
use std::ops::RangeInclusive;

use fvm_shared::address::{Address, Protocol};
use fvm_shared::state::StateTreeVersion;
use fvm_shared::version::NetworkVersion;

use crate::blockstore::FlushWalk;
use crate::engine::metering::{Instrumenter, Metering};
use crate::gas::PriceList;
use crate::proof_types::ProofTypes;

/// The syscall ABI the actors of a version import: the `fvm_sdk` generation they were
/// built against. Each generation is a set of import names and argument shapes bound to
/// the same kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// `fvm_sdk` 2.x: the FVM's first ABI (36 imports).
    Sdk2,
    /// `fvm_sdk` 3.x: exit with a block, message and network contexts, f4 addresses, send
    /// with a gas limit and flags, events (42 imports).
    Sdk3,
    /// `fvm_sdk` 4.x: self-destruct burns, events as packed entries, randomness as the node's
    /// digest, BLS aggregates (41 imports).
    Sdk4,
}

impl Abi {
    /// Whether `crypto.verify_signature` takes any address and resolves it to the account's
    /// key (fvm_sdk 2), rather than key addresses only (fvm_sdk 3).
    pub fn resolves_signers(self) -> bool {
        matches!(self, Abi::Sdk2)
    }

    /// Whether `crypto.batch_verify_seals` charges each seal as a single verification
    /// (fvm_sdk 3; fvm_sdk 2 charged nothing, the power actor having paid when it queued
    /// them).
    pub fn charges_batched_seals(self) -> bool {
        !matches!(self, Abi::Sdk2)
    }
}

/// How a message receipt is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptShape {
    /// `[exit code, return, gas used]`: no events.
    ThreeFields,
    /// `[exit code, return, gas used, events root]`.
    WithEventsRoot,
}

/// Which actors may send a top-level message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SenderRule {
    /// Only account actors (f1/f3 keys).
    AccountsOnly,
    /// Account and EthAccount actors, and placeholders at sequence 0 holding an f410
    /// address, which become EthAccounts as they send (FIP-0055).
    AccountsEthAccountsAndPlaceholders,
}

/// How the call-depth limit is checked when a send starts (before the depth is raised).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepthCheck {
    /// Refused when the current depth is greater than the limit: the top-level call plus
    /// `limit` nested sends succeed.
    GreaterThanLimit,
    /// Refused when the current depth reaches the limit: `limit` calls in all.
    AtLeastLimit,
}

/// Memory an actor's code may use: per instance, and for a whole call stack (an invocation
/// and every invocation it waits on). Growing past either fails (`memory.grow` returns -1); a
/// module declaring more than an instance may have does not compile (see
/// [`Metering::declared_limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemoryLimits {
    /// Bytes one instance's memory may reach.
    pub instance: usize,
    /// Bytes of memory and tables (8 bytes an element) all instances of a call stack may hold.
    /// A growth refused for the instance limit still counts towards them (fvm 3 and 4: their
    /// limiter counts the growth, then wasmtime refuses it for the instance's size), so later
    /// growths in the message have less room.
    pub call_stack: usize,
    /// Elements one instance's table may hold: what the references' pooling allocator
    /// reserves for a table. A module whose table starts larger does not compile, and a
    /// `table.grow` past it returns -1 without counting towards `call_stack`.
    pub table_elements: usize,
}

/// What a call needs to pay before an actor is created for an unknown key address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountCreation {
    /// The creation is charged, then the BLS zero address refused (fvm 2).
    ChargeThenCheck,
    /// Read-only calls and the BLS zero address are refused first, then the creation is
    /// charged (fvm 3 on).
    CheckThenCharge,
}

/// The codec of a message's parameters block, as the top-level call receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamsCodec {
    /// DAG-CBOR (0x71) whatever the method.
    DagCbor,
    /// Raw bytes (0x55) for method 0, CBOR (0x51) for any other.
    RawForSendElseCbor,
}

impl ParamsCodec {
    /// The codec of parameters sent to `method`.
    pub fn for_method(self, method: u64) -> u64 {
        match self {
            ParamsCodec::DagCbor => fvm_ipld_encoding::DAG_CBOR,
            ParamsCodec::RawForSendElseCbor if method == fvm_shared::METHOD_SEND => {
                fvm_ipld_encoding::IPLD_RAW
            }
            ParamsCodec::RawForSendElseCbor => fvm_ipld_encoding::CBOR,
        }
    }

    /// The codec of the parameters of an account constructor the machine calls itself.
    pub fn for_constructor(self) -> u64 {
        self.for_method(fvm_shared::METHOD_CONSTRUCTOR)
    }
}

/// Everything a network version decides about execution, besides the state itself.
#[derive(Clone, Debug)]
pub struct NetworkRules {
    /// A short name for the row (the upgrades it covers).
    pub name: &'static str,
    /// The network versions that follow these rules.
    pub versions: RangeInclusive<u32>,
    /// The reference crate these rules were checked against, message by message.
    pub reference: &'static str,
    /// The syscall ABI actors import.
    pub abi: Abi,
    /// Gas prices.
    pub prices: &'static PriceList,
    /// What proof type numbers mean.
    pub proof_types: &'static ProofTypes,
    /// Whether f4 (delegated) addresses exist. Before they did, the reference could not
    /// decode one: a syscall given one fails as for an unknown address protocol, and a
    /// message naming one is invalid.
    pub delegated_addresses: bool,
    /// State tree versions a state root may have.
    pub state_tree_versions: &'static [StateTreeVersion],
    /// Version of a state tree created from nothing. (A tree's version also fixes its actor
    /// records' shape: four fields up to version 4, five with the f4 address from 5.)
    pub new_state_tree_version: StateTreeVersion,
    /// Encoding of receipts.
    pub receipt: ReceiptShape,
    /// Who may send top-level messages.
    pub senders: SenderRule,
    /// How the call-depth limit is compared.
    pub depth_check: DepthCheck,
    /// The reference's instrumenter and engine generation, whose quirks in accepting,
    /// cutting and starting modules Skyr reproduces.
    pub instrumenter: Instrumenter,
    /// The order of checks and charge when a send creates an account.
    pub account_creation: AccountCreation,
    /// The codec of a message's parameters.
    pub params_codec: ParamsCodec,
    /// Largest block an actor may create, if limited.
    pub max_block_size: Option<usize>,
    /// Codecs of the blocks actors may hold.
    pub block_codecs: &'static [u64],
    /// Memory limits, where the reference enforced them.
    pub memory_limits: Option<MemoryLimits>,
    /// How a flush walks the new state.
    pub flush_walk: FlushWalk,
    /// Whether each invocation may only reach the blocks it was given, opened or linked
    /// (FIP-0071).
    pub tracks_reachability: bool,
    /// How far back `network.tipset_cid` may look, if limited.
    pub tipset_lookback_limit: Option<i64>,
    /// Whether a send refused for call depth leaves the gas limit it pushed in place (fvm 3).
    pub depth_refusal_keeps_gas_limit: bool,
    /// Whether the message's return value is charged as fvm 2 charges it: by the executor
    /// once the message's call has returned (still inside its transaction), on every
    /// successful return, a zero charge when it returned nothing. fvm 3 and 4 charge it as
    /// the call returns, only for a value. The gas is the same; traces differ in where the
    /// charge sits and whether a zero one is there.
    pub return_value_charged_after_call: bool,
    /// How the over-estimation burn is computed for huge gas amounts.
    pub fee_arithmetic: crate::gas::FeeArithmetic,
    /// How a charge is added to the gas used where the total passes i64::MAX milligas.
    pub gas_sum: crate::gas::GasSum,
    /// How execution gas is settled into charges. The gas is the same either way; the
    /// charges a trace shows differ.
    pub exec_settlement: ExecSettlement,
}

/// How a machine turns the execution gas an actor used into charges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecSettlement {
    /// fvm 2: one `wasm_exec` charge per settlement, none after instantiating a module
    /// without a start function.
    Fvm2,
    /// fvm 3 and 4: the part paying for memory (and tables) grown since the last
    /// settlement is charged apart as `wasm_memory_grow`, after `wasm_exec`; and a module
    /// is settled once instantiated even when nothing ran (a zero `wasm_exec`).
    Fvm3,
}

impl NetworkRules {
    /// How actor code is metered: the price list's execution prices and the instrumenter's
    /// quirk.
    pub fn metering(&self) -> Metering {
        let milligas = |g: crate::gas::Gas| u64::try_from(g.as_milligas()).unwrap_or(0);
        let wasm = &self.prices.wasm;
        Metering {
            instruction: milligas(wasm.instruction),
            fill_per_byte: milligas(wasm.memory_fill_per_byte),
            copy_per_byte: milligas(wasm.memory_copy_per_byte),
            instrumenter: self.instrumenter,
            declared_limits: self.memory_limits,
        }
    }

    /// True when a send starting at `depth` (before it is raised) is refused.
    pub fn depth_exceeded(&self, depth: u32, limit: u32) -> bool {
        match self.depth_check {
            DepthCheck::GreaterThanLimit => depth > limit,
            DepthCheck::AtLeastLimit => depth >= limit,
        }
    }

    /// Refuses an address whose protocol does not exist under these rules, as the
    /// reference of the time failed to decode it.
    pub fn check_address(&self, addr: &Address) -> Result<(), String> {
        if addr.protocol() == Protocol::Delegated && !self.delegated_addresses {
            return Err(format!(
                "unknown address protocol: delegated addresses do not exist before network \
                 version 18 ({addr})"
            ));
        }
        Ok(())
    }

    /// True when `version` is a state tree version these rules can open.
    pub fn accepts_state_tree(&self, version: StateTreeVersion) -> bool {
        self.state_tree_versions.contains(&version)
    }
}

/// Every network version Skyr runs, oldest first.
pub static TABLE: &[NetworkRules] = &[SKYR_RULES, HYGGE_RULES, WATERMELON_RULES, TEEP_RULES];

/// Network versions 16–17 (Skyr, Shark): the first FVM, on fvm 2.
pub const SKYR_RULES: NetworkRules = NetworkRules {
    name: "Skyr, Shark",
    versions: 16..=17,
    reference: "fvm 2.12.2",
    abi: Abi::Sdk2,
    prices: &crate::gas::SKYR_PRICES,
    proof_types: &crate::proof_types::FVM2_PROOF_TYPES,
    delegated_addresses: false,
    state_tree_versions: &[StateTreeVersion::V3, StateTreeVersion::V4],
    new_state_tree_version: StateTreeVersion::V4,
    receipt: ReceiptShape::ThreeFields,
    senders: SenderRule::AccountsOnly,
    depth_check: DepthCheck::GreaterThanLimit,
    instrumenter: Instrumenter::V0_2,
    account_creation: AccountCreation::ChargeThenCheck,
    params_codec: ParamsCodec::DagCbor,
    max_block_size: None,
    block_codecs: &[fvm_ipld_encoding::DAG_CBOR],
    memory_limits: None,
    flush_walk: FlushWalk::Fvm2,
    tracks_reachability: false,
    tipset_lookback_limit: None,
    depth_refusal_keeps_gas_limit: false,
    return_value_charged_after_call: true,
    fee_arithmetic: crate::gas::FeeArithmetic::WrappingI64,
    gas_sum: crate::gas::GasSum::SaturatingI64,
    exec_settlement: ExecSettlement::Fvm2,
};

/// Network versions 18–20 (Hygge, Lightning, Thunder): the FEVM on fvm 3.
pub const HYGGE_RULES: NetworkRules = NetworkRules {
    name: "Hygge, Lightning, Thunder",
    versions: 18..=20,
    reference: "fvm 3.14.2",
    abi: Abi::Sdk3,
    prices: &crate::gas::HYGGE_PRICES,
    proof_types: &crate::proof_types::FVM3_PROOF_TYPES,
    delegated_addresses: true,
    state_tree_versions: &[StateTreeVersion::V5],
    new_state_tree_version: StateTreeVersion::V5,
    receipt: ReceiptShape::WithEventsRoot,
    senders: SenderRule::AccountsEthAccountsAndPlaceholders,
    depth_check: DepthCheck::AtLeastLimit,
    instrumenter: Instrumenter::V0_4,
    account_creation: AccountCreation::CheckThenCharge,
    params_codec: ParamsCodec::RawForSendElseCbor,
    max_block_size: Some(1 << 20),
    block_codecs: &[
        fvm_ipld_encoding::CBOR,
        fvm_ipld_encoding::DAG_CBOR,
        fvm_ipld_encoding::IPLD_RAW,
    ],
    memory_limits: Some(MemoryLimits {
        instance: 512 << 20,
        call_stack: 2 << 30,
        table_elements: 20_000,
    }),
    flush_walk: FlushWalk::Fvm3,
    tracks_reachability: false,
    tipset_lookback_limit: Some(900),
    depth_refusal_keeps_gas_limit: true,
    return_value_charged_after_call: false,
    fee_arithmetic: crate::gas::FeeArithmetic::Exact,
    gas_sum: crate::gas::GasSum::UnsignedU64,
    exec_settlement: ExecSettlement::Fvm3,
};

/// Network versions 21–24 (Watermelon, Dragon, Waffle, Tuktuk): fvm 4, with the fvm_sdk 4
/// ABI (FIP-0073, 0072, 0075, 0079), IPLD reachability (FIP-0071) and no tipset lookback
/// limit. The rest is Hygge's.
pub const WATERMELON_RULES: NetworkRules = NetworkRules {
    name: "Watermelon, Dragon, Waffle, Tuktuk",
    versions: 21..=24,
    reference: "fvm 4.8.4",
    abi: Abi::Sdk4,
    prices: &crate::gas::WATERMELON_PRICES,
    proof_types: &crate::proof_types::FVM4_PROOF_TYPES,
    tracks_reachability: true,
    tipset_lookback_limit: None,
    depth_refusal_keeps_gas_limit: false,
    ..HYGGE_RULES
};

/// Network versions 25–28 (Teep, Tock, GoldenWeek, FireHorse): Watermelon's rules with the
/// Teep prices (seal verification and NI-PoRep aggregates).
pub const TEEP_RULES: NetworkRules = NetworkRules {
    name: "Teep, Tock, GoldenWeek, FireHorse",
    versions: 25..=28,
    prices: &crate::gas::TEEP_PRICES,
    ..WATERMELON_RULES
};

/// The rules of a network version, or `None` for a version Skyr does not run.
pub fn rules_for(nv: NetworkVersion) -> Option<&'static NetworkRules> {
    rules_for_number(u32::from(nv))
}

/// The rules of a network version given by its number (as vectors and the CLI give it).
pub fn rules_for_number(nv: u32) -> Option<&'static NetworkRules> {
    TABLE.iter().find(|r| r.versions.contains(&nv))
}

/// The versions Skyr runs, for error messages: "16–17".
pub fn supported_versions() -> String {
    let lo = TABLE.first().map(|r| *r.versions.start()).unwrap_or(0);
    let hi = TABLE.last().map(|r| *r.versions.end()).unwrap_or(0);
    format!("{lo}–{hi}")
}

/// Prints the table, one row per set of rules (for `skyr` and for a newcomer).
pub struct RulesTable;

impl fmt::Display for RulesTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in TABLE {
            writeln!(
                f,
                "nv{}–{} ({}), checked against {}",
                r.versions.start(),
                r.versions.end(),
                r.name,
                r.reference
            )?;
            writeln!(f, "  abi                  {:?}", r.abi)?;
            writeln!(f, "  prices               {}", r.prices.name())?;
            writeln!(f, "  proof types          {}", r.proof_types.summary)?;
            writeln!(f, "  delegated addresses  {}", r.delegated_addresses)?;
            writeln!(
                f,
                "  state tree           opens {:?}, creates {:?}",
                r.state_tree_versions, r.new_state_tree_version
            )?;
            let fields = if r.new_state_tree_version >= StateTreeVersion::V5 {
                5
            } else {
                4
            };
            writeln!(f, "  actor record         {fields} fields")?;
            writeln!(f, "  receipt              {:?}", r.receipt)?;
            writeln!(f, "  senders              {:?}", r.senders)?;
            writeln!(f, "  call depth check     {:?}", r.depth_check)?;
            writeln!(f, "  instrumenter         {:?}", r.instrumenter)?;
            writeln!(f, "  account creation     {:?}", r.account_creation)?;
            writeln!(f, "  params codec         {:?}", r.params_codec)?;
            writeln!(f, "  max block size       {:?}", r.max_block_size)?;
            writeln!(f, "  block codecs         {:x?}", r.block_codecs)?;
            writeln!(f, "  memory limits        {:?}", r.memory_limits)?;
            writeln!(f, "  flush walk           {:?}", r.flush_walk)?;
            writeln!(f, "  reachability         {}", r.tracks_reachability)?;
            writeln!(f, "  tipset lookback      {:?}", r.tipset_lookback_limit)?;
            writeln!(
                f,
                "  depth refusal        {}",
                if r.depth_refusal_keeps_gas_limit {
                    "keeps the pushed gas limit"
                } else {
                    "pops the pushed gas limit"
                }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table_prints_every_row() {
        let text = RulesTable.to_string();
        println!("{text}");
        assert_eq!(text.matches("checked against").count(), TABLE.len());
    }

    #[test]
    fn rows_are_ordered_and_do_not_overlap() {
        for pair in TABLE.windows(2) {
            assert!(pair[0].versions.end() < pair[1].versions.start());
        }
    }

    #[test]
    fn the_fvm_versions_have_rules_and_no_others() {
        assert!(rules_for(NetworkVersion::V15).is_none());
        assert!(rules_for(NetworkVersion::V14).is_none());
        let nv16 = rules_for(NetworkVersion::V16).expect("nv16 runs");
        let nv17 = rules_for(NetworkVersion::V17).expect("nv17 runs");
        assert!(std::ptr::eq(nv16, nv17));
        let nv18 = rules_for(NetworkVersion::V18).expect("nv18 runs");
        let nv20 = rules_for(NetworkVersion::V20).expect("nv20 runs");
        assert!(std::ptr::eq(nv18, nv20));
        assert!(!std::ptr::eq(nv17, nv18));
        let nv21 = rules_for(NetworkVersion::V21).expect("nv21 runs");
        let nv24 = rules_for(NetworkVersion::V24).expect("nv24 runs");
        assert!(std::ptr::eq(nv21, nv24));
        let nv25 = rules_for(NetworkVersion::V25).expect("nv25 runs");
        let nv28 = rules_for(NetworkVersion::V28).expect("nv28 runs");
        assert!(std::ptr::eq(nv25, nv28));
        assert!(!std::ptr::eq(nv24, nv25));
        assert_eq!(nv21.abi, Abi::Sdk4);
        assert!(rules_for(NetworkVersion::V29).is_none());
        assert_eq!(supported_versions(), "16–28");
    }

    #[test]
    fn nv18_counts_depth_before_raising_it_and_stops_at_the_limit() {
        let r = rules_for(NetworkVersion::V18).expect("nv18 runs");
        assert!(!r.depth_exceeded(1023, 1024));
        assert!(r.depth_exceeded(1024, 1024));
    }

    #[test]
    fn params_codecs_follow_the_generation() {
        let nv17 = rules_for(NetworkVersion::V17).expect("nv17 runs");
        let nv18 = rules_for(NetworkVersion::V18).expect("nv18 runs");
        assert_eq!(nv17.params_codec.for_method(0), fvm_ipld_encoding::DAG_CBOR);
        assert_eq!(nv18.params_codec.for_method(0), fvm_ipld_encoding::IPLD_RAW);
        assert_eq!(nv18.params_codec.for_method(2), fvm_ipld_encoding::CBOR);
    }

    #[test]
    fn nv16_counts_depth_before_raising_it() {
        let r = rules_for(NetworkVersion::V16).expect("nv16 runs");
        assert!(!r.depth_exceeded(1024, 1024));
        assert!(r.depth_exceeded(1025, 1024));
    }
}
