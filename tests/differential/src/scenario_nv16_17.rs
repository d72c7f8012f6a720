//! Scenarios: a machine configuration and the messages to apply, built with a small builder
//! that keeps each sender's sequence numbers right unless a scenario wants them wrong. These
//! are the nv16–17 scenarios, in fvm 2's shared types; the nv18–28 ones are
//! [`crate::scenario_nv18_28`], and the crate's docs say why they stay two.
use std::collections::BTreeMap;

use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::version::NetworkVersion;
use skyr_test_program::{Op, Program, METHOD_RUN};

use crate::genesis_skyr::{bls_key, ids, secp_key};

/// One message and its length on chain.
#[derive(Clone, Debug)]
pub struct MessageSpec {
    pub message: Message,
    pub raw_length: usize,
    /// Applied as an implicit (system) message: no checks, no fees.
    pub implicit: bool,
}

/// A named list of messages applied from genesis under one machine configuration.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub nv: NetworkVersion,
    pub epoch: i64,
    pub base_fee: TokenAmount,
    pub debug: bool,
    /// Replaces the test actor's module in the bundle (to test module acceptance).
    pub test_wasm: Option<Vec<u8>>,
    /// Both machines must fail: refuse the machine, a message or the flush.
    pub expect_refusal: bool,
    /// Failing (both) and running (both, alike) are equally fine: for generated inputs.
    pub either: bool,
    /// The outcome depends on checking proofs for real (vector runners assume them valid).
    pub checks_proofs: bool,
    /// When the machines run it, the first message must enter at least one syscall (Skyr
    /// counts them; agreeing on gas, the reference entered them too).
    pub reach_syscall: bool,
    /// Changes to the genesis it starts from.
    pub genesis_edits: Vec<crate::genesis_skyr::GenesisEdit>,
    pub messages: Vec<MessageSpec>,
}

/// Who sends: a genesis account by kind and index, or any address.
#[derive(Clone, Copy, Debug)]
pub enum Sender {
    Secp(usize),
    Bls(usize),
    Addr(Address),
}

impl Sender {
    /// The sender's address.
    pub fn address(&self) -> Address {
        match self {
            Sender::Secp(i) => secp_key(*i).address(),
            Sender::Bls(i) => bls_key(*i).address(),
            Sender::Addr(a) => *a,
        }
    }
}

/// Default gas limit of scenario messages.
pub const GAS_LIMIT: i64 = 1_000_000_000;

/// Builds a scenario.
pub struct Builder {
    s: Scenario,
    nonces: BTreeMap<Vec<u8>, u64>,
}

/// Knobs of one message; defaults are a well-formed message that can pay for itself.
#[derive(Clone, Debug)]
pub struct Msg {
    pub from: Sender,
    pub to: Address,
    pub method: u64,
    pub params: Vec<u8>,
    pub value: TokenAmount,
    pub gas_limit: i64,
    pub fee_cap: TokenAmount,
    pub premium: TokenAmount,
    /// Overrides the tracked sequence number.
    pub sequence: Option<u64>,
    /// Overrides the chain length.
    pub raw_length: Option<usize>,
    /// Apply as an implicit message.
    pub implicit: bool,
}

impl Msg {
    /// A message from `from` to `to` calling `method`.
    pub fn new(from: Sender, to: Address, method: u64) -> Msg {
        Msg {
            from,
            to,
            method,
            params: Vec::new(),
            value: TokenAmount::default(),
            gas_limit: GAS_LIMIT,
            fee_cap: TokenAmount::from_atto(200),
            premium: TokenAmount::from_atto(50),
            sequence: None,
            raw_length: None,
            implicit: false,
        }
    }

    /// A program for test actor `t` (0..3), sent by the first secp account.
    pub fn program(t: usize, program: Program) -> Msg {
        let mut m = Msg::new(Sender::Secp(0), test_actor(t), METHOD_RUN);
        m.params = fvm_ipld_encoding::to_vec(&program).expect("programs encode");
        m
    }

