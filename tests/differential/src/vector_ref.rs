//! Conformance vectors on the reference of their network version (fvm 2.12.2 for nv16–17,
//! 3.14.2 for nv18–20, 4.8.4 for nv21–28), timed as Skyr's vector runner times itself: setup
//! (reading the vector, building the store and the machine, compiling code on first use)
//! apart from execution (applying the messages and flushing). The benchmarks compare the two.
//!
//! Both machines read the bundle through the same [`Overlay`] and replay the same recorded
//! randomness. fvm 2 and fvm 3 answer proof checks "valid" after charging them, as Skyr's
//! runner and the reference's conformance runner do ([`crate::oracle_fvm2_kernel`],
//! [`crate::oracle_fvm3_kernel`]); fvm 4 verifies for real, so a vector whose messages verify
//! proofs may not reproduce there (the outcome says whether it did).
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use skyr_vectors::bundles::Overlay;
use skyr_vectors::externs::ReplayExterns;
use skyr_vectors::runner::{chain_length, decode_car, manifest_of, DEFAULT_BASE_FEE};
use skyr_vectors::schema::b64;
use skyr_vectors::{BundleSet, Vector};

/// What the reference made of a vector, and how long it took.
#[derive(Debug, Clone)]
pub struct RefRun {
    /// (exit code, return bytes, gas used) per message.
    pub receipts: Vec<(u32, Vec<u8>, u64)>,
    /// The root after the last message.
    pub root: Cid,
    /// Whether every receipt and the root equal the vector's.
    pub reproduced: bool,
    /// With [`run_traced`]: per message, the reference's execution trace as
    /// [`trace_tokens`] writes Skyr's (sends, charges, returns, in order); empty otherwise.
    pub traces: Vec<Vec<String>>,
    /// The first difference from the vector, when not reproduced.
    pub difference: Option<String>,
    /// Reading the vector and building the machine.
    pub setup: Duration,
    /// Applying the messages and flushing.
    pub exec: Duration,
}

/// The engines of the three references, made once per process (compiled code is cached in
/// them, as Skyr's engine caches it).
#[derive(Default)]
pub struct RefEngines {
    fvm2: BTreeMap<u32, fvm::machine::Engine>,
    fvm3: Option<fvm3::engine::MultiEngine>,
    fvm4: Option<fvm4::engine::MultiEngine>,
}

/// A vector's inputs, read once.
struct Inputs {
    pre: Cid,
    post: Cid,
    nv: u32,
    epoch: i64,
    base_fee: u128,
    circ: Option<u128>,
    randomness: ReplayExterns,
    /// (message bytes, length on chain, epoch offset).
    messages: Vec<(Vec<u8>, usize, i64)>,
    expected: Vec<(u32, Vec<u8>, u64)>,
    /// Whether the machines record execution traces.
    trace: bool,
}

fn inputs(v: &Vector, bundles: &BundleSet) -> Result<Option<(Inputs, Overlay)>> {
    let [variant] = v.preconditions.variants.as_slice() else {
        bail!("one variant expected");
    };
    let pre: Cid = v
        .preconditions
        .state_tree
        .root_cid
        .parse("preconditions.state_tree.root_cid")?;
    let post: Cid = v
        .postconditions
        .state_tree
        .root_cid
        .parse("postconditions.state_tree.root_cid")?;
    let own = MemoryBlockstore::new();
    for (k, data) in decode_car(v)? {
        own.put_keyed(&k, &data)?;
    }
    let manifest = manifest_of(&own, &pre)?;
    let layers = bundles.layers(&manifest, &own)?;
    if layers.is_empty() {
        return Ok(None);
    }
    let store = Overlay::new(own, layers);
    let mut messages = Vec::new();
    for (i, m) in v.apply_messages.iter().enumerate() {
        let bytes = b64(&m.bytes, &format!("apply_messages[{i}].bytes"))?;
        let msg: skyr::shared::message::Message = fvm_ipld_encoding::from_slice(&bytes)
            .with_context(|| format!("apply_messages[{i}]: not a message"))?;
        let len = chain_length(&msg, bytes.len());
        messages.push((bytes, len, m.epoch_offset.unwrap_or(0)));
    }
    let mut expected = Vec::new();
    for (i, r) in v.postconditions.receipts.iter().enumerate() {
        let ret = b64(&r.ret, &format!("postconditions.receipts[{i}].return"))?;
        expected.push((r.exit_code, ret, u64::try_from(r.gas_used)?));
    }
    Ok(Some((
        Inputs {
            pre,
            post,
            nv: variant.nv,
            epoch: variant.epoch,
            base_fee: v.basefee()?.unwrap_or(u128::from(DEFAULT_BASE_FEE)),
            circ: v.circ_supply()?,
            randomness: ReplayExterns::new(&v.randomness)?,
            messages,
            expected,
            trace: false,
        },
        store,
    )))
}

