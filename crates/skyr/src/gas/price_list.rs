//! The shape of a gas schedule: what every charge is made of.
//!
//! One struct holds every price any network version uses; the schedules themselves are data
//! (`schedules.rs`). Each `on_*` method returns the charge for one operation, named as the
//! reference names it, split into compute and other gas as the reference splits it. A price
//! a generation does not have is zero (or `None` where the charge itself does not exist), so
//! the machine asks the price list and never which network version it runs.
use fvm_shared::crypto::signature::SignatureType;
use fvm_shared::econ::TokenAmount;
use fvm_shared::event::{ActorEvent, Flags};
use fvm_shared::sector::{RegisteredSealProof, WindowPoStVerifyInfo};
use fvm_shared::{ActorID, METHOD_SEND};

use super::{Gas, GasCharge};

/// The charge for storing the message's return value in its receipt.
pub const RETURN_VALUE_CHARGE: &str = "OnChainReturnValue";

/// `flat + per_unit × n`: how most charges grow with the size of what they handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scaling {
    /// Charged once.
    pub flat: Gas,
    /// Charged per unit (usually per byte).
    pub per_unit: Gas,
}

impl Scaling {
    /// Nothing at all.
    pub const ZERO: Scaling = Scaling::new(Gas::zero(), Gas::zero());

    /// A flat price and a price per unit.
    pub const fn new(flat: Gas, per_unit: Gas) -> Scaling {
        Scaling { flat, per_unit }
    }

    /// A flat price that does not grow.
    pub const fn fixed(flat: Gas) -> Scaling {
        Scaling::new(flat, Gas::zero())
    }

    /// A price per unit only.
    pub const fn per(per_unit: Gas) -> Scaling {
        Scaling::new(Gas::zero(), per_unit)
    }

    /// The price of `n` units (saturating, like all gas arithmetic).
    pub fn apply(&self, n: usize) -> Gas {
        self.flat + self.per_unit * units(n)
    }
}

/// A count as a gas multiplier; counts beyond `i64::MAX` saturate.
fn units(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Walking back `lookback` epochs. The reference reads the lookback as unsigned, so a
/// negative one (an epoch in the future) is huge and the charge saturates.
fn lookback_gas(price: Scaling, lookback: i64) -> Gas {
    price.flat + price.per_unit * i64::try_from(lookback as u64).unwrap_or(i64::MAX)
}

/// A charge's compute part and its other part (storage, deferred work), each growing with
/// the same quantity. Only the sum is charged; traces show the parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// Compute gas.
    pub compute: Scaling,
    /// Other gas.
    pub other: Scaling,
}

impl Split {
    /// Free.
    pub const ZERO: Split = Split::new(Scaling::ZERO, Scaling::ZERO);

    /// Both parts.
    pub const fn new(compute: Scaling, other: Scaling) -> Split {
        Split { compute, other }
    }

    /// Compute gas only.
    pub const fn compute(compute: Scaling) -> Split {
        Split::new(compute, Scaling::ZERO)
    }

    /// Other gas only.
    pub const fn other(other: Scaling) -> Split {
        Split::new(Scaling::ZERO, other)
    }

    /// The named charge for `n` units.
    pub fn charge(&self, name: &'static str, n: usize) -> GasCharge {
        GasCharge::new(name, self.compute.apply(n), self.other.apply(n))
    }
}

/// How a send is priced. The generations split it differently and charge it at different
/// moments, so the call manager asks at both moments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendPrices {
    /// One `OnMethodInvocation` charge before the value moves: a base, plus a transfer price
    /// when value moves (and a premium when only value moves), plus an invocation price
    /// (a discount) when a method runs.
    OneCharge {
        /// Every send.
        base: Gas,
        /// When value moves.
        transfer: Gas,
        /// When value moves to method 0.
        transfer_only_premium: Gas,
        /// When a method other than 0 runs.
        invoke: Gas,
    },
    /// `OnValueTransfer` before value moves, then `OnMethodInvocation` before a method runs.
    TwoCharges {
        /// When value moves.
        transfer: Gas,
        /// When a method other than 0 runs.
        invoke: Gas,
    },
}

