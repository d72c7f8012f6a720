//! Scenarios of network versions 18–28, in Skyr's shared types (which hold f4 addresses):
//! messages from the [nv18 genesis](crate::genesis_official), and what each scenario must reach.
//!
//! Agreement alone proves nothing if both machines stopped early, so every scenario names
//! what it is about ([`Reach`]): an exit code, an output of the test program, an events
//! root. The harness checks it on the outcomes both machines agreed on.
use std::collections::BTreeMap;

use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr_test_program::{Op, Out, Program, METHOD_RUN};

use crate::genesis_skyr::{bls_key, ids, secp_key};
use crate::proof_log::Answer;

/// Default gas limit of a message.
pub const GAS_LIMIT: u64 = 3_000_000_000;

/// One message and its length on chain.
#[derive(Clone, Debug)]
pub struct OfficialMessageSpec {
    pub message: Message,
    pub raw_length: usize,
    pub implicit: bool,
    /// The epoch it is applied at, when not the scenario's: the machines are built anew at
    /// each change of epoch, from the state the previous message left.
    pub epoch: Option<i64>,
    /// How the verifier answers it, when not as the scenario says.
    pub proofs: Option<Answer>,
}

/// What a scenario must reach, checked on the outcomes both machines agreed on.
#[derive(Clone, Debug)]
pub enum Reach {
    /// Message `i` exits with this code.
    Exit(usize, u32),
    /// Output `j` of the test program message `i` ran is this.
    Out(usize, usize, Out),
    /// Output `j` of message `i`'s program is a nested send that exited with this code.
    SentExit(usize, usize, u32),
    /// Message `i`'s receipt has an events root.
    Events(usize),
    /// Message `i` used more gas than message `k` (a charge was reached).
    MoreGas(usize, usize),
    /// Messages `i` and `k` used the same gas (what differs between them is not charged).
    SameGas(usize, usize),
    /// Message `i`'s program ran all its `n` ops (it returned `n` outputs).
    Completed(usize, usize),
    /// Message `i` returned exactly these bytes (a getter read this state back).
    Returns(usize, Vec<u8>),
    /// Messages `i` and `k` returned different bytes (what a getter reads moved between
    /// them).
    ReturnDiffers(usize, usize),
    /// Message `i` asked Skyr's proof verifier exactly this (it reached verification, which
    /// is charged first: agreeing on gas, the reference reached it too).
    Asked(usize, crate::proof_log::Asked),
}

/// A scenario of nv18–28, run from an official bundle's genesis.
#[derive(Clone, Debug)]
pub struct OfficialScenario {
    pub name: String,
    pub nv: u32,
    pub epoch: i64,
    pub base_fee: TokenAmount,
    pub messages: Vec<OfficialMessageSpec>,
    pub reach: Vec<Reach>,
    /// Both machines must refuse it (a message or the flush), at the same stage.
    pub expect_refusal: bool,
    /// Checks the gas edge of this (successful) message: run again with its gas limit set
    /// to the gas it used, it must still succeed, and with one gas less it must run out.
    pub edge: Option<usize>,
    /// Starts from the genesis with the storage actors (cron, power, market, verified
    /// registry, datacap) present but not constructed (see [`crate::genesis_official::build_for`]).
    pub builtins: bool,
    /// Changes to the genesis it starts from.
    pub genesis_edits: Vec<crate::genesis_skyr::GenesisEdit>,
    /// Replaces the test actor's module (to run generated or mutated modules).
    pub test_wasm: Option<Vec<u8>>,
    /// Refusing (both, at the same stage) is as fine as running (both, alike): for
    /// generated inputs, whose `reach` is empty.
    pub either: bool,
    /// How both machines' verifiers answer proofs (after charging them), unless a message
    /// says otherwise.
    pub proofs: Answer,
}

impl OfficialScenario {
    /// How the verifier answers message `m`.
    pub fn answer_for(&self, m: &OfficialMessageSpec) -> Answer {
        m.proofs.unwrap_or(self.proofs)
    }

    /// The epoch message `m` is applied at.
    pub fn epoch_of(&self, m: &OfficialMessageSpec) -> i64 {
        m.epoch.unwrap_or(self.epoch)
    }

    /// Applies the messages in order on machines `start` builds: one at the first message's
    /// epoch on `root`, then a new one at each change of epoch, on the state the message
    /// before left. `apply` applies one message and gives its outcome.
    pub fn apply_by_epoch<E>(
        &self,
        root: cid::Cid,
        mut start: impl FnMut(i64, cid::Cid) -> anyhow::Result<E>,
        mut apply: impl FnMut(&mut E, &OfficialMessageSpec) -> anyhow::Result<crate::outcome::Outcome>,
    ) -> anyhow::Result<Vec<crate::outcome::Outcome>> {
        let mut epoch = self
            .messages
            .first()
            .map_or(self.epoch, |m| self.epoch_of(m));
        let mut machine = start(epoch, root)?;
        let mut out: Vec<crate::outcome::Outcome> = Vec::new();
        for m in &self.messages {
            if self.epoch_of(m) != epoch {
                epoch = self.epoch_of(m);
                machine = start(epoch, out.last().map_or(root, |o| o.root))?;
            }
            out.push(apply(&mut machine, m)?);
        }
        Ok(out)
    }