/// Runs the vector in `text` on its network version's reference; `Ok(None)` when `bundles`
/// lacks the code its state names.
pub fn run(engines: &mut RefEngines, text: &str, bundles: &BundleSet) -> Result<Option<RefRun>> {
    run_with(engines, text, bundles, false)
}

/// [`run`] with the reference's execution traces recorded ([`RefRun::traces`]).
pub fn run_traced(
    engines: &mut RefEngines,
    text: &str,
    bundles: &BundleSet,
) -> Result<Option<RefRun>> {
    run_with(engines, text, bundles, true)
}

fn run_with(
    engines: &mut RefEngines,
    text: &str,
    bundles: &BundleSet,
    trace: bool,
) -> Result<Option<RefRun>> {
    let started = Instant::now();
    let v = Vector::from_json(text)?;
    let Some((mut i, store)) = inputs(&v, bundles)? else {
        return Ok(None);
    };
    i.trace = trace;
    let store = Rc::new(store);
    let mut run = match i.nv {
        16..=17 => fvm2_run(engines, &i, store, started)?,
        18..=20 => fvm3_run(engines, &i, store, started)?,
        21..=28 => fvm4_run(engines, &i, store, started)?,
        nv => bail!("network version {nv} has no reference here"),
    };
    run.difference = difference(&run, &i);
    run.reproduced = run.difference.is_none();
    Ok(Some(run))
}

/// Applies the messages, with a new machine (from `start`) whenever the epoch moves; the
/// setup clock stops when the first machine is ready.
fn replay<E>(
    i: &Inputs,
    started: Instant,
    mut start: impl FnMut(i64, Cid) -> Result<E>,
    mut apply: impl FnMut(&mut E, &[u8], usize) -> Result<((u32, Vec<u8>, u64), Vec<String>)>,
    mut flush: impl FnMut(&mut E) -> Result<Cid>,
) -> Result<RefRun> {
    let mut epoch = i.epoch;
    let mut exec = start(epoch, i.pre)?;
    let setup = started.elapsed();
    let ran = Instant::now();
    let mut receipts = Vec::new();
    let mut traces = Vec::new();
    for (bytes, len, offset) in &i.messages {
        if *offset != 0 {
            epoch = epoch.saturating_add(*offset);
            let root = flush(&mut exec)?;
            exec = start(epoch, root)?;
        }
        let (receipt, trace) = apply(&mut exec, bytes, *len)?;
        receipts.push(receipt);
        if i.trace {
            traces.push(trace);
        }
    }
    let root = flush(&mut exec)?;
    Ok(RefRun {
        receipts,
        root,
        reproduced: false,
        traces,
        difference: None,
        setup,
        exec: ran.elapsed(),
    })
}

/// The vector's randomness, in each reference's externs.
struct Externs(ReplayExterns);