/// Prices of reading and writing actors in the state tree, charged once per actor per
/// message (FIP-0057). Schedules before it have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateAccessPrices {
    /// Looking an actor up.
    pub lookup: Gas,
    /// Writing an actor back.
    pub update: Gas,
    /// Actors every message may touch for free (loaded anyway).
    pub preloaded: &'static [ActorID],
}

impl StateAccessPrices {
    /// Looking up an actor the message has not touched yet.
    pub fn on_actor_lookup(&self) -> GasCharge {
        GasCharge::new("OnActorLookup", Gas::zero(), self.lookup)
    }

    /// Writing an actor the message has not written yet.
    pub fn on_actor_update(&self) -> GasCharge {
        GasCharge::new("OnActorUpdate", Gas::zero(), self.update)
    }

    /// Whether `id` is free to touch.
    pub fn is_preloaded(&self, id: ActorID) -> bool {
        self.preloaded.contains(&id)
    }
}

/// How hashing is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashPrices {
    /// The same price for every hash code, known or not (it is charged before the check).
    Uniform(Scaling),
    /// A price per multihash code; codes absent are not supported.
    PerHasher(&'static [(u64, Scaling)]),
}

impl HashPrices {
    /// The price of hashing with `code`, if it has one.
    pub fn of(&self, code: u64) -> Option<Scaling> {
        match self {
            HashPrices::Uniform(s) => Some(*s),
            HashPrices::PerHasher(table) => table.iter().find(|(c, _)| *c == code).map(|e| e.1),
        }
    }
}

/// Execution gas: what instrumentation charges inside WASM code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WasmPrices {
    /// Every instruction that is not free.
    pub instruction: Gas,
    /// Per byte filled (`memory.fill`, `memory.grow`, initial memory, tables).
    pub memory_fill_per_byte: Gas,
    /// Per byte copied (`memory.copy`, `memory.init`, `table.copy`, `table.init`).
    pub memory_copy_per_byte: Gas,
}

/// Bytes a table element is charged as (one pointer).
pub const TABLE_ELEMENT_BYTES: usize = 8;

impl WasmPrices {
    /// The memory a module starts with, charged at instantiation.
    pub fn init_memory(&self, bytes: usize) -> Gas {
        self.memory_fill_per_byte * units(bytes)
    }

    /// Growing memory by `bytes`.
    pub fn grow_memory(&self, bytes: usize) -> Gas {
        self.memory_fill_per_byte * units(bytes)
    }

    /// The table elements a module starts with, charged at instantiation.
    pub fn init_table(&self, elements: usize) -> Gas {
        self.memory_fill_per_byte * units(elements.saturating_mul(TABLE_ELEMENT_BYTES))
    }
}

/// Per-proof price and step table of aggregate seal verification, for one proof type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregatePrices {
    /// Per proof in the aggregate.
    pub per_proof: Gas,
    /// `(first count of the step, cost)`, ascending; counts below the first step cost nothing.
    pub steps: &'static [(u64, Gas)],
}

/// Prices of FIP-0071 reachability: scanning DAG-CBOR for links, and tracking and checking
/// the CIDs an invocation may reach. Schedules before it have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkPrices {
    /// Per CBOR field scanned.
    pub scan_per_field: Gas,
    /// Per CID found while scanning.
    pub scan_per_cid: Gas,
    /// Per link made reachable (opened blocks' children, parameters, returns, linked blocks,
    /// the state root read).
    pub tracked: Gas,
    /// Per link checked for reachability (created blocks' children, a block opened, a root
    /// set).
    pub checked: Gas,
}