    /// Whether a message goes to or comes from one of the genesis' test actors.
    pub fn uses_test_actors(&self) -> bool {
        let tests: Vec<Address> = ids::TEST.iter().map(|id| Address::new_id(*id)).collect();
        self.messages
            .iter()
            .any(|m| tests.contains(&m.message.to) || tests.contains(&m.message.from))
    }
}

/// Who sends a message.
#[derive(Clone, Copy, Debug)]
pub enum From {
    Secp(usize),
    Bls(usize),
    Addr(Address),
}

impl From {
    /// The sender's address.
    pub fn address(&self) -> Address {
        let conv = |a: fvm_shared::address::Address| {
            Address::from_bytes(&a.to_bytes()).expect("a key address")
        };
        match self {
            From::Secp(i) => conv(secp_key(*i).address()),
            From::Bls(i) => conv(bls_key(*i).address()),
            From::Addr(a) => *a,
        }
    }
}

/// The address of test actor `i`.
pub fn test_actor(i: usize) -> Address {
    Address::new_id(ids::TEST[i])
}

/// Builds a scenario; sequences follow each sender unless set.
pub struct OfficialBuilder {
    s: OfficialScenario,
    nonces: BTreeMap<Vec<u8>, u64>,
    /// The epoch of the messages added from now on, when not the scenario's.
    epoch: Option<i64>,
}

/// One message's knobs.
#[derive(Clone, Debug)]
pub struct OfficialMsg {
    pub from: From,
    pub to: Address,
    pub method: u64,
    pub params: Vec<u8>,
    pub value: TokenAmount,
    pub gas_limit: u64,
    pub fee_cap: TokenAmount,
    pub premium: TokenAmount,
    pub sequence: Option<u64>,
    /// How the verifier answers it, when not as the scenario says.
    pub proofs: Option<Answer>,
}

impl OfficialMsg {
    /// A message with the defaults: enough gas and fee cap, no value.
    pub fn new(from: From, to: Address, method: u64) -> OfficialMsg {
        OfficialMsg {
            from,
            to,
            method,
            params: Vec::new(),
            value: TokenAmount::default(),
            gas_limit: GAS_LIMIT,
            fee_cap: TokenAmount::from_atto(200),
            premium: TokenAmount::from_atto(10),
            sequence: None,
            proofs: None,
        }
    }

    /// A test program for test actor `i`.
    pub fn program(from: From, actor: usize, program: Program) -> OfficialMsg {
        let mut m = OfficialMsg::new(from, test_actor(actor), METHOD_RUN);
        m.params = fvm_ipld_encoding::to_vec(&program).expect("programs encode");
        m
    }

    /// With this value.
    pub fn value(mut self, atto: u64) -> OfficialMsg {
        self.value = TokenAmount::from_atto(atto);
        self
    }

    /// With this value in whole FIL.
    pub fn value_whole(mut self, fil: i64) -> OfficialMsg {
        self.value = TokenAmount::from_whole(fil);
        self
    }

    /// With this gas limit.
    pub fn gas(mut self, limit: u64) -> OfficialMsg {
        self.gas_limit = limit;
        self
    }

    /// With these params.
    pub fn params(mut self, p: Vec<u8>) -> OfficialMsg {
        self.params = p;
        self
    }

    /// Answered by the verifier as `answer` says, whatever the scenario's answer.
    pub fn answered(mut self, answer: Answer) -> OfficialMsg {
        self.proofs = Some(answer);
        self
    }

    /// With this sequence number.
    pub fn sequence(mut self, n: u64) -> OfficialMsg {
        self.sequence = Some(n);
        self
    }
}

impl OfficialBuilder {
    /// A scenario at nv18, epoch 1000, base fee 100.
    pub fn new(name: impl Into<String>) -> OfficialBuilder {
        OfficialBuilder {
            s: OfficialScenario {
                name: name.into(),
                nv: 18,
                epoch: 1000,
                base_fee: TokenAmount::from_atto(100),
                messages: Vec::new(),
                reach: Vec::new(),
                expect_refusal: false,
                edge: None,
                builtins: false,
                genesis_edits: Vec::new(),
                test_wasm: None,
                either: false,
                proofs: Answer::Checked,
            },
            nonces: BTreeMap::new(),
            epoch: None,
        }
    }

    /// Applies the messages added from now on `later` epochs after the scenario's epoch.
    pub fn later(mut self, later: i64) -> OfficialBuilder {
        self.epoch = Some(self.s.epoch + later);
        self
    }

    /// Applies the messages added from now on at epoch `epoch`.
    pub fn at_epoch(mut self, epoch: i64) -> OfficialBuilder {
        self.epoch = Some(epoch);
        self
    }

