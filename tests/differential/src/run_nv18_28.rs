//! Runs an nv18–28 scenario on Skyr and on the reference its network rules name (fvm 3.14.2
//! for nv18–20, fvm 4.8.4 for nv21–28) from copies of the same genesis, compares every
//! outcome (receipt, fees, events root, state root) and checks that the scenario reached what
//! it is about.
use std::rc::Rc;

use anyhow::{anyhow, bail, Result};
use cid::Cid;
use fvm_ipld_blockstore::MemoryBlockstore;
use skyr::shared::version::NetworkVersion;
use skyr::{ApplyKind, Engine, Executor, Machine, MachineConfig, TestExterns};
use skyr_test_program::Out;

use crate::genesis_official;
use crate::oracle_fvm3;
use crate::outcome::Outcome;
use crate::proof_log::{Asked, CountingProofs};
use crate::scenario_nv18_28::{OfficialScenario, Reach};

/// Engines of the machines, reused so each module compiles once.
pub struct OfficialEngines {
    pub skyr: Engine,
    pub oracle: fvm3::engine::MultiEngine,
    pub oracle4: fvm4::engine::MultiEngine,
}

impl OfficialEngines {
    /// Fresh engines.
    pub fn new() -> Result<OfficialEngines> {
        Ok(OfficialEngines {
            skyr: crate::skyr_engine()?,
            oracle: fvm3::engine::MultiEngine::new(1),
            oracle4: fvm4::engine::MultiEngine::new(1),
        })
    }
}