/// Prices of events emitted as packed entries (fvm_sdk 4): charged once, before anything is
/// checked, from the entry count and the key and value lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryEventPrices {
    /// Flat plus per entry.
    pub per_entry: Scaling,
    /// Validating the keys as UTF-8: flat plus per byte.
    pub utf8: Scaling,
}

/// Verifying a BLS aggregate signature: one pairing per signer plus one, and hashing the
/// plaintexts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlsAggregatePrices {
    /// Per pairing.
    pub pairing: Gas,
    /// Hashing the plaintexts, per byte.
    pub hashing: Scaling,
}

/// The prices of one gas schedule. Plain numbers: the schedule is data, not behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceList {
    /// The schedule's name, as the reference calls it.
    pub name: &'static str,
    /// Whether the balance, address and code lookups are charged (at zero, under their
    /// names: [`on_free_lookup`](Self::on_free_lookup)), as fvm 3 and 4 charge them; fvm 2
    /// does not. Traces differ, gas does not.
    pub names_free_lookups: bool,
    /// Including a message, by its size in bytes (with the sender's update where priced).
    pub on_chain_message: Split,
    /// Storing the top-level return value in the receipt, by its size.
    pub on_chain_return: Split,
    /// Sends.
    pub send: SendPrices,
    /// Per-actor state tree access, where priced.
    pub state_access: Option<StateAccessPrices>,
    /// Creating an actor.
    pub create_actor: Split,
    /// Added to the creation's other gas when the actor gets a new address assigned.
    pub create_actor_new_address: Gas,
    /// Deleting an actor (a refund before Hygge).
    pub delete_actor: Split,
    /// Entering any syscall.
    pub syscall: Gas,
    /// Verifying a BLS signature, by plaintext size.
    pub bls_signature: Scaling,
    /// Verifying a secp256k1 signature, by plaintext size.
    pub secp256k1_signature: Scaling,
    /// Recovering a secp256k1 public key.
    pub secp256k1_recover: Gas,
    /// Hashing.
    pub hashing: HashPrices,
    /// Asking the latest tipset's CID.
    pub tipset_cid_latest: Gas,
    /// Asking an older tipset's CID.
    pub tipset_cid_historical: Gas,
    /// Computing an unsealed sector CID.
    pub compute_unsealed_sector_cid: Gas,
    /// Verifying one seal.
    pub verify_seal: Gas,
    /// Aggregate seal verification per proof type; a type absent is priced as the first
    /// entry (32 GiB).
    pub aggregates: &'static [(RegisteredSealProof, AggregatePrices)],
    /// Verifying a replica update.
    pub verify_replica_update: Gas,
    /// Verifying a window PoSt, by challenged sectors (every type has the same price).
    pub verify_post: Scaling,
    /// Checking a consensus fault.
    pub verify_consensus_fault: Split,
    /// Drawing randomness, by entropy length (where `lookback` is not priced).
    pub get_randomness: Split,
    /// Walking back the chain, by epochs (randomness and tipset CIDs, from FIP-0075 on):
    /// other gas. Replaces `get_randomness` and the tipset CID prices where present.
    pub lookback: Option<Scaling>,
    /// FIP-0071 reachability, where priced.
    pub links: Option<LinkPrices>,
    /// Events handed over as packed entries, where that is the ABI.
    pub entry_events: Option<EntryEventPrices>,
    /// BLS aggregate verification, where the syscall exists.
    pub bls_aggregate: Option<BlsAggregatePrices>,
    /// Opening a block, before its size is known.
    pub block_open_base: Split,
    /// Opening a block: other gas per byte, beside allocation and copy.
    pub block_open_other_per_byte: Gas,
    /// Allocating a block, per byte.
    pub block_allocate: Scaling,
    /// Copying a block, per byte.
    pub block_memcpy: Scaling,
    /// The least a block kept in memory costs, per byte (made up as other gas).
    pub block_retention_minimum: Scaling,
    /// Linking (hashing and storing) a block, by size; hashing priced apart when
    /// `block_link_charges_hashing`.
    pub block_link: Split,
    /// Whether linking also pays the hash function's per-byte price.
    pub block_link_charges_hashing: bool,
    /// Asking a block's codec and size.
    pub block_stat: Split,
    /// Asking the network context.
    pub network_context: Gas,
    /// Asking the message context.
    pub message_context: Gas,
    /// Looking up the builtin actor manifest.
    pub builtin_manifest_lookup: Gas,
    /// Validating an event as received, by encoded size.
    pub event_validation: Scaling,
    /// Indexing an event: per indexed entry part.
    pub event_index_per_element: Gas,
    /// Indexing an event: per indexed byte.
    pub event_index_per_byte: Gas,
    /// Execution gas.
    pub wasm: WasmPrices,
}

