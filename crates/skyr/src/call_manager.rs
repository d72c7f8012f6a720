//! The call manager: one message's sends, from the top-level call down through nested ones.
//!
//! It resolves (or creates) the receiver, charges the send, moves the value, and runs the
//! receiver's code through the engine with a fresh [`Kernel`]. It is passed by value: while
//! an actor runs, its kernel owns the call manager, and a nested send takes it from there.
use fvm_ipld_encoding::DAG_CBOR;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::{ActorID, MethodNum, METHOD_CONSTRUCTOR, METHOD_SEND};

use crate::engine::Abort;
use crate::error::{syscall_err, ExecError, Result};
use crate::gas::GasTracker;
use crate::kernel::{Block, BlockRegistry, Kernel, NO_DATA_BLOCK_ID};
use crate::machine::{Machine, SYSTEM_ACTOR_ID};
use crate::state_tree::ActorState;

/// Native stack an invocation may need: wasmtime's backstop for WASM (4 MiB) plus host frames.
const NATIVE_RED_ZONE: usize = 6 << 20;
/// Size of each extra native stack segment.
const NATIVE_SEGMENT: usize = 32 << 20;

/// How a call ended, when the machine itself did not fail.
#[derive(Clone, Debug)]
pub enum InvocationResult {
    /// The callee returned, maybe with a block.
    Return(Option<Block>),
    /// The callee aborted (or trapped) with this exit code.
    Failure(ExitCode),
}

impl InvocationResult {
    /// The exit code (OK for a return).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            InvocationResult::Return(_) => ExitCode::OK,
            InvocationResult::Failure(c) => *c,
        }
    }
}

/// One frame of a failed message's backtrace: which actor failed, how, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The actor.
    pub actor: ActorID,
    /// The method it was running.
    pub method: MethodNum,
    /// Its exit code.
    pub code: ExitCode,
    /// What it or the machine said.
    pub message: String,
}

/// State of one message's execution.
pub struct CallManager {
    /// The machine, on loan for the message.
    pub machine: Machine,
    /// Gas used against the message's limit.
    pub gas: GasTracker,
    /// The message's sender (for new actor addresses).
    pub origin: Address,
    /// The message's sequence number.
    pub nonce: u64,
    actors_created: u64,
    depth: u32,
    /// Invocations run so far.
    pub invocations: u64,
    /// Debug logs of the actors (only with debugging on).
    pub logs: Vec<String>,
    /// Frames of failed calls, innermost first.
    pub backtrace: Vec<Frame>,
}

impl CallManager {
    /// Starts a message.
    pub fn new(machine: Machine, gas: GasTracker, origin: Address, nonce: u64) -> Self {
        CallManager {
            machine,
            gas,
            origin,
            nonce,
            actors_created: 0,
            depth: 0,
            invocations: 0,
            logs: Vec::new(),
            backtrace: Vec::new(),
        }
    }

    /// The index of the next actor this message creates (for new actor addresses).
    pub fn next_actor_index(&mut self) -> u64 {
        let i = self.actors_created;
        self.actors_created += 1;
        i
    }

    /// Sends inside a state transaction that is rolled back unless the call succeeds. With
    /// `charge_return` (the top-level call of a message), storing the return value in the
    /// receipt is charged inside the transaction too.
    pub fn send_in_transaction(
        mut self,
        from: ActorID,
        to: Address,
        method: MethodNum,
        params: Option<Block>,
        value: TokenAmount,
        charge_return: bool,
    ) -> (Result<InvocationResult>, Self) {
        self.machine.state.begin_transaction();
        let (mut res, mut cm) = self.send(from, to, method, params, &value);
        if let (true, Ok(InvocationResult::Return(ret))) = (charge_return, &res) {
            let size = ret.as_ref().map(|b| b.size() as usize).unwrap_or(0);
            let charge = cm.machine.rules.prices.on_chain_return_value(size);
            if let Err(e) = cm.gas.apply(&charge) {
                res = Err(e);
            }
        }
        let revert = !matches!(&res, Ok(r) if r.exit_code().is_success());
        if let Err(e) = cm.machine.state.end_transaction(revert) {
            return (Err(e), cm);
        }
        (res, cm)
    }

    /// Sends a message from actor `from`, checking the call depth first.
    pub fn send(
        mut self,
        from: ActorID,
        to: Address,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
    ) -> (Result<InvocationResult>, Self) {
        let limit = self.machine.config.max_call_depth;
        if self.machine.rules.depth_exceeded(self.depth, limit) {
            return (
                Err(syscall_err(
                    ErrorNumber::LimitExceeded,
                    "message execution exceeds call depth",
                )),
                self,
            );
        }
        self.depth += 1;
        let (res, mut cm) = self.send_unchecked(from, to, method, params, value);
        cm.depth -= 1;
        (res, cm)
    }

    fn send_unchecked(
        mut self,
        from: ActorID,
        to: Address,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
    ) -> (Result<InvocationResult>, Self) {
        let id = match self.machine.state.lookup_id(&to) {
            Ok(Some(id)) => id,
            Ok(None) if matches!(to.protocol(), Protocol::BLS | Protocol::Secp256k1) => {
                match self.create_account_actor(&to) {
                    (Ok(id), cm) => {
                        self = cm;
                        id
                    }
                    (Err(e), cm) => return (Err(e), cm),
                }
            }
            Ok(None) => {
                return (
                    Err(syscall_err(
                        ErrorNumber::NotFound,
                        format!("actor does not exist: {to}"),
                    )),
                    self,
                )
            }
            Err(e) => return (Err(e), self),
        };
        self.send_resolved(from, id, method, params, value)
    }

