//! Running one vector: decode, pick the bundle, apply the messages of each variant, compare.
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Result};
use cid::Cid;
use fvm_ipld_blockstore::{Blockstore, MemoryBlockstore};
use fvm_ipld_encoding::CborStore;
use fvm_shared::address::Protocol;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::state::StateRoot;
use fvm_shared::version::NetworkVersion;
use ipld_core::ipld::Ipld;
use serde::Serialize;
use skyr::machine::SystemState;
use skyr::{AcceptAllProofs, ApplyKind, Engine, Executor, Machine, MachineConfig};

use crate::bundles::{BundleSet, Overlay};
use crate::explain::MessageTrace;
use crate::externs::ReplayExterns;
use crate::schema::{b64, Vector};

/// Base fee when a vector names none (the reference runner's default).
pub const DEFAULT_BASE_FEE: u64 = 100;

/// Outcome of a vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
    Error,
}

/// One receipt compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReceiptCheck {
    pub index: usize,
    pub exit_code: u32,
    /// The exit code's name (`SYS_OUT_OF_GAS`), null for unnamed codes.
    pub exit_code_name: Option<&'static str>,
    pub expected_exit_code: u32,
    /// The expected exit code's name, null for unnamed codes.
    pub expected_exit_code_name: Option<&'static str>,
    pub gas_used: i64,
    pub expected_gas_used: i64,
    pub return_ok: bool,
    /// False only when the vector records an events root and Skyr's differs.
    pub events_root_ok: bool,
}

impl ReceiptCheck {
    /// True when every field the vector records matches.
    pub fn ok(&self) -> bool {
        self.exit_code == self.expected_exit_code
            && self.gas_used == self.expected_gas_used
            && self.return_ok
            && self.events_root_ok
    }
}

/// What running one vector found.
#[derive(Clone, Debug, Serialize)]
pub struct VectorResult {
    pub vector: String,
    pub status: Status,
    pub reason: Option<String>,
    pub receipts: Vec<ReceiptCheck>,
    pub root_ok: bool,
    /// The vector names no circulating supply, so the run assumed Skyr's default (the total
    /// supply, as fvm 2 and 3 do; fvm 4's runner assumes zero): a receipt that reads it
    /// (FIP-0077's miner deposit, pledges) depends on the runner.
    pub assumed_circ_supply: bool,
    pub setup_ms: f64,
    pub exec_ms: f64,
    /// Each message's trace, when the run traced ([`RunOptions::trace`]).
    #[serde(skip)]
    pub traces: Vec<MessageTrace>,
}

impl VectorResult {
    fn new(vector: &str, status: Status, reason: Option<String>) -> Self {
        VectorResult {
            vector: vector.into(),
            status,
            reason,
            receipts: Vec::new(),
            root_ok: false,
            assumed_circ_supply: false,
            setup_ms: 0.0,
            exec_ms: 0.0,
            traces: Vec::new(),
        }
    }
}

/// How vectors are run, beyond the bundles and the engine.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// When actor code is compiled (all of a bundle at start by default, as the reference).
    pub compile: skyr::Compile,
    /// Whether messages are traced, each trace kept in [`VectorResult::traces`].
    pub trace: bool,
}

/// Reads, decodes and runs the vector at `path`. Never panics on bad input: a malformed
/// vector is an `error` with a reason.
pub fn run_file(path: &std::path::Path, bundles: &BundleSet, engine: &Engine) -> VectorResult {
    run_file_with(path, bundles, engine, RunOptions::default())
}

/// [`run_file`] with options.
pub fn run_file_with(
    path: &std::path::Path,
    bundles: &BundleSet,
    engine: &Engine,
    options: RunOptions,
) -> VectorResult {
    let name = path.display().to_string();
    let text =
        match crate::files::read_text_bounded(path, crate::files::MAX_VECTOR_BYTES, "a vector") {
            Ok(t) => t,
            Err(e) => return VectorResult::new(&name, Status::Error, Some(format!("{e:#}"))),
        };
    run_text_with(&name, &text, bundles, engine, options)
}

/// Runs a vector given as JSON text.
pub fn run_text(name: &str, text: &str, bundles: &BundleSet, engine: &Engine) -> VectorResult {
    run_text_with(name, text, bundles, engine, RunOptions::default())
}