/// Runs a scenario on Skyr, flushing after each message; a message at another epoch than
/// the one before it gets a new machine at its epoch, on the state left so far.
pub fn run_skyr(
    engine: &Engine,
    s: &OfficialScenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<Vec<Outcome>> {
    Ok(run_skyr_asked(engine, s, store, root)?.0)
}

/// [`run_skyr`], also giving what each message asked the proof verifier.
pub fn run_skyr_asked(
    engine: &Engine,
    s: &OfficialScenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<(Vec<Outcome>, Vec<Asked>)> {
    let proofs = Rc::new(CountingProofs::default());
    let machine_at = |epoch: i64, root: Cid| -> Result<Executor> {
        let mut config = MachineConfig::new(NetworkVersion::new(s.nv), epoch, root);
        config.base_fee = s.base_fee.clone();
        let machine = Machine::new(
            engine,
            config,
            store.clone(),
            Rc::new(TestExterns),
            proofs.clone(),
        )?;
        Ok(Executor::new(machine))
    };
    let print_failures = std::env::var_os("SKYR_SCENARIO_FAILURES").is_some();
    let mut asked = Vec::new();
    let out = s.apply_by_epoch(root, machine_at, |exec, m| {
        let kind = if m.implicit {
            ApplyKind::Implicit
        } else {
            ApplyKind::Explicit
        };
        proofs.set_answer(s.answer_for(m));
        let before = proofs.asked();
        let ret = exec.apply_message(&m.message, kind, m.raw_length)?;
        if print_failures {
            eprintln!("{} message {}: {:?}", s.name, asked.len(), ret.failure);
        }
        asked.push(proofs.asked() - before);
        let root = exec.flush()?;
        Outcome::of_skyr(&ret, root)
    })?;
    Ok((out, asked))
}

/// The official bundles the scenarios need, read once.
pub struct Bundles {
    cars: std::collections::BTreeMap<&'static str, Vec<u8>>,
}

impl Bundles {
    /// Reads the bundles of nv18–20 from `../shared/bundles`; `None` when they are not there.
    pub fn load() -> Option<Bundles> {
        Bundles::load_for(18..=20)
    }

    /// Reads the bundles of network versions `nvs`; `None` when one is not there.
    pub fn load_for(nvs: std::ops::RangeInclusive<u32>) -> Option<Bundles> {
        let mut cars = std::collections::BTreeMap::new();
        for nv in nvs {
            let folder = genesis_official::bundle_folder(nv)?;
            if !cars.contains_key(folder) {
                cars.insert(
                    folder,
                    std::fs::read(genesis_official::bundle_path(nv)).ok()?,
                );
            }
        }
        Some(Bundles { cars })
    }

    /// The bundle CAR network version `nv` runs (empty when it was not loaded).
    pub fn for_nv(&self, nv: u32) -> &[u8] {
        genesis_official::bundle_folder(nv)
            .and_then(|f| self.cars.get(f))
            .map_or(&[], |v| v.as_slice())
    }
}

/// Runs a scenario on both machines. `Err` names the first difference, a machine that
/// failed where the other did not, or what the scenario failed to reach.
pub fn compare(
    engines: &OfficialEngines,
    bundles: &Bundles,
    s: &OfficialScenario,
) -> Result<Vec<Outcome>> {
    let ours = compare_once(engines, bundles, s)?;
    let Some(i) = s.edge else {
        return Ok(ours);
    };
    // The gas edge: exactly the gas used succeeds again, one gas less runs out.
    let used = match ours.get(i) {
        Some(o) if o.exit_code == 0 => u64::try_from(o.gas_used)?,
        other => bail!("the edge message {i} must succeed first: {other:?}"),
    };
    for (limit, exit) in [(used, 0u32), (used - 1, 7)] {
        let mut t = s.clone();
        t.edge = None;
        t.name = format!("{} (gas limit {limit})", s.name);
        t.reach = vec![Reach::Exit(i, exit)];
        let m = &mut t.messages[i];
        m.message.gas_limit = limit;
        let len = |m: &skyr::shared::message::Message| {
            fvm_ipld_encoding::to_vec(m).map(|b| b.len()).unwrap_or(0)
        };
        let before = len(&s.messages[i].message);
        m.raw_length = (m.raw_length + len(&m.message)).saturating_sub(before);
        let edge = compare_once(engines, bundles, &t)?;
        if exit == 0 && edge.get(i).map(|o| o.gas_used) != Some(used as i64) {
            bail!("at the gas edge, message {i} used other gas than {used}");
        }
    }
    Ok(ours)
}

/// Runs a scenario on both machines once (see [`compare`]).
fn compare_once(
    engines: &OfficialEngines,
    bundles: &Bundles,
    s: &OfficialScenario,
) -> Result<Vec<Outcome>> {
    let car = bundles.for_nv(s.nv);
    let g1 = genesis_official::build_for(s, car)?;
    let g2 = genesis_official::build_for(s, car)?;
    if g1.root != g2.root {
        bail!("the starting state is not deterministic");
    }
    let ours = run_skyr_asked(&engines.skyr, s, g1.store, g1.root);
    let theirs = run_reference(engines, s, g2.store, g2.root);
    let ((ours, asked), theirs) = match (ours, theirs) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => {
            let (a, b) = (format!("{a:#}"), format!("{b:#}"));
            let (x, y) = (
                crate::run_nv16_17::refusal_stage(&a),
                crate::run_nv16_17::refusal_stage(&b),
            );
            if (s.expect_refusal || s.either) && x.is_some() && x == y {
                return Ok(Vec::new());
            }
            bail!("both machines refused (stages {x:?}, {y:?}): skyr {a}; the reference {b}")
        }
        (Err(a), Ok(_)) => bail!("skyr failed where the reference did not: {a:#}"),
        (Ok(_), Err(b)) => bail!("the reference failed where skyr did not: {b:#}"),
    };
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        if let Some(d) = a.first_difference(b) {
            bail!("message {i}: {d}");
        }
    }
    if s.expect_refusal && !s.either {
        bail!("both machines ran a scenario they should have refused");
    }
    for r in &s.reach {
        check_reach(r, &ours, &asked)?;
    }
    Ok(ours)
}

/// Runs a scenario on the reference the network version's rules were checked against.
pub fn run_reference(
    engines: &OfficialEngines,
    s: &OfficialScenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
) -> Result<Vec<Outcome>> {
    run_reference_with(
        engines,
        s,
        store,
        root,
        oracle_fvm3::ScenarioExterns::default(),
    )
}