/// The externs traits of one reference crate (`$fvm`), whose consensus-fault type is
/// `$fault`: the vector's randomness, no faults, and (with `chain`) no tipset CIDs.
macro_rules! replay_externs {
    ($fvm:ident, $fault:ty $(, $chain:ident)?) => {
        impl $fvm::externs::Rand for Externs {
            fn get_chain_randomness(&self, round: i64) -> Result<[u8; 32]> {
                skyr::Externs::chain_randomness(&self.0, round)
            }
            fn get_beacon_randomness(&self, round: i64) -> Result<[u8; 32]> {
                skyr::Externs::beacon_randomness(&self.0, round)
            }
        }
        impl $fvm::externs::Consensus for Externs {
            fn verify_consensus_fault(
                &self,
                _: &[u8],
                _: &[u8],
                _: &[u8],
            ) -> Result<(Option<$fault>, i64)> {
                Ok((None, 0))
            }
        }
        $(
            impl $fvm::externs::$chain for Externs {
                fn get_tipset_cid(&self, epoch: i64) -> Result<Cid> {
                    bail!("the vector records no tipset CID (epoch {epoch})")
                }
            }
        )?
        impl $fvm::externs::Externs for Externs {}
    };
}

replay_externs!(fvm, fvm_shared::consensus::ConsensusFault);
replay_externs!(fvm3, fvm_shared3::consensus::ConsensusFault, Chain);
replay_externs!(fvm4, skyr::shared::consensus::ConsensusFault, Chain);

/// Vectors' proofs were checked when they were made: fvm 4 accepts them after charging, as
/// Skyr's runner does (fvm 2 and 3 get the same from their own kernels).
impl crate::oracle_fvm4_kernel::ProofVerdicts for Externs {
    fn answer(&self) -> crate::proof_log::Answer {
        crate::proof_log::Answer::Valid
    }
}

fn fvm2_run(
    engines: &mut RefEngines,
    i: &Inputs,
    store: Rc<Overlay>,
    started: Instant,
) -> Result<RefRun> {
    use fvm::executor::{ApplyKind, DefaultExecutor, Executor};
    use fvm::machine::{DefaultMachine, NetworkConfig};
    type Exec = DefaultExecutor<
        crate::oracle_fvm2_kernel::AcceptProofs2<fvm::call_manager::DefaultCallManager<Machine>>,
    >;
    type Machine = DefaultMachine<Rc<Overlay>, Externs>;
    let nv = fvm_shared::version::NetworkVersion::try_from(i.nv)
        .map_err(|_| anyhow!("fvm 2 knows no network version {}", i.nv))?;
    let nc = NetworkConfig::new(nv);
    let engine = match engines.fvm2.entry(i.nv) {
        std::collections::btree_map::Entry::Occupied(e) => e.get().clone(),
        std::collections::btree_map::Entry::Vacant(v) => v
            .insert(fvm::machine::Engine::new_default((&nc).into())?)
            .clone(),
    };
    let tokens = |a: u128| fvm_shared::econ::TokenAmount::from_atto(a);
    replay(
        i,
        started,
        |epoch, root| {
            let mut ctx = nc.for_epoch(epoch, root);
            if i.trace {
                ctx.enable_tracing();
            }
            ctx.set_base_fee(tokens(i.base_fee));
            if let Some(c) = i.circ {
                ctx.set_circulating_supply(tokens(c));
            }
            let externs = Externs(i.randomness.clone());
            Ok(Exec::new(Machine::new(
                &engine,
                &ctx,
                store.clone(),
                externs,
            )?))
        },
        |exec, bytes, len| {
            let msg: fvm_shared::message::Message = fvm_ipld_encoding::from_slice(bytes)?;
            let ret = exec.execute_message(msg, ApplyKind::Explicit, len)?;
            let r = ret.msg_receipt;
            Ok((
                (
                    r.exit_code.value(),
                    r.return_data.to_vec(),
                    gas(r.gas_used)?,
                ),
                fvm2_tokens(&ret.exec_trace),
            ))
        },
        |exec| exec.flush(),
    )
}