impl PriceList {
    /// The schedule's name, as the reference calls it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Inclusion of a message of `size` bytes in the chain.
    pub fn on_chain_message(&self, size: usize) -> GasCharge {
        self.on_chain_message.charge("OnChainMessage", size)
    }

    /// Storing a return value of `size` bytes in the receipt ([`RETURN_VALUE_CHARGE`]).
    pub fn on_chain_return_value(&self, size: usize) -> GasCharge {
        self.on_chain_return.charge(RETURN_VALUE_CHARGE, size)
    }

    /// Charged on a send before any value moves.
    pub fn on_send_before_transfer(&self, value: &TokenAmount, method: u64) -> Option<GasCharge> {
        match self.send {
            SendPrices::OneCharge {
                base,
                transfer,
                transfer_only_premium,
                invoke,
            } => {
                let mut gas = base;
                if !value.is_zero() {
                    gas += transfer;
                    if method == METHOD_SEND {
                        gas += transfer_only_premium;
                    }
                }
                if method != METHOD_SEND {
                    gas += invoke;
                }
                Some(GasCharge::new("OnMethodInvocation", gas, Gas::zero()))
            }
            SendPrices::TwoCharges { transfer, .. } => {
                (!value.is_zero()).then(|| GasCharge::new("OnValueTransfer", transfer, Gas::zero()))
            }
        }
    }

    /// Charged on a send after value moved, before the method runs, with the parameters
    /// carrying `param_links` links (tracked where FIP-0071 prices them).
    pub fn on_send_before_invoke(&self, method: u64, param_links: usize) -> Option<GasCharge> {
        match self.send {
            SendPrices::OneCharge { .. } => None,
            SendPrices::TwoCharges { invoke, .. } => (method != METHOD_SEND).then(|| {
                let gas = invoke + self.tracked_links(param_links);
                GasCharge::new("OnMethodInvocation", gas, Gas::zero())
            }),
        }
    }

    /// Tracking `n` links made reachable (nothing before FIP-0071).
    fn tracked_links(&self, n: usize) -> Gas {
        self.links.map(|l| l.tracked * units(n)).unwrap_or_default()
    }

    /// Checking `n` links for reachability (nothing before FIP-0071).
    fn checked_links(&self, n: usize) -> Gas {
        self.links.map(|l| l.checked * units(n)).unwrap_or_default()
    }

    /// A value returned by a nested call, carrying `links` links: tracked where FIP-0071
    /// prices it (`None` before, when nested returns were not charged).
    pub fn on_nested_return(&self, links: usize) -> Option<GasCharge> {
        self.links
            .map(|_| GasCharge::new("OnReturnValue", self.tracked_links(links), Gas::zero()))
    }

    /// Reading the actor's state root (it becomes reachable); `None` where not charged.
    pub fn on_get_root(&self) -> Option<GasCharge> {
        self.links
            .map(|l| GasCharge::new("OnActorGetRoot", l.tracked, Gas::zero()))
    }

    /// Setting the actor's state root (checked for reachability); `None` where not charged.
    pub fn on_set_root(&self) -> Option<GasCharge> {
        self.links
            .map(|l| GasCharge::new("OnActorSetRoot", l.checked, Gas::zero()))
    }