/// [`run_text`] with options.
pub fn run_text_with(
    name: &str,
    text: &str,
    bundles: &BundleSet,
    engine: &Engine,
    options: RunOptions,
) -> VectorResult {
    let started = Instant::now();
    let vector = match Vector::from_json(text) {
        Ok(v) => v,
        Err(e) => return VectorResult::new(name, Status::Error, Some(format!("{e:#}"))),
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_vector(name, &vector, bundles, engine, options, started)
    })) {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => VectorResult::new(name, Status::Error, Some(format!("{e:#}"))),
        Err(_) => VectorResult::new(
            name,
            Status::Error,
            Some("internal error: the run panicked".into()),
        ),
    }
}

/// Why a vector is not run, if it is not.
fn skip_reason(v: &Vector) -> Option<String> {
    if v.class != "message" {
        return Some(format!(
            "class `{}` is not supported (only `message`)",
            v.class
        ));
    }
    if let Some(sel) = v.selector.as_ref().and_then(|s| s.as_object()) {
        for (key, why) in [
            ("chaos_actor", "needs the chaos actor"),
            ("consensus_fault", "needs a consensus-fault extern"),
            (
                "requires:consensus_fault_extern",
                "needs a consensus-fault extern",
            ),
        ] {
            if sel.get(key).and_then(|x| x.as_str()) == Some("true") {
                return Some(format!("selector {key}: {why}"));
            }
        }
    }
    if v.preconditions.variants.is_empty() {
        return Some("no variants (preconditions.variants is empty)".into());
    }
    if let Some(var) = v
        .preconditions
        .variants
        .iter()
        .find(|x| skyr::rules::rules_for_number(x.nv).is_none())
    {
        return Some(format!(
            "network version {} (variant {}) is not supported (Skyr runs {})",
            var.nv,
            var.id,
            skyr::rules::supported_versions()
        ));
    }
    None
}

pub use crate::car::{gunzip, MAX_CAR_BYTES};

/// Decodes the vector's blocks (base64, gzip, CARv1, hashes checked), once for all variants.
pub fn decode_car(v: &Vector) -> Result<Vec<(Cid, Vec<u8>)>> {
    decode_car_within(v, MAX_CAR_BYTES)
}

/// [`decode_car`], its CAR at most `limit` bytes decompressed.
pub fn decode_car_within(v: &Vector, limit: u64) -> Result<Vec<(Cid, Vec<u8>)>> {
    let gz = b64(&v.car, "car")?;
    Ok(crate::car::read_gzipped_car(&gz, limit, "car")?.blocks)
}

/// How many bytes a message takes on chain, from its unsigned CBOR length: a secp256k1
/// sender's message is signed, which adds the signature's 65 bytes and their framing (BLS
/// signatures are aggregated per block, so they add nothing).
pub fn chain_length(msg: &Message, unsigned_len: usize) -> usize {
    if msg.from.protocol() == Protocol::Secp256k1 {
        unsigned_len + fvm_shared::crypto::signature::SECP_SIG_LEN + 4
    } else {
        unsigned_len
    }
}

/// A state's blocks in a store with the code of `bundles` layered under them, and the
/// manifest data CID the state at `root` names.
pub(crate) fn open_state(
    blocks: impl IntoIterator<Item = (Cid, Vec<u8>)>,
    root: &Cid,
    bundles: &BundleSet,
) -> Result<(Overlay, Cid)> {
    let store = MemoryBlockstore::new();
    for (k, data) in blocks {
        store.put_keyed(&k, &data)?;
    }
    let manifest = manifest_of(&store, root)?;
    let layers = bundles.layers(&manifest, &store)?;
    Ok((Overlay::new(store, layers), manifest))
}

