//! The call manager: one message's sends, from the top-level call down through nested ones.
//!
//! It resolves (or creates) the receiver, charges the send, moves the value, and runs the
//! receiver's code through the engine with a fresh [`Kernel`]. It is passed by value: while
//! an actor runs, its kernel owns the call manager, and a nested send takes it from there.
//!
//! Every send is a transaction over the state tree, the message's events and what the
//! message has paid to touch ([`state_access`]); a send that fails is rolled back. Where
//! the rules give sends their own gas limits, a send runs under a nested limit.
mod events;
mod invoke;
pub mod state_access;

use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::{ActorID, MethodNum, METHOD_CONSTRUCTOR};

pub use events::Events;
use state_access::StateAccess;

use crate::error::{catch_panic, syscall_err, ExecError, Result};
use crate::gas::{Gas, GasTracker, RETURN_VALUE_CHARGE};
use crate::kernel::Block;
use crate::machine::{Machine, SYSTEM_ACTOR_ID};
use crate::rules::AccountCreation;
use crate::state_tree::ActorState;
use crate::trace::TraceEvent;

/// ID of the Ethereum address manager, the namespace of f410 addresses.
pub const EAM_ACTOR_ID: ActorID = 10;

/// How a call ended, when the machine itself did not fail.
#[derive(Clone, Debug)]
pub enum InvocationResult {
    /// The callee returned, maybe with a block.
    Return(Option<Block>),
    /// The callee aborted (or trapped) with this exit code, maybe with a block (fvm_sdk 3
    /// actors may exit with data).
    Failure(ExitCode, Option<Block>),
}