    /// Entering any syscall.
    pub fn on_syscall(&self) -> GasCharge {
        GasCharge::new("OnSyscall", self.syscall, Gas::zero())
    }

    /// Creating an actor; `new_address` when an address is assigned to it as well.
    pub fn on_create_actor(&self, new_address: bool) -> GasCharge {
        let mut charge = self.create_actor.charge("OnCreateActor", 0);
        if new_address {
            charge.other += self.create_actor_new_address;
        }
        charge
    }

    /// Deleting an actor.
    pub fn on_delete_actor(&self) -> GasCharge {
        self.delete_actor.charge("OnDeleteActor", 0)
    }

    /// Verifying one signature over `plaintext_len` bytes.
    pub fn on_verify_signature(&self, sig_type: SignatureType, plaintext_len: usize) -> GasCharge {
        let price = match sig_type {
            SignatureType::BLS => self.bls_signature,
            SignatureType::Secp256k1 => self.secp256k1_signature,
        };
        GasCharge::new("OnVerifySignature", price.apply(plaintext_len), Gas::zero())
    }

    /// Recovering a secp256k1 public key.
    pub fn on_recover_secp_public_key(&self) -> GasCharge {
        GasCharge::new(
            "OnRecoverSecpPublicKey",
            self.secp256k1_recover,
            Gas::zero(),
        )
    }

    /// Hashing `len` bytes with multihash `code`; `None` when the schedule has no price for
    /// the code (it is not supported).
    pub fn on_hashing(&self, code: u64, len: usize) -> Option<GasCharge> {
        let price = self.hashing.of(code)?;
        Some(GasCharge::new("OnHashing", price.apply(len), Gas::zero()))
    }

    /// Asking the CID of the tipset `lookback` epochs back (1 is the latest).
    pub fn on_tipset_cid(&self, lookback: i64) -> GasCharge {
        let gas = match self.lookback {
            Some(price) => lookback_gas(price, lookback),
            None if lookback > 1 => self.tipset_cid_historical,
            None => self.tipset_cid_latest,
        };
        GasCharge::new("OnTipsetCid", Gas::zero(), gas)
    }

    /// Computing an unsealed sector CID.
    pub fn on_compute_unsealed_sector_cid(&self) -> GasCharge {
        GasCharge::new(
            "OnComputeUnsealedSectorCid",
            self.compute_unsealed_sector_cid,
            Gas::zero(),
        )
    }

    /// Verifying one seal proof.
    pub fn on_verify_seal(&self) -> GasCharge {
        GasCharge::new("OnVerifySeal", self.verify_seal, Gas::zero())
    }

    /// Verifying an aggregate of `count` seal proofs of type `proof`.
    pub fn on_verify_aggregate_seals(&self, proof: RegisteredSealProof, count: usize) -> GasCharge {
        let prices = self
            .aggregates
            .iter()
            .find(|(p, _)| *p == proof)
            .or(self.aggregates.first())
            .map(|e| e.1)
            .unwrap_or(AggregatePrices {
                per_proof: Gas::zero(),
                steps: &[],
            });
        let n = u64::try_from(count).unwrap_or(u64::MAX);
        let step = prices
            .steps
            .iter()
            .rev()
            .find(|(start, _)| *start <= n)
            .map(|s| s.1)
            .unwrap_or_default();
        GasCharge::new(
            "OnVerifyAggregateSeals",
            prices.per_proof * units(count) + step,
            Gas::zero(),
        )
    }

    /// Verifying a replica update proof.
    pub fn on_verify_replica_update(&self) -> GasCharge {
        GasCharge::new(
            "OnVerifyReplicaUpdate",
            self.verify_replica_update,
            Gas::zero(),
        )
    }

    /// Verifying a window PoSt: flat plus a cost per challenged sector.
    pub fn on_verify_post(&self, info: &WindowPoStVerifyInfo) -> GasCharge {
        let gas = self.verify_post.apply(info.challenged_sectors.len());
        GasCharge::new("OnVerifyPost", gas, Gas::zero())
    }

