//! The last step of a send: charge it, move the value, and run the receiver's code.
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::{ActorID, MethodNum, METHOD_SEND};

use super::{CallManager, Frame, InvocationResult};
use crate::engine::Abort;
use crate::error::{syscall_err, ExecError, Result};
use crate::kernel::{Block, BlockRegistry, Kernel, NO_DATA_BLOCK_ID};
use crate::trace::TraceEvent;

/// Native stack an invocation may need: wasmtime's backstop for WASM (4 MiB) plus host frames.
const NATIVE_RED_ZONE: usize = 6 << 20;
/// Size of each extra native stack segment.
const NATIVE_SEGMENT: usize = 32 << 20;

impl CallManager {
    /// Sends to an existing actor ID: charge, transfer, invoke.
    pub(super) fn send_resolved(
        mut self,
        from: ActorID,
        to: ActorID,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
        read_only: bool,
    ) -> (Result<InvocationResult>, Self) {
        let actor = match self.get_actor(to) {
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
        self.gas.record(|| TraceEvent::Receiver {
            id: to,
            code: actor.code,
        });
        let pl = self.machine.rules.prices;
        if let Some(charge) = pl.on_send_before_transfer(value, method) {
            if let Err(e) = self.gas.apply(&charge) {
                return (Err(e), self);
            }
        }
        if !value.is_zero() {
            if let Err(e) = self.transfer(from, to, value) {
                return (Err(e), self);
            }
        }
        if method == METHOD_SEND {
            return (Ok(InvocationResult::Return(None)), self);
        }
        let param_links = params.as_ref().map_or(0, |p| p.links().len());
        if let Some(charge) = pl.on_send_before_invoke(method, param_links) {
            if let Err(e) = self.gas.apply(&charge) {
                return (Err(e), self);
            }
        }
        let rules = self.machine.rules;
        let mut blocks = BlockRegistry::new(rules.block_codecs, rules.tracks_reachability);
        let params_id = match params {
            Some(b) => match blocks.put(b) {
                Ok(id) => id,
                Err(e) => return (Err(e), self),
            },
            None => NO_DATA_BLOCK_ID,
        };
        self.invocations += 1;
        let engine = self.machine.engine.clone();
        if !self.machine.config.require_code && !self.code_at_hand(&engine, &actor.code) {
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
            read_only,
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
        let block = |id: u32| -> Result<Option<Block>> {
            if id == NO_DATA_BLOCK_ID {
                return Ok(None);
            }
            Ok(Some(blocks.get(id)?.clone()))
        };
        let mut result = match outcome {
            Ok(ret) => match block(ret) {
                Ok(v) => Ok(InvocationResult::Return(v)),
                Err(_) => {
                    let code = ExitCode::SYS_MISSING_RETURN;
                    this.push_frame(to, method, code, "returned block does not exist".into());
                    Ok(InvocationResult::Failure(code, None))
                }
            },
            Err(Abort::Exit(code, message, id)) => match block(id) {
                Ok(v) if code.is_success() => Ok(InvocationResult::Return(v)),
                Ok(v) => {
                    this.push_frame(to, method, code, message);
                    Ok(InvocationResult::Failure(code, v))
                }
                Err(e) => {
                    let code = ExitCode::SYS_MISSING_RETURN;
                    this.push_frame(to, method, code, "error getting exit data block".into());
                    Err(crate::error::fatal(format!("{e:?}")))
                }
            },
            Err(Abort::OutOfGas) => {
                let code = ExitCode::SYS_OUT_OF_GAS;
                this.push_frame(to, method, code, "out of gas".into());
                Err(ExecError::OutOfGas)
            }
            Err(Abort::Fatal(e)) => {
                let code = ExitCode::SYS_ASSERTION_FAILED;
                this.push_frame(to, method, code, format!("fatal error: {e:#}"));
                Err(ExecError::Fatal(e))
            }
        };
        // The top-level call pays for storing its return value in the receipt; nested calls,
        // where priced, for the links their return value makes reachable.
        let pl = this.machine.rules.prices;
        let charge = match result.as_ref() {
            // Under fvm 2's rule the send charges the message's return value (`send_traced`).
            Ok(_) if this.depth == 1 && this.machine.rules.return_value_charged_after_call => None,
            Ok(r) => r.value().and_then(|returned| {
                if this.depth == 1 {
                    Some(pl.on_chain_return_value(returned.size() as usize))
                } else {
                    pl.on_nested_return(returned.links().len())
                }
            }),
            Err(_) => None,
        };
        if let Some(Err(e)) = charge.map(|c| this.gas.apply(&c)) {
            result = Err(e);
        }
        (result, this)
    }

    /// Whether the code can run: compiled, or (compiled on first use) in the store.
    fn code_at_hand(&self, engine: &crate::Engine, code: &cid::Cid) -> bool {
        engine.has(code, &self.machine.metering)
            || (self.machine.config.compile == crate::machine::Compile::OnFirstUse
                && fvm_ipld_blockstore::Blockstore::has(self.machine.state.store(), code)
                    .unwrap_or(false))
    }

    fn push_frame(&mut self, actor: ActorID, method: MethodNum, code: ExitCode, message: String) {
        self.backtrace.push(Frame {
            actor,
            method,
            code,
            message,
        });
    }
}
