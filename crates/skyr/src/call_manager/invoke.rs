//! The last step of a send: charge it, move the value, and run the receiver's code.
use fvm_shared::econ::TokenAmount;
use fvm_shared::error::{ErrorNumber, ExitCode};
use fvm_shared::{ActorID, MethodNum, METHOD_SEND};

use super::{CallManager, Frame, InvocationResult};
use crate::engine::Abort;
use crate::error::{catch_panic, syscall_err, ExecError, Result};
use crate::kernel::{Block, BlockRegistry, Kernel, NO_DATA_BLOCK_ID};
use crate::trace::TraceEvent;

/// Native stack an invocation may need: wasmtime's backstop for WASM (4 MiB) plus host frames.
const NATIVE_RED_ZONE: usize = 6 << 20;
/// Size of each extra native stack segment.
const NATIVE_SEGMENT: usize = 32 << 20;

/// What a send to an actor that runs code needs once it has been charged and the value moved.
struct Invocation {
    code: cid::Cid,
    blocks: BlockRegistry,
    params_id: u32,
}

impl CallManager {
    /// Sends to an existing actor ID: charge, transfer, invoke. The steps before and after the
    /// invocation run under [`catch_panic`] (see [`send_traced`](Self::send_traced)).
    pub(super) fn send_resolved(
        mut self,
        from: ActorID,
        to: ActorID,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
        read_only: bool,
    ) -> (Result<InvocationResult>, Self) {
        let prepared = catch_panic("preparing an invocation", || {
            self.prepare(from, to, method, params, value)
        });
        let Invocation {
            code,
            blocks,
            params_id,
        } = match prepared {
            Ok(Some(invocation)) => invocation,
            Ok(None) => return (Ok(InvocationResult::Return(None)), self),
            Err(e) => return (Err(e), self),
        };
        let engine = self.machine.engine.clone();
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
            engine.invoke(kernel, &code, params_id)
        });
        let Kernel {
            cm: mut this,
            blocks,
            ..
        } = kernel;
        let result = catch_panic("finishing an invocation", || {
            this.finish(to, method, outcome, &blocks)
        });
        (result, this)
    }

    /// Finds the receiver, charges the send and moves the value. `None`: a plain value send,
    /// done; otherwise what invoking the receiver's code needs.
    fn prepare(
        &mut self,
        from: ActorID,
        to: ActorID,
        method: MethodNum,
        params: Option<Block>,
        value: &TokenAmount,
    ) -> Result<Option<Invocation>> {
        let actor = self.get_actor(to)?.ok_or_else(|| {
            syscall_err(ErrorNumber::NotFound, format!("actor does not exist: {to}"))
        })?;
        self.gas.record(|| TraceEvent::Receiver {
            id: to,
            code: actor.code,
        });
        let pl = self.machine.rules.prices;
        if let Some(charge) = pl.on_send_before_transfer(value, method) {
            self.gas.apply(&charge)?;
        }
        if !value.is_zero() {
            self.transfer(from, to, value)?;
        }
        if method == METHOD_SEND {
            return Ok(None);
        }
        let param_links = params.as_ref().map_or(0, |p| p.links().len());
        if let Some(charge) = pl.on_send_before_invoke(method, param_links) {
            self.gas.apply(&charge)?;
        }
        let rules = self.machine.rules;
        let mut blocks = BlockRegistry::new(rules.block_codecs, rules.tracks_reachability);
        let params_id = match params {
            Some(b) => blocks.put(b)?,
            None => NO_DATA_BLOCK_ID,
        };
        self.invocations += 1;
        if !self.machine.config.require_code && !self.code_at_hand(&actor.code) {
            // Running without the bundle's code: the invocation fails fatally; say which code
            // was lacking. (With all code required, no lookup is spent on the hot path.)
            self.machine.missing_code.push(actor.code);
        }
        Ok(Some(Invocation {
            code: actor.code,
            blocks,
            params_id,
        }))
    }

    /// Turns how the receiver's code ended into the send's result, and charges for its
    /// return value: the top-level call for storing it in the receipt; nested calls, where
    /// priced, for the links it makes reachable.
    fn finish(
        &mut self,
        to: ActorID,
        method: MethodNum,
        outcome: std::result::Result<u32, Abort>,
        blocks: &BlockRegistry,
    ) -> Result<InvocationResult> {
        let block = |id: u32| -> Result<Option<Block>> {
            if id == NO_DATA_BLOCK_ID {
                return Ok(None);
            }
            Ok(Some(blocks.get(id)?.clone()))
        };
        let result = match outcome {
            Ok(ret) => match block(ret) {
                Ok(v) => Ok(InvocationResult::Return(v)),
                Err(_) => {
                    let code = ExitCode::SYS_MISSING_RETURN;
                    self.push_frame(to, method, code, "returned block does not exist".into());
                    Ok(InvocationResult::Failure(code, None))
                }
            },
            Err(Abort::Exit(code, message, id)) => match block(id) {
                Ok(v) if code.is_success() => Ok(InvocationResult::Return(v)),
                Ok(v) => {
                    self.push_frame(to, method, code, message);
                    Ok(InvocationResult::Failure(code, v))
                }
                Err(e) => {
                    let code = ExitCode::SYS_MISSING_RETURN;
                    self.push_frame(to, method, code, "error getting exit data block".into());
                    Err(crate::error::fatal(format!("{e:?}")))
                }
            },
            Err(Abort::OutOfGas) => {
                let code = ExitCode::SYS_OUT_OF_GAS;
                self.push_frame(to, method, code, "out of gas".into());
                Err(ExecError::OutOfGas)
            }
            Err(Abort::Fatal(e)) => {
                let code = ExitCode::SYS_ASSERTION_FAILED;
                self.push_frame(to, method, code, format!("fatal error: {e:#}"));
                Err(ExecError::Fatal(e))
            }
        }?;
        let pl = self.machine.rules.prices;
        let charge = if self.depth == 1 && self.machine.rules.return_value_charged_after_call {
            // Under fvm 2's rule the send charges the message's return value (`send_traced`).
            None
        } else {
            result.value().and_then(|returned| {
                if self.depth == 1 {
                    Some(pl.on_chain_return_value(returned.size() as usize))
                } else {
                    pl.on_nested_return(returned.links().len())
                }
            })
        };
        if let Some(c) = charge {
            self.gas.apply(&c)?;
        }
        Ok(result)
    }

    /// Whether the code can run: compiled, or (compiled on first use) in the store.
    fn code_at_hand(&self, code: &cid::Cid) -> bool {
        self.machine.engine.has(code, &self.machine.metering)
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