    /// Checking a consensus fault.
    pub fn on_verify_consensus_fault(&self) -> GasCharge {
        self.verify_consensus_fault
            .charge("OnVerifyConsensusFault", 0)
    }

    /// Drawing randomness `lookback` epochs back with `entropy_len` bytes of entropy (the
    /// schedule prices one or the other).
    pub fn on_get_randomness(&self, entropy_len: usize, lookback: i64) -> GasCharge {
        match self.lookback {
            Some(price) => GasCharge::new(
                "OnGetRandomness",
                Gas::zero(),
                lookback_gas(price, lookback),
            ),
            None => self.get_randomness.charge("OnGetRandomness", entropy_len),
        }
    }

    /// Opening a block: the lookup part (and its reachability check).
    pub fn on_block_open_base(&self) -> GasCharge {
        let mut charge = self.block_open_base.charge("OnBlockOpenBase", 0);
        charge.compute += self.checked_links(1);
        charge
    }

    /// Opening a block of `size` bytes with `links` children, charged once its size is
    /// known. Before FIP-0071 allocation and copy are compute; with it, tracking the children
    /// is compute and allocation and copy are other gas. The memory retention minimum is made
    /// up as other gas.
    pub fn on_block_open_per_byte(&self, size: usize, links: usize) -> GasCharge {
        let memory = self.block_allocate.apply(size) + self.block_memcpy.apply(size);
        let open = self.block_open_other_per_byte * units(size);
        if self.links.is_some() {
            let compute = self.tracked_links(links);
            let other = memory + open;
            let surcharge = self.retention_surcharge(size, compute + other);
            return GasCharge::new("OnBlockOpen", compute, other + surcharge);
        }
        let surcharge = self.retention_surcharge(size, memory + open);
        GasCharge::new("OnBlockOpenPerByte", memory, open + surcharge)
    }

    /// What keeping `size` bytes in memory must cost at least, beyond `paid`.
    fn retention_surcharge(&self, size: usize, paid: Gas) -> Gas {
        let minimum = self.block_retention_minimum.apply(size);
        if minimum > paid {
            minimum - paid
        } else {
            Gas::zero()
        }
    }

    /// Reading `size` bytes of an open block.
    pub fn on_block_read(&self, size: usize) -> GasCharge {
        GasCharge::new("OnBlockRead", self.block_memcpy.apply(size), Gas::zero())
    }

    /// Creating a block of `size` bytes linking to `links` children (checked where FIP-0071
    /// prices it).
    pub fn on_block_create(&self, size: usize, links: usize) -> GasCharge {
        let compute = self.block_memcpy.apply(size)
            + self.block_allocate.apply(size)
            + self.checked_links(links);
        let surcharge = self.retention_surcharge(size, compute);
        GasCharge::new("OnBlockCreate", compute, surcharge)
    }

    /// Hashing (with multihash `code`) and storing a block of `size` bytes.
    pub fn on_block_link(&self, code: u64, size: usize) -> GasCharge {
        let mut charge = self.block_link.charge("OnBlockLink", size);
        charge.compute += self.tracked_links(1);
        if self.block_link_charges_hashing {
            if let Some(price) = self.hashing.of(code) {
                charge.compute += price.apply(size);
            }
        }
        charge
    }

    /// Asking a block's codec and size.
    pub fn on_block_stat(&self) -> GasCharge {
        self.block_stat.charge("OnBlockStat", 0)
    }

    /// Asking the network context.
    pub fn on_network_context(&self) -> GasCharge {
        GasCharge::new("OnNetworkContext", self.network_context, Gas::zero())
    }

    /// Asking the message context.
    pub fn on_message_context(&self) -> GasCharge {
        GasCharge::new("OnMessageContext", self.message_context, Gas::zero())
    }