impl InvocationResult {
    /// The exit code (OK for a return).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            InvocationResult::Return(_) => ExitCode::OK,
            InvocationResult::Failure(c, _) => *c,
        }
    }

    /// The block returned, if any.
    pub fn value(&self) -> Option<&Block> {
        match self {
            InvocationResult::Return(v) | InvocationResult::Failure(_, v) => v.as_ref(),
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

/// What the call manager needs to know of the message it runs.
#[derive(Clone, Debug)]
pub struct MessageOrigin {
    /// The sender, as the message names it.
    pub address: Address,
    /// The sender's ID.
    pub id: ActorID,
    /// The message's sequence number.
    pub nonce: u64,
    /// The gas premium the message pays (the effective one).
    pub gas_premium: TokenAmount,
    /// The top-level receiver's ID, when it exists before the message runs.
    pub receiver: Option<ActorID>,
}

/// A send's options beyond its target and value.
#[derive(Clone, Copy, Debug, Default)]
pub struct SendOptions {
    /// Its own gas limit, if any.
    pub gas_limit: Option<Gas>,
    /// Whether the callee may not change state.
    pub read_only: bool,
}

/// State of one message's execution.
pub struct CallManager {
    /// The machine, on loan for the message.
    pub machine: Machine,
    /// Gas used against the message's limit.
    pub gas: GasTracker,
    /// The message's sender and sequence.
    pub origin: MessageOrigin,
    actors_created: u64,
    depth: u32,
    /// Invocations run so far.
    pub invocations: u64,
    /// Syscalls actors entered so far (each paid its syscall charge).
    pub syscalls: u64,
    /// Debug logs of the actors (only with debugging on).
    pub logs: Vec<String>,
    /// Frames of failed calls, innermost first.
    pub backtrace: Vec<Frame>,
    /// What the message has paid to touch, where the rules price it.
    access: Option<StateAccess>,
    /// Events emitted so far.
    pub events: Events,
    /// Bytes of WASM memory and tables the current call stack holds (where limited).
    pub memory_used: usize,
    /// Bytes of WASM memory and tables the current call stack holds on the host, in every
    /// version (against the engine's budget, which is not consensus).
    pub host_memory_used: usize,
    /// Traced, under fvm 2's rule for the return value's charge: how the message's call
    /// returned before that charge, which its trace records ahead of the charge.
    returned_before_charge: Option<TraceEvent>,
}

impl CallManager {
    /// Starts a message. Its sender (already updated by the executor) and its receiver are
    /// free to touch.
    pub fn new(machine: Machine, gas: GasTracker, origin: MessageOrigin) -> Self {
        let mut access = machine.rules.prices.state_access.map(StateAccess::new);
        if let Some(a) = &mut access {
            a.record_update(origin.id);
            if let Some(r) = origin.receiver {
                a.record_read(r);
            }
        }
        CallManager {
            machine,
            gas,
            origin,
            actors_created: 0,
            depth: 0,
            invocations: 0,
            syscalls: 0,
            logs: Vec::new(),
            backtrace: Vec::new(),
            access,
            events: Events::default(),
            memory_used: 0,
            host_memory_used: 0,
            returned_before_charge: None,
        }
    }

    /// The index of the next actor this message creates, counting this one (fvm_sdk 2
    /// counts every request for a new address).
    pub fn next_actor_index(&mut self) -> u64 {
        let i = self.actors_created;
        self.actors_created += 1;
        i
    }

    /// The robust (f2) address the next actor this message creates will have: a hash of
    /// the sender as the message names it, the sequence and the actors created so far
    /// (fvm_sdk 3; the count grows only when an actor is created).
    pub fn next_actor_address(&self) -> Result<Address> {
        let mut b = fvm_ipld_encoding::to_vec(&self.origin.address)
            .map_err(|e| crate::error::fatal(format!("failed to encode the origin: {e}")))?;
        b.extend_from_slice(&self.origin.nonce.to_be_bytes());
        b.extend_from_slice(&self.actors_created.to_be_bytes());
        Ok(Address::new_actor(&b))
    }

    /// Sends a message from actor `from`: checks the call depth, then runs the call in a
    /// transaction that is rolled back unless it succeeds.
    pub fn send(
        mut self,
        from: ActorID,
        to: Address,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
        options: SendOptions,
    ) -> (Result<InvocationResult>, Self) {
        self.gas.record(|| TraceEvent::Call {
            from,
            to,
            method,
            value: value.clone(),
            params: params.as_ref().map_or(Vec::new(), |p| p.data().to_vec()),
            params_codec: params.as_ref().map_or(0, |p| p.codec()),
            gas_limit: options.gas_limit,
            read_only: options.read_only,
        });
        let (res, mut cm) = self.send_traced(from, to, method, params, value, options);
        // Under fvm 2's rule the message's return value was charged after its call returned:
        // its trace has the return (as it was before that charge) and then the charge.
        match cm.returned_before_charge.take().filter(|_| cm.depth == 0) {
            Some(returned) => {
                let charge = cm.gas.take_last_charge(RETURN_VALUE_CHARGE);
                cm.gas.record(|| returned);
                if let Some(charge) = charge {
                    cm.gas.record(|| charge);
                }
            }
            None => cm.gas.record(|| return_event(&res)),
        }
        (res, cm)
    }

    /// fvm 2's charge for the message's return value: on every successful return of the
    /// message's own call, valued or not, before its transaction ends. Traced, the return
    /// is noted as it was before the charge, which may run out of gas (see
    /// [`send`](Self::send)).
    fn charge_return_value(&mut self, res: Result<InvocationResult>) -> Result<InvocationResult> {
        let size = match &res {
            Ok(r) if r.exit_code().is_success() => r.value().map_or(0, |v| v.size() as usize),
            _ => return res,
        };
        if self.gas.tracing() {
            self.returned_before_charge = Some(return_event(&res));
        }
        let charge = self.machine.rules.prices.on_chain_return_value(size);
        self.gas.apply(&charge)?;
        res
    }

    /// [`send`](Self::send) between the trace's start and end of the call.
    ///
    /// The call manager travels by value from here down to the callee's kernel. Each step
    /// it takes on the way runs under [`catch_panic`]: a panic there becomes a fatal error
    /// while the call manager is still held, instead of unwinding past its owner (and the
    /// executor recovers the state tree a fatal message leaves).
    fn send_traced(
        mut self,
        from: ActorID,
        to: Address,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
        options: SendOptions,
    ) -> (Result<InvocationResult>, Self) {
        if let Err(e) = catch_panic("entering a send", || self.enter(options)) {
            return (Err(e), self);
        }
        // What the callee's instances hold is given back when it returns.
        let held = (self.memory_used, self.host_memory_used);
        let (res, mut cm) = self.send_unchecked(from, to, method, params, value, options);
        let res = catch_panic("ending a send", || cm.leave(res, held, options));
        (res, cm)
    }

    /// Opens a send's transaction, unless the call depth refuses it.
    fn enter(&mut self, options: SendOptions) -> Result<()> {
        // As the reference: the limit is pushed before the depth check; a send refused for
        // depth leaves it pushed where the rules say so.
        if let Some(limit) = options.gas_limit {
            self.gas.push_limit(limit);
        }
        let limit = self.machine.config.max_call_depth;
        if self.machine.rules.depth_exceeded(self.depth, limit) {
            if options.gas_limit.is_some() && !self.machine.rules.depth_refusal_keeps_gas_limit {
                self.gas.pop_limit()?;
            }
            return Err(syscall_err(
                ErrorNumber::LimitExceeded,
                "message execution exceeds call depth",
            ));
        }
        self.machine.state.begin_transaction();
        self.events.begin();
        if let Some(a) = &mut self.access {
            a.begin();
        }
        self.depth += 1;
        Ok(())
    }

    /// Closes the transaction [`enter`](Self::enter) opened: kept if the call succeeded,
    /// rolled back otherwise.
    fn leave(
        &mut self,
        mut res: Result<InvocationResult>,
        (memory_used, host_memory_used): (usize, usize),
        options: SendOptions,
    ) -> Result<InvocationResult> {
        self.memory_used = memory_used;
        self.host_memory_used = host_memory_used;
        self.depth -= 1;
        if self.depth == 0 && self.machine.rules.return_value_charged_after_call {
            res = self.charge_return_value(res);
        }
        let revert = !matches!(&res, Ok(r) if r.exit_code().is_success());
        let access_end = match &mut self.access {
            Some(a) => a.end(revert),
            None => Ok(()),
        };
        let ends = [
            access_end,
            self.events.end(revert),
            self.machine.state.end_transaction(revert),
            match options.gas_limit {
                Some(_) => self.gas.pop_limit(),
                None => Ok(()),
            },
        ];
        if let Some(e) = ends.into_iter().find_map(|r| r.err()) {
            return Err(e);
        }
        // A call that ran out of its own gas limit fails; its caller goes on.
        if matches!(res, Err(ExecError::OutOfGas)) && !self.gas.available().is_zero() {
            res = Ok(InvocationResult::Failure(ExitCode::SYS_OUT_OF_GAS, None));
        }
        res
    }

    fn send_unchecked(
        mut self,
        from: ActorID,
        to: Address,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
        options: SendOptions,
    ) -> (Result<InvocationResult>, Self) {
        let id = match catch_panic("resolving the receiver", || self.resolve_address(&to)) {
            Ok(Some(id)) => id,
            Ok(None) => match self.create_for_send(&to, options.read_only) {
                (Ok(id), cm) => {
                    self = cm;
                    id
                }
                (Err(e), cm) => return (Err(e), cm),
            },
            Err(e) => return (Err(e), self),
        };
        self.send_resolved(from, id, method, params, value, options.read_only)
    }

    /// Creates the actor a send to an unknown address needs: an account for a key address,
    /// a placeholder for an f410 address where they exist.
    fn create_for_send(self, to: &Address, read_only: bool) -> (Result<ActorID>, Self) {
        let placeholder = matches!(to.payload(), Payload::Delegated(d) if d.namespace() == EAM_ACTOR_ID)
            && self.machine.rules.delegated_addresses;
        let key = matches!(to.payload(), Payload::BLS(_) | Payload::Secp256k1(_));
        if !key && !placeholder {
            let e = syscall_err(
                ErrorNumber::NotFound,
                format!("actor does not exist or cannot be created: {to}"),
            );
            return (Err(e), self);
        }
        if read_only {
            let e = syscall_err(
                ErrorNumber::ReadOnly,
                format!("cannot auto-create account {to} in read-only calls"),
            );
            return (Err(e), self);
        }
        if key {
            self.create_account_actor(to)
        } else {
            let mut cm = self;
            let res = catch_panic("creating a placeholder", || {
                let code = cm.machine.manifest.placeholder_code()?;
                cm.charge_creation()?;
                cm.register_actor(to, ActorState::new_empty(code, Some(*to)))
            });
            (res, cm)
        }
    }

    /// Charges for an actor a send creates, a new address assigned to it.
    fn charge_creation(&mut self) -> Result<()> {
        let pl = self.machine.rules.prices;
        self.gas.apply(&pl.on_create_actor(true))
    }

    /// Registers `addr` under a new ID holding `state`.
    fn register_actor(&mut self, addr: &Address, state: ActorState) -> Result<ActorID> {
        let id = self.machine.state.register_new_address(addr)?;
        self.set_actor(id, state)?;
        Ok(id)
    }

    /// The account actor of a key address, charged and checked in the rules' order.
    fn new_account(&mut self, addr: &Address) -> Result<ActorID> {
        let charge_first = self.machine.rules.account_creation == AccountCreation::ChargeThenCheck;
        if charge_first {
            self.charge_creation()?;
        }
        if addr.is_bls_zero_address() {
            return Err(syscall_err(
                ErrorNumber::IllegalArgument,
                "cannot create the bls zero address actor",
            ));
        }
        if !charge_first {
            self.charge_creation()?;
        }
        let code = *self.machine.manifest.account_code();
        self.register_actor(addr, ActorState::fresh(code))
    }

    /// Creates an account actor for a key address that has none yet, and constructs it.
    fn create_account_actor(mut self, addr: &Address) -> (Result<ActorID>, Self) {
        let created = catch_panic("creating an account", || {
            let id = self.new_account(addr)?;
            let params = fvm_ipld_encoding::to_vec(addr)
                .map_err(|e| syscall_err(ErrorNumber::IllegalArgument, e.to_string()))?;
            Ok((id, params))
        });
        let (id, params) = match created {
            Ok(v) => v,
            Err(e) => return (Err(e), self),
        };
        let codec = self.machine.rules.params_codec.for_constructor();
        // The constructor's own outcome does not matter here, only machine failures.
        let zero = TokenAmount::default();
        let (res, cm) = self.send_resolved(
            SYSTEM_ACTOR_ID,
            id,
            METHOD_CONSTRUCTOR,
            Some(Block::new(codec, params)),
            &zero,
            false,
        );
        (res.map(|_| id), cm)
    }

    /// Creates an actor of `code` under `id` for the init actor (fvm_sdk 3): a placeholder
    /// holding the same f4 address becomes the new actor; any other existing actor refuses.
    pub fn create_actor(
        &mut self,
        code: cid::Cid,
        id: ActorID,
        delegated: Option<Address>,
    ) -> Result<()> {
        let manifest = &self.machine.manifest;
        if manifest.is_placeholder(&code) {
            return Err(syscall_err(
                ErrorNumber::Forbidden,
                "cannot explicitly construct a placeholder actor",
            ));
        }
        let actor = match self.get_actor(id)? {
            Some(mut existing) if self.machine.manifest.is_placeholder(&existing.code) => {
                if existing.delegated_address.is_none() {
                    return Err(crate::error::fatal(format!(
                        "placeholder {id} doesn't have a delegated address"
                    )));
                }
                if existing.delegated_address != delegated {
                    return Err(syscall_err(
                        ErrorNumber::Forbidden,
                        "placeholder has a different delegated address",
                    ));
                }
                existing.code = code;
                existing
            }
            Some(_) => {
                return Err(syscall_err(
                    ErrorNumber::Forbidden,
                    "Actor address already exists",
                ))
            }
            None => {
                let pl = self.machine.rules.prices;
                self.gas.apply(&pl.on_create_actor(false))?;
                ActorState::new_empty(code, delegated)
            }
        };
        self.set_actor(id, actor)?;
        self.actors_created += 1;
        Ok(())
    }
}

/// How a send ended, as its trace records it: a call that ran out of the message's gas
/// returns SYS_OUT_OF_GAS (as fvm 3 and 4 record it).
fn return_event(res: &Result<InvocationResult>) -> TraceEvent {
    match res {
        Ok(r) => TraceEvent::Return {
            exit_code: r.exit_code(),
            return_data: r.value().map_or(Vec::new(), |b| b.data().to_vec()),
        },
        Err(ExecError::OutOfGas) => TraceEvent::Return {
            exit_code: ExitCode::SYS_OUT_OF_GAS,
            return_data: Vec::new(),
        },
        Err(e) => TraceEvent::Error {
            message: e.to_string(),
        },
    }
}
