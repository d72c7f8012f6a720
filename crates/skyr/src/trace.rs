//! Execution traces: what one message did, call by call and charge by charge.
//!
//! Tracing is off unless [`MachineConfig::trace`](crate::MachineConfig::trace) asks for it;
//! off, the machine records nothing and pays one branch per charge. On, every gas charge is
//! recorded under the reference's charge name as it is applied, interleaved with the sends
//! (their start and end) and the events actors emit, in execution order. The flat list comes
//! back in [`ApplyRet::trace`](crate::ApplyRet::trace) — the one hook an embedder needs —
//! and [`CallTree::build`] turns it into the call tree tools print.
//!
//! The charges add up exactly: the `applied` amounts of a message's charges sum to the gas it
//! used in milligas (rounded up, that is the receipt's `gas_used`). A charge that ran out of
//! gas applied only what was left, and says so. A message the machine failed (a fatal
//! error) is charged its whole limit; its trace ends with a [`FATAL_REST_OF_LIMIT`] charge
//! outside any call for the part no operation charged.
use cid::Cid;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::ExitCode;
use fvm_shared::{ActorID, MethodNum};

use crate::gas::Gas;

/// The name of the charge a trace ends with when the machine failed (a fatal error): the
/// receipt then charges the whole gas limit, as the reference's does, and this charge is
/// the part of it no operation charged. The reference's own traces have no such charge.
pub const FATAL_REST_OF_LIMIT: &str = "fatal_error_rest_of_limit";

/// The name of a negative charge a trace ends with when a send refused for call depth left
/// its own gas limit in force to the end of the message (fvm 3.14.2's behaviour, which
/// nv18–20 keep): the gas used outside that limit is then missing from the receipt, and
/// this charge takes it out of the trace's sum too.
pub const FORGOTTEN_OUTSIDE_LIMIT: &str = "forgotten_outside_pushed_limit";

/// One gas charge of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The reference's name for it (`OnBlockRead`, `wasm_exec`, …), or the name an actor
    /// gave its own charge.
    pub name: String,
    /// Compute part, milligas.
    pub compute: Gas,
    /// Other part (storage, deferred work), milligas.
    pub other: Gas,
    /// What the charge added to the gas used: its total, or what was left if it ran out.
    pub applied: Gas,
}

impl Charge {
    /// A charge no operation priced: Skyr's own entries ([`FATAL_REST_OF_LIMIT`],
    /// [`FORGOTTEN_OUTSIDE_LIMIT`]) that make a trace add up to its receipt. Both parts are
    /// zero; only `applied` counts.
    pub fn unpriced(name: &str, applied: Gas) -> Charge {
        Charge {
            name: name.to_owned(),
            compute: Gas::zero(),
            other: Gas::zero(),
            applied,
        }
    }
}

/// The sum of some charges' applied gas.
pub fn applied(charges: &[Charge]) -> Gas {
    charges.iter().fold(Gas::zero(), |sum, c| sum + c.applied)
}

/// One thing that happened while a message ran, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// A send starts (the message's own call included), as the sender asked for it.
    Call {
        /// The sending actor.
        from: ActorID,
        /// The receiver as named by the sender.
        to: Address,
        /// The method called.
        method: MethodNum,
        /// Value sent.
        value: TokenAmount,
        /// The parameters' bytes (their block's data; empty for none).
        params: Vec<u8>,
        /// Their codec (0 for none).
        params_codec: u64,
        /// The send's own gas limit, if it set one.
        gas_limit: Option<Gas>,
        /// Whether the callee may not change state.
        read_only: bool,
    },
    /// The send's receiver was found (or created): its ID and code. Within one send, the last
    /// one seen is the receiver.
    Receiver {
        /// The receiver's ID.
        id: ActorID,
        /// Its code CID.
        code: Cid,
    },
    /// A gas charge, as it was applied.
    Charge(Charge),
    /// An actor emitted an event (nv18 on).
    Event {
        /// The emitting actor.
        emitter: ActorID,
        /// How many entries it had.
        entries: usize,
    },
    /// The send returned (successfully or with an exit code).
    Return {
        /// Exit code of the call.
        exit_code: ExitCode,
        /// The return value's bytes (its block's data; empty for none).
        return_data: Vec<u8>,
    },
    /// The send failed in the machine: a syscall error, out of gas, or a fatal error.
    Error {
        /// What the machine said.
        message: String,
    },
}

/// One call of a message, with what it did and what it called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallNode {
    /// The sending actor.
    pub from: ActorID,
    /// The receiver as named by the sender.
    pub to: Address,
    /// The receiver's ID and code, when it was found.
    pub receiver: Option<(ActorID, Cid)>,
    /// The method called.
    pub method: MethodNum,
    /// Value sent.
    pub value: TokenAmount,
    /// Bytes of parameters.
    pub params_len: usize,
    /// The parameters (their block's data).
    pub params: Vec<u8>,
    /// Their codec (0 for none).
    pub params_codec: u64,
    /// Its own gas limit, if it set one.
    pub gas_limit: Option<Gas>,
    /// Read-only call.
    pub read_only: bool,
    /// Exit code; `None` when the machine failed it (see `error`).
    pub exit_code: Option<ExitCode>,
    /// Bytes of return data.
    pub return_len: usize,
    /// The return value (its block's data).
    pub return_data: Vec<u8>,
    /// The machine's error, when the call ended in one.
    pub error: Option<String>,
    /// Charges applied in this call itself, in order.
    pub charges: Vec<Charge>,
    /// Events emitted in this call itself: (emitter, entries).
    pub events: Vec<(ActorID, usize)>,
    /// Calls it made, in order.
    pub calls: Vec<CallNode>,
}