/// The manifest data CID the pre-state's system actor names.
pub fn manifest_of<S: Blockstore>(store: &S, root: &Cid) -> Result<Cid> {
    let sr: StateRoot = store
        .get_cbor(root)
        .map_err(|e| anyhow!("pre-state root {root}: not a state root: {e}"))?
        .ok_or_else(|| anyhow!("pre-state root {root}: its block is missing from the CAR"))?;
    // Records are read generically: `[code, state, ...]` has four fields up to state tree
    // version 4 and five from version 5 on; only the state is needed here.
    let tree = fvm_ipld_hamt::Hamt::<&S, Ipld>::load_with_bit_width(
        &sr.actors,
        store,
        skyr::state_tree::HAMT_BIT_WIDTH,
    )
    .map_err(|e| anyhow!("pre-state actors HAMT: {e}"))?;
    let system = tree
        .get(&fvm_shared::address::Address::new_id(0).to_bytes())
        .map_err(|e| anyhow!("pre-state actors HAMT: {e}"))?
        .ok_or_else(|| anyhow!("pre-state has no system actor"))?;
    let state = match system {
        Ipld::List(fields) if fields.len() >= 4 => match &fields[1] {
            Ipld::Link(c) => *c,
            _ => anyhow::bail!("pre-state system actor record: state is not a link"),
        },
        _ => anyhow::bail!("pre-state system actor record: not [code, state, ...]"),
    };
    let st: SystemState = store
        .get_cbor(&state)
        .map_err(|e| anyhow!("system actor state: {e}"))?
        .ok_or_else(|| anyhow!("system actor state {state} missing from the CAR"))?;
    Ok(st.builtin_actors)
}

/// How a run names the bundle a manifest data CID belongs to: the CID it is published under
/// (its CAR root), and the release when it is a known one.
fn bundle_label(data: &Cid) -> Result<String> {
    let published = skyr::bundle::manifest_cid(data)?;
    Ok(match skyr::bundle::official_label(&published) {
        Some(release) => format!("bundle {published} ({release})"),
        None => format!("bundle {published} (manifest data {data})"),
    })
}

/// Why the actors' code is not at hand, if it is not. Extracted vectors carry the manifest
/// their state names but not the WASM, so the bundle must come from `--bundles`.
pub fn missing_code(store: &impl Blockstore, data: &Cid) -> Result<Option<String>> {
    let wanted = bundle_label(data)?;
    if !store.has(data)? {
        return Ok(Some(format!("needs {wanted}, which is not in --bundles")));
    }
    let manifest = skyr::bundle::Manifest::load(store, data)
        .map_err(|e| anyhow!("pre-state names a malformed manifest: {e:#}"))?;
    let mut carried = false;
    let mut missing = None;
    for (actor, code) in manifest.entries() {
        if store.has(code)? {
            carried = true;
        } else if missing.is_none() {
            missing = Some((actor.clone(), *code));
        }
    }
    Ok(missing.map(|(actor, code)| {
        if carried {
            // A manifest of its own (a bundle's actors beside others): no bundle CID to
            // name, only the code.
            format!(
                "needs actor code: some actors its manifest names are at hand, but not \
                 `{actor}` ({code}), and no bundle in --bundles has it (official actors come \
                 from their release's bundle)"
            )
        } else {
            format!(
                "needs {wanted}: the vector carries its manifest but not the actors' WASM \
                 (`{actor}` {code} is missing), and --bundles has no such bundle"
            )
        }
    }))
}

