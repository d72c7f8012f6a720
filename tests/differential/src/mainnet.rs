//! Scenarios on real mainnet state. The pre-states of the real nv17 vectors in
//! `tests/mainnet` (the few dozen blocks of mainnet's state tree their message touched) are run
//! with variations of that message on Skyr and on the reference.
//!
//! The vectors carry no actor code. Both machines get one stand-in module (Skyr's own account
//! actor) under every official code CID, so whatever code a variation runs is the same on both
//! and the comparison stays exact; the original messages run no code at all, so their outcomes
//! must also equal mainnet's.
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::version::NetworkVersion;
use skyr::bundle::{load_bundle, Manifest};
use skyr_vectors::runner::decode_car;
use skyr_vectors::schema::b64;
use skyr_vectors::Vector;

use crate::genesis_skyr::BUNDLE;
use crate::scenario_nv16_17::{MessageSpec, Scenario};

/// The block gas limit: the most a message may ask for.
const BLOCK_GAS_LIMIT: i64 = 10_000_000_000;

/// One real vector's starting point and message.
pub struct RealState {
    /// The vector's file name.
    pub name: String,
    blocks: Vec<(Cid, Vec<u8>)>,
    /// The pre-state root.
    pub pre: Cid,
    /// Mainnet's post-state root.
    pub post: Cid,
    epoch: i64,
    base_fee: TokenAmount,
    /// The message mainnet applied.
    pub message: Message,
    /// Mainnet's receipt: exit code and gas used.
    pub expected: (u32, i64),
}

/// Where the real vectors are.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mainnet")
}

/// Reads every real vector (one message each).
pub fn load_all() -> Result<Vec<RealState>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.iter().map(|f| load(f)).collect()
}

fn load(file: &std::path::Path) -> Result<RealState> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let v = Vector::from_json(&std::fs::read_to_string(file)?).with_context(|| name.clone())?;
    let [am] = v.apply_messages.as_slice() else {
        return Err(anyhow!("{name}: one message expected"));
    };
    let [receipt] = v.postconditions.receipts.as_slice() else {
        return Err(anyhow!("{name}: one receipt expected"));
    };
    let [variant] = v.preconditions.variants.as_slice() else {
        return Err(anyhow!("{name}: one variant expected"));
    };
    Ok(RealState {
        blocks: decode_car(&v)?,
        pre: v.preconditions.state_tree.root_cid.parse("pre")?,
        post: v.postconditions.state_tree.root_cid.parse("post")?,
        epoch: variant.epoch,
        base_fee: TokenAmount::from_atto(v.basefee()?.unwrap_or(100)),
        message: fvm_ipld_encoding::from_slice(&b64(&am.bytes, "message")?)?,
        expected: (receipt.exit_code, receipt.gas_used),
        name,
    })
}

impl RealState {
    /// The vector's blocks plus the stand-in module under every code CID of its manifest.
    pub fn store(&self) -> Result<(Rc<MemoryBlockstore>, Cid)> {
        let own = MemoryBlockstore::new();
        let bundle = load_bundle(&own, BUNDLE)?;
        let stand_in = own
            .get(bundle.manifest.account_code())?
            .ok_or_else(|| anyhow!("own bundle lacks the account actor"))?;
        let store = MemoryBlockstore::new();
        for (k, data) in &self.blocks {
            store.put_keyed(k, data)?;
        }
        let data = skyr_vectors::runner::manifest_of(&store, &self.pre)?;
        for (_, code) in Manifest::load(&store, &data)?.entries() {
            store.put_keyed(code, &stand_in)?;
        }
        Ok((Rc::new(store), self.pre))
    }