impl CallNode {
    /// Gas applied in this call itself, its sub-calls excluded.
    pub fn gas_exclusive(&self) -> Gas {
        applied(&self.charges)
    }
    /// Gas applied in this call and everything it called.
    pub fn gas_inclusive(&self) -> Gas {
        self.calls
            .iter()
            .fold(self.gas_exclusive(), |sum, c| sum + c.gas_inclusive())
    }
    /// Whether the call succeeded.
    pub fn succeeded(&self) -> bool {
        self.exit_code.is_some_and(|c| c.is_success())
    }
}

/// A message's calls as a tree, with the charges made before the first call (inclusion).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallTree {
    /// Charges outside any call (the message's inclusion charge).
    pub charges: Vec<Charge>,
    /// The top-level call; none if the message never started one.
    pub root: Option<CallNode>,
}

impl CallTree {
    /// Builds the tree of a message's trace. A trace whose calls do not nest (a call that
    /// never ends, an end with no call) is an error naming the event.
    pub fn build(events: &[TraceEvent]) -> Result<CallTree, String> {
        let mut tree = CallTree::default();
        let mut stack: Vec<CallNode> = Vec::new();
        for (i, event) in events.iter().enumerate() {
            match event {
                TraceEvent::Call {
                    from,
                    to,
                    method,
                    value,
                    params,
                    params_codec,
                    gas_limit,
                    read_only,
                } => stack.push(CallNode {
                    from: *from,
                    to: *to,
                    receiver: None,
                    method: *method,
                    value: value.clone(),
                    params_len: params.len(),
                    params: params.clone(),
                    params_codec: *params_codec,
                    gas_limit: *gas_limit,
                    read_only: *read_only,
                    exit_code: None,
                    return_len: 0,
                    return_data: Vec::new(),
                    error: None,
                    charges: Vec::new(),
                    events: Vec::new(),
                    calls: Vec::new(),
                }),
                TraceEvent::Receiver { id, code } => match stack.last_mut() {
                    Some(call) => call.receiver = Some((*id, *code)),
                    None => return Err(format!("event {i}: a receiver outside any call")),
                },
                TraceEvent::Charge(charge) => match stack.last_mut() {
                    Some(call) => call.charges.push(charge.clone()),
                    None => tree.charges.push(charge.clone()),
                },
                TraceEvent::Event { emitter, entries } => match stack.last_mut() {
                    Some(call) => call.events.push((*emitter, *entries)),
                    None => return Err(format!("event {i}: an actor event outside any call")),
                },
                TraceEvent::Return { .. } | TraceEvent::Error { .. } => {
                    let Some(mut call) = stack.pop() else {
                        return Err(format!("event {i}: a call ends that never started"));
                    };
                    match event {
                        TraceEvent::Return {
                            exit_code,
                            return_data,
                        } => {
                            call.exit_code = Some(*exit_code);
                            call.return_len = return_data.len();
                            call.return_data = return_data.clone();
                        }
                        TraceEvent::Error { message } => call.error = Some(message.clone()),
                        _ => {}
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.calls.push(call),
                        None if tree.root.is_none() => tree.root = Some(call),
                        None => return Err(format!("event {i}: a second top-level call")),
                    }
                }
            }
        }
        if !stack.is_empty() {
            return Err(format!("{} call(s) never ended", stack.len()));
        }
        Ok(tree)
    }

    /// All gas applied in the message, milligas.
    pub fn gas_applied(&self) -> Gas {
        applied(&self.charges)
            + self
                .root
                .as_ref()
                .map_or(Gas::zero(), CallNode::gas_inclusive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(to: u64) -> TraceEvent {
        TraceEvent::Call {
            from: 1,
            to: Address::new_id(to),
            method: 2,
            value: TokenAmount::default(),
            params: Vec::new(),
            params_codec: 0,
            gas_limit: None,
            read_only: false,
        }
    }
    fn charge(name: &str, milligas: i64) -> TraceEvent {
        TraceEvent::Charge(Charge {
            name: name.into(),
            compute: Gas::from_milligas(milligas),
            other: Gas::zero(),
            applied: Gas::from_milligas(milligas),
        })
    }
    fn ret() -> TraceEvent {
        TraceEvent::Return {
            exit_code: ExitCode::OK,
            return_data: Vec::new(),
        }
    }

    #[test]
    fn nests_calls_and_splits_gas() {
        let events = [
            charge("OnChainMessage", 5),
            call(10),
            charge("a", 7),
            call(11),
            charge("b", 3),
            ret(),
            charge("c", 1),
            ret(),
        ];
        let tree = CallTree::build(&events).expect("nests");
        let root = tree.root.as_ref().expect("root");
        assert_eq!(root.gas_exclusive(), Gas::from_milligas(8));
        assert_eq!(root.gas_inclusive(), Gas::from_milligas(11));
        assert_eq!(root.calls[0].to, Address::new_id(11));
        assert_eq!(tree.gas_applied(), Gas::from_milligas(16));
    }

    #[test]
    fn refuses_what_does_not_nest() {
        assert!(CallTree::build(&[call(10)])
            .unwrap_err()
            .contains("never ended"));
        assert!(CallTree::build(&[ret()])
            .unwrap_err()
            .contains("never started"));
        let two = [call(10), ret(), call(11), ret()];
        assert!(CallTree::build(&two)
            .unwrap_err()
            .contains("second top-level"));
    }
}