    /// Creates an account actor for a key address that has none yet, and constructs it.
    fn create_account_actor(mut self, addr: &Address) -> (Result<ActorID>, Self) {
        let pl = self.machine.rules.prices;
        if let Err(e) = self.gas.apply(&pl.on_create_actor(false)) {
            return (Err(e), self);
        }
        if addr.is_bls_zero_address() {
            return (
                Err(syscall_err(
                    ErrorNumber::IllegalArgument,
                    "cannot create the bls zero address actor",
                )),
                self,
            );
        }
        let id = match self.machine.state.register_new_address(addr) {
            Ok(id) => id,
            Err(e) => return (Err(e), self),
        };
        let code = *self.machine.manifest.account_code();
        self.machine.state.set_actor(id, ActorState::fresh(code));
        let params = match fvm_ipld_encoding::to_vec(addr) {
            Ok(p) => p,
            Err(e) => {
                return (
                    Err(syscall_err(ErrorNumber::IllegalArgument, e.to_string())),
                    self,
                )
            }
        };
        // The constructor's own outcome does not matter here, only machine failures.
        let zero = TokenAmount::default();
        let (res, cm) = self.send_resolved(
            SYSTEM_ACTOR_ID,
            id,
            METHOD_CONSTRUCTOR,
            Some(Block::new(DAG_CBOR, params)),
            &zero,
        );
        (res.map(|_| id), cm)
    }

    /// Sends to an existing actor ID: charge, transfer, invoke.
    fn send_resolved(
        mut self,
        from: ActorID,
        to: ActorID,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
    ) -> (Result<InvocationResult>, Self) {
        let actor = match self.machine.state.get_actor(to) {
            Ok(Some(a)) => a,
            Ok(None) => {
                return (
                    Err(syscall_err(
                        ErrorNumber::NotFound,
                        format!("actor does not exist: {to}"),
                    )),
                    self,
                )
            }
            Err(e) => return (Err(e), self),
        };
        let pl = self.machine.rules.prices;
        if let Some(charge) = pl.on_send_before_transfer(value, method) {
            if let Err(e) = self.gas.apply(&charge) {
                return (Err(e), self);
            }
        }
        if !value.is_zero() {
            if let Err(e) = self.machine.state.transfer(from, to, value) {
                return (Err(e), self);
            }
        }
        if method == METHOD_SEND {
            return (Ok(InvocationResult::Return(None)), self);
        }
        if let Some(charge) = pl.on_send_before_invoke(method) {
            if let Err(e) = self.gas.apply(&charge) {
                return (Err(e), self);
            }
        }
        let mut blocks = BlockRegistry::default();
        let params_id = match params {
            Some(b) => match blocks.put(b) {
                Ok(id) => id,
                Err(e) => return (Err(e), self),
            },
            None => NO_DATA_BLOCK_ID,
        };
        self.invocations += 1;
        let engine = self.machine.engine.clone();
        if !self.machine.config.require_code
            && !engine.has(&actor.code, &self.machine.rules.metering())
        {
            // Running without the bundle's code: the invocation below fails fatally; say which
            // code was lacking. (With all code required, no lookup is spent on the hot path.)
            self.machine.missing_code.push(actor.code);
        }
        let kernel = Kernel {
            cm: self,
            blocks,
            caller: from,
            receiver: to,
            method,
            value_received: value.clone(),
        };
        // Nested sends re-enter WASM on this thread: grow the native stack onto the heap when
        // it runs low, so a message at the call-depth limit runs on any host thread.
        let (outcome, kernel) = stacker::maybe_grow(NATIVE_RED_ZONE, NATIVE_SEGMENT, || {
            engine.invoke(kernel, &actor.code, params_id)
        });
        let Kernel {
            cm: mut this,
            blocks,
            ..
        } = kernel;
        let outcome = outcome.and_then(|ret| {
            if ret == NO_DATA_BLOCK_ID {
                return Ok(None);
            }
            blocks.get(ret).map(|b| Some(b.clone())).map_err(|_| {
                Abort::Exit(
                    ExitCode::SYS_MISSING_RETURN,
                    "returned block does not exist".into(),
                )
            })
        });
        let result = match outcome {
            Ok(ret) => Ok(InvocationResult::Return(ret)),
            Err(abort) => {
                let (code, message, res) = match abort {
                    Abort::Exit(code, msg) => (code, msg, Ok(InvocationResult::Failure(code))),
                    Abort::OutOfGas => (
                        ExitCode::SYS_OUT_OF_GAS,
                        "out of gas".into(),
                        Err(ExecError::OutOfGas),
                    ),
                    Abort::Fatal(e) => (
                        ExitCode::SYS_ASSERTION_FAILED,
                        format!("fatal error: {e:#}"),
                        Err(ExecError::Fatal(e)),
                    ),
                };
                this.backtrace.push(Frame {
                    actor: to,
                    method,
                    code,
                    message,
                });
                res
            }
        };
        (result, this)
    }
}