    /// Variations of the real message, one scenario each: the original, gas limits around
    /// what it used and at the block limit, values, sequences, fee caps and premiums, other
    /// receivers among the actors the state holds, a method the stand-in code runs, a chain
    /// of messages, and unknown senders and receivers (whose lookups need blocks the
    /// extraction did not keep: failing is as good as running, if both machines agree).
    pub fn scenarios(&self) -> Vec<Scenario> {
        let m = &self.message;
        let (_, used) = self.expected;
        let base = self.base_fee.atto().try_into().unwrap_or(u64::MAX);
        let mut out = vec![self.scenario("original", vec![m.clone()])];
        for g in [
            0,
            1,
            used - 1,
            used,
            used + 1,
            2 * used,
            BLOCK_GAS_LIMIT,
            BLOCK_GAS_LIMIT + 1,
        ] {
            let mut s = self.one(&format!("gas limit {g}"), |x| x.gas_limit = g);
            // Both machines refuse a message without a gas limit outright.
            s.expect_refusal = g == 0;
            out.push(s);
        }
        for (what, v) in [
            ("value 0", TokenAmount::from_atto(0)),
            ("value 1 atto more", &m.value + TokenAmount::from_atto(1)),
            ("value 2e9 FIL", TokenAmount::from_whole(2_000_000_000)),
        ] {
            out.push(self.one(what, |x| x.value = v.clone()));
        }
        out.push(self.one("sequence +1", |x| x.sequence += 1));
        if m.sequence > 0 {
            out.push(self.one("sequence -1", |x| x.sequence -= 1));
        }
        for (what, cap, premium) in [
            ("fee cap 0", 0, 0),
            ("fee cap below base fee", base - 1, 0),
            ("fee cap at base fee", base, 0),
            ("fee cap above base fee", base + 1, 1),
            ("premium above fee cap", 2 * base, 3 * base),
        ] {
            out.push(self.one(what, |x| {
                x.gas_fee_cap = TokenAmount::from_atto(cap);
                x.gas_premium = TokenAmount::from_atto(premium);
            }));
        }
        for id in [0, 1, 2, 99] {
            out.push(self.one(&format!("1 atto to f0{id}"), |x| {
                x.to = Address::new_id(id);
                x.value = TokenAmount::from_atto(1);
                x.method_num = 0;
                x.params = RawBytes::default();
            }));
        }
        out.push(self.one("1 atto to itself", |x| {
            x.to = x.from;
            x.value = TokenAmount::from_atto(1);
            x.method_num = 0;
        }));
        out.push(
            self.one("method 2 on the receiver (stand-in code runs)", |x| {
                x.method_num = 2;
                x.value = TokenAmount::from_atto(0);
            }),
        );
        out.push(
            self.one("method 2 on the sender (stand-in code runs)", |x| {
                x.to = x.from;
                x.method_num = 2;
                x.value = TokenAmount::from_atto(0);
                x.params = RawBytes::default();
            }),
        );
        let chain = (0..3)
            .map(|i| {
                let mut x = m.clone();
                x.sequence += i;
                x
            })
            .collect();
        out.push(self.scenario("three in a row", chain));
        let mut implicit = self.scenario("applied as an implicit message", vec![m.clone()]);
        implicit.messages[0].implicit = true;
        out.push(implicit);
        let stranger = Address::new_secp256k1(&[7u8; 65]).unwrap_or(m.from);
        let mut from_unknown = self.one("from an unknown f1", |x| x.from = stranger);
        from_unknown.either = true;
        out.push(from_unknown);
        let mut to_unknown = self.one("1 FIL to an unknown f1 (creates an account)", |x| {
            x.to = stranger;
            x.value = TokenAmount::from_whole(1);
            x.method_num = 0;
            x.params = RawBytes::default();
        });
        to_unknown.either = true;
        out.push(to_unknown);
        out
    }

    /// The original message changed by `edit`.
    fn one(&self, what: &str, edit: impl FnOnce(&mut Message)) -> Scenario {
        let mut m = self.message.clone();
        edit(&mut m);
        self.scenario(what, vec![m])
    }

    /// A scenario of `messages` on this state (each of its messages at the vector's epoch
    /// and base fee), named after the vector and `what`.
    pub fn scenario(&self, what: &str, messages: Vec<Message>) -> Scenario {
        Scenario {
            name: format!("mainnet {}: {what}", self.name),
            nv: NetworkVersion::V17,
            epoch: self.epoch,
            base_fee: self.base_fee.clone(),
            debug: false,
            test_wasm: None,
            expect_refusal: false,
            either: false,
            checks_proofs: false,
            reach_syscall: false,
            genesis_edits: Vec::new(),
            messages: messages.into_iter().map(spec).collect(),
        }
    }
}

/// A message with its length on chain (a secp256k1 signature adds 65 bytes and framing).
fn spec(message: Message) -> MessageSpec {
    let encoded = fvm_ipld_encoding::to_vec(&message).map_or(0, |b| b.len());
    let raw_length = if message.from.protocol() == Protocol::Secp256k1 {
        encoded + 65 + 4
    } else {
        encoded
    };
    MessageSpec {
        message,
        raw_length,
        implicit: false,
    }
}