fn fvm3_run(
    engines: &mut RefEngines,
    i: &Inputs,
    store: Rc<Overlay>,
    started: Instant,
) -> Result<RefRun> {
    use fvm3::executor::{ApplyKind, DefaultExecutor, Executor};
    use fvm3::machine::{DefaultMachine, NetworkConfig};
    type Machine = DefaultMachine<Rc<Overlay>, Externs>;
    type Exec = DefaultExecutor<
        crate::oracle_fvm3_kernel::AcceptProofs<fvm3::call_manager::DefaultCallManager<Machine>>,
    >;
    let engines = engines.fvm3.get_or_insert_with(Default::default);
    let nc = NetworkConfig::new(fvm_shared3::version::NetworkVersion::from(i.nv));
    let tokens = |a: u128| fvm_shared3::econ::TokenAmount::from_atto(a);
    replay(
        i,
        started,
        |epoch, root| {
            let mut ctx = nc.for_epoch(epoch, 0, root);
            if i.trace {
                ctx.enable_tracing();
            }
            ctx.set_base_fee(tokens(i.base_fee));
            if let Some(c) = i.circ {
                ctx.set_circulating_supply(tokens(c));
            }
            let machine = Machine::new(&ctx, store.clone(), Externs(i.randomness.clone()))?;
            Exec::new(engines.get(&nc)?, machine)
        },
        |exec, bytes, len| {
            let msg: fvm_shared3::message::Message = fvm_ipld_encoding::from_slice(bytes)?;
            let ret = exec.execute_message(msg, ApplyKind::Explicit, len)?;
            let r = ret.msg_receipt;
            Ok((
                (r.exit_code.value(), r.return_data.to_vec(), r.gas_used),
                fvm3_tokens(&ret.exec_trace),
            ))
        },
        |exec| exec.flush(),
    )
}

fn fvm4_run(
    engines: &mut RefEngines,
    i: &Inputs,
    store: Rc<Overlay>,
    started: Instant,
) -> Result<RefRun> {
    use fvm4::executor::{ApplyKind, DefaultExecutor, Executor};
    use fvm4::machine::{DefaultMachine, NetworkConfig};
    type Machine = DefaultMachine<Rc<Overlay>, Externs>;
    type Exec = DefaultExecutor<
        crate::oracle_fvm4_kernel::AnsweringKernel<fvm4::call_manager::DefaultCallManager<Machine>>,
    >;
    let engines = engines.fvm4.get_or_insert_with(Default::default);
    let nv = skyr::shared::version::NetworkVersion::from(i.nv);
    let nc = NetworkConfig::new(nv);
    let tokens = skyr::shared::econ::TokenAmount::from_atto;
    replay(
        i,
        started,
        |epoch, root| {
            let mut ctx = nc.for_epoch(epoch, 0, root);
            if i.trace {
                ctx.enable_tracing();
            }
            ctx.set_base_fee(tokens(i.base_fee));
            // fvm 4's default circulating supply is zero; Skyr's runner (and fvm 3) take the
            // total supply when the vector names none.
            let circ = match i.circ {
                Some(c) => tokens(c),
                None => skyr::MachineConfig::new(nv, epoch, root).circ_supply,
            };
            ctx.set_circulating_supply(circ);
            let machine = Machine::new(&ctx, store.clone(), Externs(i.randomness.clone()))?;
            Exec::new(engines.get(&nc)?, machine)
        },
        |exec, bytes, len| {
            let msg: skyr::shared::message::Message = fvm_ipld_encoding::from_slice(bytes)?;
            let ret = exec.execute_message(msg, ApplyKind::Explicit, len)?;
            let r = ret.msg_receipt;
            Ok((
                (r.exit_code.value(), r.return_data.to_vec(), r.gas_used),
                fvm4_tokens(&ret.exec_trace),
            ))
        },
        |exec| exec.flush(),
    )
}

/// Skyr's trace of a message as the tokens the references' traces are compared in: each
/// send (`call FROM TO METHOD VALUE`), each charge (`NAME COMPUTE OTHER`, milligas, as
/// priced: a charge that ran out of gas keeps its price), each return (`return EXIT`) and
/// each failed send (`error`), in order. Skyr's own reconciling entries, which the
/// references do not record, are left out.
pub fn trace_tokens(events: &[skyr::trace::TraceEvent]) -> Vec<String> {
    use skyr::trace::{TraceEvent, FATAL_REST_OF_LIMIT, FORGOTTEN_OUTSIDE_LIMIT};
    events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Call {
                from,
                to,
                method,
                value,
                ..
            } => Some(call_token(*from, to, *method, &value.atto().to_string())),
            TraceEvent::Charge(c) if c.name == FATAL_REST_OF_LIMIT => None,
            TraceEvent::Charge(c) if c.name == FORGOTTEN_OUTSIDE_LIMIT => None,
            TraceEvent::Charge(c) => Some(charge_token(
                &c.name,
                i128::from(c.compute.as_milligas()),
                i128::from(c.other.as_milligas()),
            )),
            TraceEvent::Return { exit_code, .. } => Some(format!("return {}", exit_code.value())),
            TraceEvent::Error { .. } => Some("error".into()),
            TraceEvent::Receiver { .. } | TraceEvent::Event { .. } => None,
        })
        .collect()
}

