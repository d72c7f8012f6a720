//! Runs an nv16–17 scenario on Skyr and on fvm 2.12.2 and compares them message by message.
//! Its nv18–28 twin is [`crate::run_nv18_28`]; why they stay two is in the crate's docs.
use std::rc::Rc;

use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::MemoryBlockstore;
use fvm_shared::error::ExitCode;
use skyr::{ApplyKind, Engine, Executor, Machine, MachineConfig, RealProofs, TestExterns};

use crate::bridge;
use crate::genesis_skyr;
use crate::oracle_fvm2;
use crate::outcome::Outcome;
use crate::scenario_nv16_17::Scenario;

/// Runs `f` on a thread with a 512 MiB stack and returns what it returns: scenarios at the
/// call-depth limit recurse through the reference's native stack (Skyr grows its own), deeper
/// than a default thread allows. A panic in `f` comes back as `Err`.
pub fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)?
        .join()
        .map_err(|_| anyhow!("the run panicked"))
}

/// Engines of both machines, reused across scenarios so each module compiles once.
pub struct Engines {
    pub skyr: Engine,
    pub oracle: fvm::machine::Engine,
}

impl Engines {
    /// Engines for network versions 16 and 17 (the same configuration for both).
    pub fn new() -> Result<Engines> {
        let probe = crate::scenario_nv16_17::Builder::new("probe").build();
        Ok(Engines {
            skyr: crate::skyr_engine()?,
            oracle: oracle_fvm2::engine(&probe)?,
        })
    }
}

/// Runs a scenario on Skyr, flushing after each message.
pub fn run_skyr(
    engine: &Engine,
    s: &Scenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<Vec<Outcome>> {
    Ok(run_skyr_counted(engine, s, store, root)?.0)
}

/// [`run_skyr`], also counting the syscalls each message entered.
pub fn run_skyr_counted(
    engine: &Engine,
    s: &Scenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<(Vec<Outcome>, Vec<u64>)> {
    let mut config = MachineConfig::new(bridge::nv(s.nv), s.epoch, root);
    config.base_fee = bridge::tokens(&s.base_fee);
    config.actor_debugging = s.debug;
    let machine = Machine::new(
        engine,
        config,
        store,
        Rc::new(TestExterns),
        Rc::new(RealProofs),
    )?;
    let mut exec = Executor::new(machine);
    let mut out = Vec::new();
    let mut syscalls = Vec::new();
    for m in &s.messages {
        let kind = if m.implicit {
            ApplyKind::Implicit
        } else {
            ApplyKind::Explicit
        };
        let ret = exec.apply_message(&bridge::message(&m.message)?, kind, m.raw_length)?;
        let root = exec.flush()?;
        out.push(Outcome::of_skyr(&ret, root)?);
        syscalls.push(ret.syscalls);
    }
    Ok((out, syscalls))
}

/// Both machines' outcomes of one scenario.
pub struct Compared {
    pub skyr: Vec<Outcome>,
    pub oracle: Vec<Outcome>,
    /// Syscalls each message entered on Skyr.
    pub skyr_syscalls: Vec<u64>,
}

/// How a scenario came out.
pub enum Verdict {
    /// Both ran every message and agree on every outcome.
    Same(Compared),
    /// Both refused to build the machine or apply a message (e.g. an unacceptable module):
    /// Skyr's reason, then the reference's.
    BothRefused(String, String),
}

/// Runs a scenario on both machines from the same genesis. `Err` names the first
/// difference (or a machine that failed where the other did not).
pub fn compare(engines: &Engines, s: &Scenario) -> Result<Verdict> {
    compare_from(engines, s, || {
        let g = genesis_skyr::build_for(s)?;
        Ok((g.store, g.root))
    })
}

/// Runs a scenario on both machines, each from its own copy of the state `start` builds.
pub fn compare_from(
    engines: &Engines,
    s: &Scenario,
    start: impl Fn() -> Result<(Rc<MemoryBlockstore>, Cid)>,
) -> Result<Verdict> {
    let (store1, root1) = start()?;
    let (store2, root2) = start()?;
    if root1 != root2 {
        return Err(anyhow!("the starting state is not deterministic"));
    }
    let ours = run_skyr_counted(&engines.skyr, s, store1, root1);
    let theirs = oracle_fvm2::run(&engines.oracle, s, store2, root2);
    let ((ours, skyr_syscalls), theirs) = match (ours, theirs) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            let (a, b) = (format!("{a:#}"), format!("{b:#}"));
            return match (refusal_stage(&a), refusal_stage(&b)) {
                (Some(x), Some(y)) if x == y => Ok(Verdict::BothRefused(a, b)),
                (x, y) => Err(anyhow!(
                    "both refused, but not at the same stage: skyr {x:?} ({a}), the reference \
                     {y:?} ({b})"
                )),
            };
        }
        (Err(a), Ok(_)) => return Err(anyhow!("skyr failed where the reference did not: {a:#}")),
        (Ok(_), Err(b)) => return Err(anyhow!("the reference failed where skyr did not: {b:#}")),
    };
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        if let Some(d) = a.first_difference(b) {
            return Err(anyhow!("message {i}: {d}"));
        }
    }
    Ok(Verdict::Same(Compared {
        skyr: ours,
        oracle: theirs,
        skyr_syscalls,
    }))
}