/// [`run_reference`] with these externs (whose randomness log a vector records).
pub fn run_reference_with(
    engines: &OfficialEngines,
    s: &OfficialScenario,
    store: Rc<MemoryBlockstore>,
    root: Cid,
    externs: oracle_fvm3::ScenarioExterns,
) -> Result<Vec<Outcome>> {
    let rules =
        skyr::rules::rules_for_number(s.nv).ok_or_else(|| anyhow!("nv{} has no rules", s.nv))?;
    match rules.reference {
        "fvm 3.14.2" => oracle_fvm3::run_scenario_with(&engines.oracle, s, store, root, externs),
        "fvm 4.8.4" => {
            crate::oracle_fvm4::run_scenario_with(&engines.oracle4, s, store, root, externs)
        }
        other => bail!("no oracle for {other} here"),
    }
}

/// The outputs of the test program message `i` ran (its return bytes).
fn outputs(outcomes: &[Outcome], i: usize) -> Result<Vec<Out>> {
    let o = outcomes.get(i).ok_or_else(|| anyhow!("no message {i}"))?;
    fvm_ipld_encoding::from_slice(&o.return_data).map_err(|e| {
        anyhow!(
            "message {i} did not return program outputs ({e}); exit {}",
            o.exit_code
        )
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn check_reach(r: &Reach, outcomes: &[Outcome], asked: &[Asked]) -> Result<()> {
    let get = |i: usize| outcomes.get(i).ok_or_else(|| anyhow!("no message {i}"));
    match r {
        Reach::Exit(i, code) => {
            let got = get(*i)?.exit_code;
            if got != *code {
                bail!("did not reach: message {i} exits {got}, expected {code}");
            }
        }
        Reach::Out(i, j, want) => {
            let outs = outputs(outcomes, *i)?;
            match outs.get(*j) {
                Some(got) if got == want => {}
                got => bail!("did not reach: message {i} output {j} is {got:?}, expected {want:?}"),
            }
        }
        Reach::SentExit(i, j, code) => {
            let outs = outputs(outcomes, *i)?;
            match outs.get(*j) {
                Some(Out::Sent(c, _)) if c == code => {}
                got => bail!("did not reach: message {i} output {j} is {got:?}, expected a send exiting {code}"),
            }
        }
        Reach::Events(i) => {
            if get(*i)?.events_root.is_none() {
                bail!("did not reach: message {i} has no events root");
            }
        }
        Reach::Completed(i, n) => {
            let outs = outputs(outcomes, *i)?;
            if outs.len() != *n {
                bail!("did not reach: message {i} ran {} of {n} ops", outs.len());
            }
        }
        Reach::SameGas(i, k) => {
            let (a, b) = (get(*i)?.gas_used, get(*k)?.gas_used);
            if a != b {
                bail!("did not reach: message {i} used {a} gas, message {k} {b}");
            }
        }
        Reach::Returns(i, want) => {
            let got = &get(*i)?.return_data;
            if got != want {
                bail!(
                    "did not reach: message {i} returned {}, expected {}",
                    hex(got),
                    hex(want)
                );
            }
        }
        Reach::ReturnDiffers(i, k) => {
            let (a, b) = (&get(*i)?.return_data, &get(*k)?.return_data);
            if a == b {
                bail!(
                    "did not reach: messages {i} and {k} both returned {}",
                    hex(a)
                );
            }
        }
        Reach::Asked(i, want) => {
            let got = asked.get(*i).ok_or_else(|| anyhow!("no message {i}"))?;
            if got != want {
                bail!("did not reach: message {i} asked the verifier {got:?}, expected {want:?}");
            }
        }
        Reach::MoreGas(i, k) => {
            let (a, b) = (get(*i)?.gas_used, get(*k)?.gas_used);
            if a <= b {
                bail!("did not reach: message {i} used {a} gas, not more than message {k} ({b})");
            }
        }
    }
    Ok(())
}