    /// Looking up an actor type by code CID.
    pub fn on_get_builtin_actor_type(&self) -> GasCharge {
        let gas = self.builtin_manifest_lookup;
        GasCharge::new("OnGetBuiltinActorType", gas, Gas::zero())
    }

    /// Looking up a code CID by actor type.
    pub fn on_get_code_cid_for_type(&self) -> GasCharge {
        let gas = self.builtin_manifest_lookup;
        GasCharge::new("OnGetCodeCidForType", gas, Gas::zero())
    }

    /// A lookup the schedule names but does not price (balance, address and code lookups:
    /// their state tree access is priced apart).
    pub fn on_free_lookup(&self, name: &'static str) -> GasCharge {
        GasCharge::new(name, Gas::zero(), Gas::zero())
    }

    /// An event of `entries` packed entries with keys and values of `keys` and `values` bytes
    /// in all (fvm_sdk 4): validating it, keeping it and hashing it into the events AMT.
    /// `None` where events are not handed over this way.
    pub fn on_actor_event(&self, entries: usize, keys: usize, values: usize) -> Option<GasCharge> {
        let prices = self.entry_events?;
        // The largest CBOR a stamped event of this shape can encode to.
        let estimate = 12usize
            .saturating_add(entries.saturating_mul(9))
            .saturating_add(keys)
            .saturating_add(values);
        let memory = self.block_memcpy.apply(estimate) + self.block_allocate.apply(estimate);
        let hash = self
            .hashing
            .of(0xb220)
            .map(|p| p.apply(estimate))
            .unwrap_or_default();
        let compute = memory * 2 + prices.per_entry.apply(entries) + prices.utf8.apply(keys);
        Some(GasCharge::new("OnActorEvent", compute, hash + memory))
    }

    /// Verifying a BLS aggregate signature of `signers` signers over `plaintext_len` bytes;
    /// `None` where the syscall does not exist.
    pub fn on_verify_bls_aggregate(
        &self,
        signers: usize,
        plaintext_len: usize,
    ) -> Option<GasCharge> {
        let prices = self.bls_aggregate?;
        let pairings = units(signers).saturating_add(1);
        let gas = prices.pairing * pairings + prices.hashing.apply(plaintext_len);
        Some(GasCharge::new(
            "OnVerifyBlsAggregateSignature",
            gas,
            Gas::zero(),
        ))
    }

    /// Validating an event of `size` encoded bytes as the actor hands it over.
    pub fn on_actor_event_validate(&self, size: usize) -> GasCharge {
        let gas = self.block_memcpy.apply(size)
            + self.block_allocate.apply(size)
            + self.event_validation.apply(size);
        GasCharge::new("OnActorEventValidate", gas, Gas::zero())
    }

    /// Accepting a valid event of `size` encoded bytes: stamping, keeping and hashing it into
    /// the events AMT (work deferred to the end of the message is charged as other gas).
    pub fn on_actor_event_accept(&self, event: &ActorEvent, size: usize) -> GasCharge {
        let (mut bytes, mut elements) = (0usize, 0i64);
        for entry in &event.entries {
            if entry.flags.contains(Flags::FLAG_INDEXED_KEY) {
                bytes = bytes.saturating_add(entry.key.len());
                elements += 1;
            }
            if entry.flags.contains(Flags::FLAG_INDEXED_VALUE) {
                bytes = bytes.saturating_add(entry.value.len());
                elements += 1;
            }
        }
        // The stamped event adds the emitter's ID and its CBOR framing.
        let stamped = size.saturating_add(12);
        let memcpy = self.block_memcpy.apply(stamped);
        let alloc = self.block_allocate.apply(stamped);
        let hash = self
            .hashing
            .of(0xb220)
            .map(|p| p.apply(stamped))
            .unwrap_or_default();
        let index =
            self.event_index_per_element * elements + self.event_index_per_byte * units(bytes);
        GasCharge::new(
            "OnActorEventAccept",
            memcpy + alloc,
            index + memcpy * 2 + alloc + hash,
        )
    }
}