fn call_token(from: u64, to: &impl std::fmt::Display, method: u64, value: &str) -> String {
    format!("call {from} {to} {method} {value}")
}

/// A charge's token. Amounts past i64::MAX milligas (a price that saturated) are written
/// as i64::MAX: fvm 3 and 4 saturate at u64::MAX, Skyr at i64::MAX, and either is more gas
/// than any message has.
fn charge_token(name: &str, compute: i128, other: i128) -> String {
    let cap = |g: i128| g.min(i128::from(i64::MAX));
    format!("{name} {} {}", cap(compute), cap(other))
}

fn fvm2_tokens(trace: &[fvm::trace::ExecutionEvent]) -> Vec<String> {
    use fvm::trace::ExecutionEvent as E;
    trace
        .iter()
        .filter_map(|e| match e {
            E::GasCharge(c) => Some(charge_token(
                &c.name,
                i128::from(c.compute_gas.as_milligas()),
                i128::from(c.storage_gas.as_milligas()),
            )),
            E::Call {
                from,
                to,
                method,
                value,
                ..
            } => Some(call_token(*from, to, *method, &value.atto().to_string())),
            E::CallReturn(_) => Some("return 0".into()),
            E::CallAbort(code) => Some(format!("return {}", code.value())),
            // fvm 2 records running out of gas as an error; Skyr, as fvm 3 and 4, as exit 7.
            E::CallError(e) if e.0 == "out of gas" => Some("return 7".into()),
            E::CallError(_) => Some("error".into()),
            _ => None,
        })
        .collect()
}

/// The tokens of fvm 3's and fvm 4's traces, whose events differ only in what Skyr does
/// not compare.
macro_rules! fvm34_tokens {
    ($name:ident, $fvm:ident) => {
        fn $name(trace: &[$fvm::trace::ExecutionEvent]) -> Vec<String> {
            use $fvm::trace::ExecutionEvent as E;
            trace
                .iter()
                .filter_map(|e| match e {
                    E::GasCharge(c) => Some(charge_token(
                        &c.name,
                        i128::from(c.compute_gas.as_milligas()),
                        i128::from(c.other_gas.as_milligas()),
                    )),
                    E::Call {
                        from,
                        to,
                        method,
                        value,
                        ..
                    } => Some(call_token(*from, to, *method, &value.atto().to_string())),
                    E::CallReturn(code, _) => Some(format!("return {}", code.value())),
                    E::CallError(_) => Some("error".into()),
                    _ => None,
                })
                .collect()
        }
    };
}

fvm34_tokens!(fvm3_tokens, fvm3);
fvm34_tokens!(fvm4_tokens, fvm4);

/// The first way the run differs from the vector.
fn difference(run: &RefRun, i: &Inputs) -> Option<String> {
    for (n, (got, want)) in run.receipts.iter().zip(&i.expected).enumerate() {
        if got != want {
            return Some(format!(
                "receipt {n}: exit {} gas {} (the vector: exit {} gas {}){}",
                got.0,
                got.2,
                want.0,
                want.2,
                if got.1 == want.1 {
                    ""
                } else {
                    ", return differs"
                }
            ));
        }
    }
    if run.receipts.len() != i.expected.len() {
        return Some(format!(
            "{} receipts, the vector has {}",
            run.receipts.len(),
            i.expected.len()
        ));
    }
    (run.root != i.post).then(|| format!("root {}, the vector's {}", run.root, i.post))
}

fn gas(g: i64) -> Result<u64> {
    u64::try_from(g).map_err(|_| anyhow!("negative gas used {g}"))
}