    pub fn value(mut self, v: TokenAmount) -> Self {
        self.value = v;
        self
    }
    pub fn gas(mut self, limit: i64) -> Self {
        self.gas_limit = limit;
        self
    }
    pub fn params(mut self, p: Vec<u8>) -> Self {
        self.params = p;
        self
    }
    pub fn fees(mut self, cap: u64, premium: u64) -> Self {
        self.fee_cap = TokenAmount::from_atto(cap);
        self.premium = TokenAmount::from_atto(premium);
        self
    }
    pub fn sequence(mut self, n: u64) -> Self {
        self.sequence = Some(n);
        self
    }
    pub fn from(mut self, s: Sender) -> Self {
        self.from = s;
        self
    }
    pub fn implicit(mut self) -> Self {
        self.implicit = true;
        self
    }
}

/// The address of genesis test actor `t`.
pub fn test_actor(t: usize) -> Address {
    Address::new_id(ids::TEST[t])
}

impl Builder {
    /// A scenario on network version 17 at epoch 1000 with base fee 100.
    pub fn new(name: impl Into<String>) -> Builder {
        Builder {
            s: Scenario {
                name: name.into(),
                nv: NetworkVersion::V17,
                epoch: 1000,
                base_fee: TokenAmount::from_atto(100),
                debug: false,
                test_wasm: None,
                expect_refusal: false,
                either: false,
                checks_proofs: false,
                reach_syscall: false,
                genesis_edits: Vec::new(),
                messages: Vec::new(),
            },
            nonces: BTreeMap::new(),
        }
    }

    pub fn nv(mut self, nv: NetworkVersion) -> Self {
        self.s.nv = nv;
        self
    }
    pub fn base_fee(mut self, atto: u64) -> Self {
        self.s.base_fee = TokenAmount::from_atto(atto);
        self
    }
    pub fn debug(mut self) -> Self {
        self.s.debug = true;
        self
    }
    pub fn test_wasm(mut self, wasm: Vec<u8>) -> Self {
        self.s.test_wasm = Some(wasm);
        self
    }
    pub fn refused(mut self) -> Self {
        self.s.expect_refusal = true;
        self
    }
    pub fn either(mut self) -> Self {
        self.s.either = true;
        self
    }
    pub fn checks_proofs(mut self) -> Self {
        self.s.checks_proofs = true;
        self
    }
    pub fn edit(mut self, e: crate::genesis_skyr::GenesisEdit) -> Self {
        self.s.genesis_edits.push(e);
        self
    }
    pub fn reaches_a_syscall(mut self) -> Self {
        self.s.reach_syscall = true;
        self
    }

    /// Adds a message.
    pub fn msg(mut self, m: Msg) -> Self {
        let from = m.from.address();
        let next = self.nonces.entry(from.to_bytes()).or_insert(0);
        let sequence = m.sequence.unwrap_or(*next);
        if m.sequence.is_none() {
            *next += 1;
        }
        let message = Message {
            version: 0,
            from,
            to: m.to,
            sequence,
            value: m.value,
            method_num: m.method,
            params: RawBytes::new(m.params),
            gas_limit: m.gas_limit,
            gas_fee_cap: m.fee_cap,
            gas_premium: m.premium,
        };
        let encoded = fvm_ipld_encoding::to_vec(&message)
            .expect("messages encode")
            .len();
        let raw_length = m
            .raw_length
            .unwrap_or(if from.protocol() == Protocol::Secp256k1 {
                encoded + 65 + 4
            } else {
                encoded
            });
        self.s.messages.push(MessageSpec {
            message,
            raw_length,
            implicit: m.implicit,
        });
        self
    }

    /// Adds a program message for test actor `t`.
    pub fn run(self, t: usize, program: Program) -> Self {
        self.msg(Msg::program(t, program))
    }

    /// The scenario.
    pub fn build(self) -> Scenario {
        self.s
    }
}

/// A program op calling a syscall with arguments.
pub fn call(module: &str, name: &str, args: Vec<skyr_test_program::Arg>) -> Op {
    Op::Call(module.into(), name.into(), args)
}