    /// At this network version.
    pub fn nv(mut self, nv: u32) -> OfficialBuilder {
        self.s.nv = nv;
        self
    }

    /// Adds a message.
    pub fn msg(mut self, m: OfficialMsg) -> OfficialBuilder {
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
            params: m.params.into(),
            gas_limit: m.gas_limit,
            gas_fee_cap: m.fee_cap,
            gas_premium: m.premium,
        };
        let mut raw_length = fvm_ipld_encoding::to_vec(&message)
            .map(|b| b.len())
            .unwrap_or(0);
        if from.protocol() == skyr::shared::address::Protocol::Secp256k1 {
            raw_length += 65 + 4;
        }
        self.s.messages.push(OfficialMessageSpec {
            message,
            raw_length,
            implicit: false,
            epoch: self.epoch,
            proofs: m.proofs,
        });
        self
    }

    /// Has both verifiers answer proofs `answer`, unless a message says otherwise.
    pub fn proofs(mut self, answer: Answer) -> OfficialBuilder {
        self.s.proofs = answer;
        self
    }

    /// Starts from the genesis with the storage actors (see [`OfficialScenario::builtins`]).
    pub fn builtins(mut self) -> OfficialBuilder {
        self.s.builtins = true;
        self
    }

    /// Adds a message the system actor applies implicitly (as a node applies cron), with no
    /// inclusion charge.
    pub fn implicit(self, to: Address, method: u64, params: Vec<u8>) -> OfficialBuilder {
        self.implicit_as(Address::new_id(0), to, method, params)
    }

    /// Adds a message applied implicitly as coming from `from` (a genesis, for instance,
    /// confirms sector proofs as the power actor).
    pub fn implicit_as(
        mut self,
        from: Address,
        to: Address,
        method: u64,
        params: Vec<u8>,
    ) -> OfficialBuilder {
        let message = Message {
            version: 0,
            from,
            to,
            sequence: 0,
            value: TokenAmount::default(),
            method_num: method,
            params: params.into(),
            gas_limit: 10_000_000_000,
            gas_fee_cap: TokenAmount::default(),
            gas_premium: TokenAmount::default(),
        };
        let raw_length = fvm_ipld_encoding::to_vec(&message)
            .map(|b| b.len())
            .unwrap_or(0);
        self.s.messages.push(OfficialMessageSpec {
            message,
            raw_length,
            implicit: true,
            epoch: self.epoch,
            proofs: None,
        });
        self
    }

    /// Requires this to be reached.
    pub fn reach(mut self, r: Reach) -> OfficialBuilder {
        self.s.reach.push(r);
        self
    }

    /// Checks the gas edge of the last message added (see [`OfficialScenario::edge`]).
    pub fn edge(mut self) -> OfficialBuilder {
        self.s.edge = Some(self.s.messages.len().saturating_sub(1));
        self
    }

    /// Requires what `r` makes of the last message's index.
    pub fn reach_last(self, r: impl FnOnce(usize) -> Reach) -> OfficialBuilder {
        let i = self.last_index();
        self.reach(r(i))
    }

    /// The scenario as built so far.
    pub fn build_ref(&self) -> &OfficialScenario {
        &self.s
    }

    /// The index of the last message added (a reach names messages by index).
    pub fn last_index(&self) -> usize {
        self.s.messages.len().saturating_sub(1)
    }

    /// Requires the last message added to exit with `code`.
    pub fn exits(self, code: u32) -> OfficialBuilder {
        let i = self.s.messages.len().saturating_sub(1);
        self.reach(Reach::Exit(i, code))
    }

    /// Requires the last message added to have asked Skyr's proof verifier exactly this.
    pub fn asks(self, asked: crate::proof_log::Asked) -> OfficialBuilder {
        let i = self.s.messages.len().saturating_sub(1);
        self.reach(Reach::Asked(i, asked))
    }

    /// Requires output `j` of the last message's program.
    pub fn out(self, j: usize, out: Out) -> OfficialBuilder {
        let i = self.s.messages.len().saturating_sub(1);
        self.reach(Reach::Out(i, j, out))
    }

    /// Runs `wasm` as the test actor's module (see [`OfficialScenario::test_wasm`]).
    pub fn test_wasm(mut self, wasm: Vec<u8>) -> OfficialBuilder {
        self.s.test_wasm = Some(wasm);
        self
    }

    /// Requires both machines to refuse the scenario, at the same stage (see
    /// [`OfficialScenario::expect_refusal`]).
    pub fn expect_refusal(mut self) -> OfficialBuilder {
        self.s.expect_refusal = true;
        self
    }

    /// Accepts refusal as well as running (see [`OfficialScenario::either`]).
    pub fn either(mut self) -> OfficialBuilder {
        self.s.either = true;
        self
    }

    /// The scenario.
    pub fn build(self) -> OfficialScenario {
        self.s
    }
}

/// A raw syscall op.
pub fn call(module: &str, name: &str, args: Vec<skyr_test_program::Arg>) -> Op {
    Op::Call(module.into(), name.into(), args)
}