fn run_vector(
    name: &str,
    v: &Vector,
    bundles: &BundleSet,
    engine: &Engine,
    options: RunOptions,
    started: Instant,
) -> Result<VectorResult> {
    if let Some(why) = skip_reason(v) {
        return Ok(VectorResult::new(name, Status::Skip, Some(why)));
    }
    let pre = v
        .preconditions
        .state_tree
        .root_cid
        .parse("preconditions.state_tree.root_cid")?;
    let post = v
        .postconditions
        .state_tree
        .root_cid
        .parse("postconditions.state_tree.root_cid")?;
    let base_fee = TokenAmount::from_atto(v.basefee()?.unwrap_or(DEFAULT_BASE_FEE as u128));
    let circ = v.circ_supply()?.map(TokenAmount::from_atto);
    let externs = Rc::new(ReplayExterns::new(&v.randomness)?);
    let mut messages = Vec::new();
    for (i, m) in v.apply_messages.iter().enumerate() {
        let bytes = b64(&m.bytes, &format!("apply_messages[{i}].bytes"))?;
        let msg: Message = fvm_ipld_encoding::from_slice(&bytes)
            .map_err(|e| anyhow!("apply_messages[{i}].bytes: not a message: {e}"))?;
        let len = chain_length(&msg, bytes.len());
        // Lotus's conformance runner adds each offset to the epoch of the message before.
        let offset = m.epoch_offset.unwrap_or(0);
        if offset < 0 {
            anyhow::bail!("apply_messages[{i}].epoch_offset: {offset} goes back in time");
        }
        messages.push((msg, len, offset));
    }
    if v.postconditions.receipts.len() != messages.len() {
        anyhow::bail!(
            "postconditions.receipts: {} receipts for {} messages",
            v.postconditions.receipts.len(),
            messages.len()
        );
    }
    let mut expected = Vec::new();
    for (i, r) in v.postconditions.receipts.iter().enumerate() {
        let events_root = match &r.events_root {
            Some(c) => Some(c.parse(&format!("postconditions.receipts[{i}].events_root"))?),
            None => None,
        };
        expected.push((
            r.exit_code,
            b64(&r.ret, &format!("postconditions.receipts[{i}].return"))?,
            r.gas_used,
            events_root,
        ));
    }

    let mut blocks = Some(decode_car(v)?);
    let last = v.preconditions.variants.len().saturating_sub(1);
    let mut result = VectorResult::new(name, Status::Pass, None);
    result.assumed_circ_supply = circ.is_none();
    for (n, variant) in v.preconditions.variants.iter().enumerate() {
        let setup = Instant::now();
        let (store, manifest) = if n == last {
            // The last variant takes the decoded blocks, freeing each as it is stored: a
            // large state is not held twice while its messages run (and the heap the
            // decoded copy held serves the run's own allocations).
            open_state(blocks.take().unwrap_or_default(), &pre, bundles)?
        } else {
            open_state(blocks.iter().flatten().cloned(), &pre, bundles)?
        };
        let without_code = match missing_code(&store, &manifest)? {
            None => None,
            Some(_) if bundles.runs_without_code() && store.has(&manifest)? => {
                Some(bundle_label(&manifest)?)
            }
            Some(why) => return Ok(VectorResult::new(name, Status::Skip, Some(why))),
        };
        let nv = NetworkVersion::new(variant.nv);
        let mut config = MachineConfig::new(nv, variant.epoch, pre);
        config.base_fee = base_fee.clone();
        if let Some(c) = &circ {
            config.circ_supply = c.clone();
        }
        config.require_code = without_code.is_none();
        config.compile = options.compile;
        config.trace = options.trace;
        // From here on, a failure is the machine's, not the vector's: the vector is a `fail`.
        let failed = |what: String, e: anyhow::Error| {
            let mut r = VectorResult::new(
                name,
                Status::Fail,
                Some(format!("variant {}: {what}: {e:#}", variant.id)),
            );
            r.setup_ms = started.elapsed().as_secs_f64() * 1000.0;
            Ok(r)
        };
        let store = Rc::new(store);
        // A message at a later epoch gets a new machine at that epoch, on the state so far.
        let start = |epoch: i64, root: Cid| {
            let mut config = config.clone();
            config.epoch = epoch;
            config.state_root = root;
            Machine::new(
                engine,
                config,
                store.clone(),
                externs.clone(),
                Rc::new(AcceptAllProofs),
            )
            .map(Executor::new)
        };
        let mut epoch = variant.epoch;
        let mut exec = match start(epoch, pre) {
            Ok(e) => e,
            Err(e) => return failed("the machine does not start".into(), e),
        };
        result.setup_ms += if result.setup_ms == 0.0 {
            started.elapsed().as_secs_f64() * 1000.0
        } else {
            setup.elapsed().as_secs_f64() * 1000.0
        };
        let run = Instant::now();
        let mut checks = Vec::new();
        // Actor types by code, for the traces: one map per variant (its machines share a
        // manifest).
        let mut actor_names = None;
        for (i, (msg, len, offset)) in messages.iter().enumerate() {
            if *offset != 0 {
                epoch = epoch.saturating_add(*offset);
                let root = match exec.flush() {
                    Ok(r) => r,
                    Err(e) => return failed(format!("the flush before message {i}"), e),
                };
                exec = match start(epoch, root) {
                    Ok(e) => e,
                    Err(e) => return failed(format!("no machine at epoch {epoch}"), e),
                };
            }
            let mut ret = match exec.apply_message(msg, ApplyKind::Explicit, *len) {
                Ok(r) => r,
                Err(e) => return failed(format!("message {i} could not be applied"), e),
            };
            let machine = match exec.machine() {
                Ok(m) => m,
                Err(e) => return failed(format!("after message {i}"), e),
            };
            if let (Some(wanted), Some(code)) = (&without_code, machine.missing_code.first()) {
                let actor = actor_named(machine, code);
                return Ok(VectorResult::new(
                    name,
                    Status::Skip,
                    Some(format!(
                        "needs {wanted}: message {i} runs `{actor}` code ({code}), which \
                         neither the vector nor --bundles has"
                    )),
                ));
            }
            if options.trace {
                let names = actor_names.get_or_insert_with(|| actor_names_of(machine));
                result
                    .traces
                    .push(trace_of(names, &variant.id, i, msg, &mut ret)?);
            }
            let (code, ret_bytes, gas, events_root) = &expected[i];
            checks.push(ReceiptCheck {
                index: i,
                exit_code: ret.receipt.exit_code.value(),
                exit_code_name: crate::names::exit_code_name(ret.receipt.exit_code.value()),
                expected_exit_code: *code,
                expected_exit_code_name: crate::names::exit_code_name(*code),
                // Receipts hold at most a message's gas limit, itself at most i64::MAX.
                gas_used: i64::try_from(ret.receipt.gas_used).unwrap_or(i64::MAX),
                expected_gas_used: *gas,
                return_ok: ret.receipt.return_data.bytes() == ret_bytes.as_slice(),
                events_root_ok: events_root
                    .as_ref()
                    .is_none_or(|r| ret.receipt.events_root.as_ref() == Some(r)),
            });
        }
        let root = match exec.flush() {
            Ok(r) => r,
            Err(e) => return failed("the flush failed".into(), e),
        };
        result.exec_ms += run.elapsed().as_secs_f64() * 1000.0;
        let root_ok = root == post;
        let first_bad = checks.iter().find(|c| !c.ok()).cloned();
        result.receipts = checks;
        result.root_ok = root_ok;
        if let Some(c) = first_bad {
            result.status = Status::Fail;
            result.reason = Some(format!(
                "variant {}: receipt {}: exit {} (expected {}), gas {} (expected {}), return {}, \
                 events root {}",
                variant.id,
                c.index,
                crate::names::exit_label(c.exit_code),
                crate::names::exit_label(c.expected_exit_code),
                c.gas_used,
                c.expected_gas_used,
                if c.return_ok { "ok" } else { "differs" },
                if c.events_root_ok { "ok" } else { "differs" }
            ));
            return Ok(result);
        }
        if !root_ok {
            result.status = Status::Fail;
            result.reason = Some(format!(
                "variant {}: post-state root {root}, expected {post}",
                variant.id
            ));
            return Ok(result);
        }
        if let Some(wanted) = &without_code {
            result.reason = Some(format!(
                "passed without the actors' code of {wanted}: no message executed any"
            ));
        }
    }
    Ok(result)
}

/// The actor type the machine's manifest gives `code`, or `an unknown actor`.
pub fn actor_named<'m>(machine: &'m Machine, code: &Cid) -> &'m str {
    machine
        .manifest
        .entries()
        .iter()
        .find(|(_, c)| c == code)
        .map_or("an unknown actor", |(n, _)| n.as_str())
}

/// Actor types by code CID, as the machine's manifest names them.
pub fn actor_names_of(machine: &Machine) -> Arc<BTreeMap<Cid, String>> {
    crate::explain::actor_names(&machine.manifest)
}

/// A message's trace, its actors named by `names`; the events are moved out of `ret`.
pub fn trace_of(
    names: &Arc<BTreeMap<Cid, String>>,
    variant: &str,
    index: usize,
    msg: &Message,
    ret: &mut skyr::ApplyRet,
) -> Result<MessageTrace> {
    MessageTrace::new(names, variant, index, msg, ret)
}