/// Where a machine refused a scenario outright (instead of producing receipts). Two refusals
/// only count as agreement when they happened at the same stage; the reasons' wording differs
/// between the machines, so each is read for what it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalStage {
    /// The network version is not run at all.
    NetworkVersion,
    /// Actor code does not load: invalid, or outside what the reference can instrument.
    Module,
    /// A message is invalid before it runs (no gas limit, a negative one).
    Message,
    /// Fees cannot be settled (a negative amount would move).
    Fees,
    /// State cannot be written or read: a block or CID the flush refuses.
    State,
}

/// The stage a refusal's reason names, or `None` when it names none this harness knows (a
/// refusal that cannot be placed is not counted as agreement).
pub fn refusal_stage(reason: &str) -> Option<RefusalStage> {
    let r = reason.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| r.contains(w));
    if any(&["network version"]) {
        Some(RefusalStage::NetworkVersion)
    } else if any(&[
        "actor wasm",
        "could not prepare actor",
        "segment flags",
        "i/o error",
        "value type",
        "unknown opcode",
        "gas counter",
    ]) {
        Some(RefusalStage::Module)
    } else if any(&["gas limit", "invalid message", "gas exceeds"]) {
        Some(RefusalStage::Message)
    } else if any(&["negative value"]) {
        Some(RefusalStage::Fees)
    } else if any(&["cbor", "cid ", "fill whole buffer", "block"]) {
        Some(RefusalStage::State)
    } else {
        None
    }
}

/// Runs a scenario and checks it came out as intended: both agree, and the machine was
/// refused exactly when the scenario says it should be.
pub fn check(engines: &Engines, s: &Scenario) -> Result<Verdict> {
    judge(s, compare(engines, s)?)
}

/// Whether a verdict is what the scenario intends (see [`check`]).
pub fn judge(s: &Scenario, v: Verdict) -> Result<Verdict> {
    if let (true, Verdict::Same(c)) = (s.reach_syscall, &v) {
        let exit = c.skyr.first().map_or(0, |o| o.exit_code);
        // A module that fails to instantiate (a segment out of bounds) never runs: under
        // fvm 2 that is fatal (exit 10), for both machines alike.
        let never_ran = exit == ExitCode::SYS_ASSERTION_FAILED.value();
        if c.skyr_syscalls.first().copied().unwrap_or(0) == 0 && !never_ran {
            return Err(anyhow!(
                "did not reach: the first message entered no syscall (exit {exit})"
            ));
        }
    }
    if s.either {
        return Ok(v);
    }
    match (&v, s.expect_refusal) {
        (Verdict::Same(_), false) | (Verdict::BothRefused(..), true) => Ok(v),
        (Verdict::Same(_), true) => Err(anyhow!(
            "both machines accepted what the scenario expects refused"
        )),
        (Verdict::BothRefused(why, _), false) => {
            Err(anyhow!("both machines refused the scenario: {why}"))
        }
    }
}
