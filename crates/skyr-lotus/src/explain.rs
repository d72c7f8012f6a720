//! A message on chain executed again where the chain executed it, from a node's data alone.
//!
//! The node says which tipset's receipts hold the message's; its parent is the tipset that
//! included it. Skyr executes that tipset again ([`crate::execute`]) up to the message, which
//! runs traced, and compares its receipt with the one the chain recorded.
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_shared::receipt::Receipt;
use skyr_vectors::exec::ExecOutcome;
use skyr_vectors::runner::{actor_names_of, trace_of};

use crate::chain::{receipts, search_message, tipset};
use crate::execute::{Step, TipsetRun, Tools};
use crate::source::NodeSource;

/// A message executed again, beside what the chain recorded.
pub struct ChainExec {
    /// The run: message, receipt, fees, trace, state after.
    pub outcome: ExecOutcome,
    /// The receipt the chain recorded for it.
    pub recorded: Receipt,
    /// The message the chain executed (another than the one asked for when that was replaced).
    pub executed: Cid,
    /// The tipset that included it.
    pub tipset: Vec<Cid>,
    /// Its messages applied before this one.
    pub before: usize,
    /// Null rounds between its parent and it (cron ran for each).
    pub null_rounds: i64,
}

impl ChainExec {
    /// Whether the receipts agree: exit code, return, gas used and events root.
    pub fn matches(&self) -> bool {
        self.outcome.ret.receipt == self.recorded
    }
}

/// Executes message `cid` again where the chain executed it, with the actors' code from
/// `bundles` when they hold the state's bundle (else from the node), proofs answered by
/// `verifier`.
pub fn explain_message(source: &Rc<NodeSource>, cid: &Cid, tools: &Tools) -> Result<ChainExec> {
    let lookup = search_message(source, cid)?;
    let executed_in = tipset(source, &lookup.executed_in)?;
    if executed_in.height != lookup.height {
        bail!(
            "the node says message {cid} executed at height {}, but its tipset is at {}",
            lookup.height,
            executed_in.height
        );
    }
    let including = tipset(source, executed_in.parents())?;
    let mut run = TipsetRun::prepare(source, tools, including)?;
    let mut exec = run.start()?;
    let mut found = None;
    run.apply(&mut exec, |exec, index, placed, mut ret| {
        if ![placed.cid, placed.vm_cid]
            .iter()
            .any(|c| *c == *cid || *c == lookup.message)
        {
            return Ok(Step::Continue);
        }
        let recorded = receipts(source, &executed_in.headers[0].parent_message_receipts)?
            .get(index)
            .cloned()
            .ok_or_else(|| {
                anyhow!("the chain recorded fewer receipts than messages applied ({index})")
            })?;
        let msg = placed.message.message().clone();
        let names = actor_names_of(exec.machine()?);
        let trace = trace_of(&names, "chain", index, &msg, &mut ret)?;
        let state_root = exec.flush().context("the state after the message")?;
        found = Some((msg, ret, state_root, trace, recorded, placed.cid, index));
        Ok(Step::Stop)
    })?;
    let Some((message, ret, state_root, trace, recorded, executed, before)) = found else {
        bail!(
            "message {cid} is not among the messages tipset {:?} (height {}) applies, though \
             the node says its receipt follows it",
            run.tipset.key,
            run.tipset.height
        );
    };
    Ok(ChainExec {
        outcome: ExecOutcome {
            message,
            network_version: run.nv,
            epoch: run.tipset.height,
            ret,
            state_root,
            trace,
        },
        recorded,
        executed,
        tipset: run.tipset.key.clone(),
        before,
        null_rounds: run.null_rounds(),
    })
}
