//! Explaining traced messages: the call tree with actor names, gas reports over a run, the
//! trace as JSON, and folded stacks for flame-graph tools.
//!
//! The machine records a message's calls and charges ([`skyr::trace`]); this module names
//! what it recorded (actor types from the manifest's code CIDs) and adds it up.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use cid::Cid;
use serde_json::{json, Value};
use skyr::gas::Gas;
use skyr::trace::{CallNode, CallTree, Charge};

use crate::names::{exit_code_name, exit_label, method_label, method_name};

/// One traced message of a vector.
#[derive(Clone, Debug)]
pub struct MessageTrace {
    /// The vector's variant it ran in.
    pub variant: String,
    /// Its index among the vector's messages.
    pub index: usize,
    /// The message's receiver.
    pub to: fvm_shared::address::Address,
    /// The message's method.
    pub method: u64,
    /// Exit code of its receipt.
    pub exit_code: u32,
    /// Gas used, as the receipt says.
    pub gas_used: u64,
    /// Its calls and charges.
    pub tree: CallTree,
    /// The events the machine recorded, in order, as the tree was built from them.
    pub events: Vec<skyr::trace::TraceEvent>,
    /// Actor type by code CID, from the manifest it ran on (one map shared by the messages
    /// of a variant).
    pub actor_names: Arc<BTreeMap<Cid, String>>,
}

/// Actor type by code CID, from a manifest (what a trace names its calls' actors with).
pub fn actor_names(manifest: &skyr::bundle::Manifest) -> Arc<BTreeMap<Cid, String>> {
    let entries = manifest.entries().iter();
    Arc::new(entries.map(|(name, code)| (*code, name.clone())).collect())
}

impl MessageTrace {
    /// The trace of message `msg` applied as `ret` (its events are moved out of `ret`), its
    /// actors named by `names`.
    pub fn new(
        names: &Arc<BTreeMap<Cid, String>>,
        variant: &str,
        index: usize,
        msg: &fvm_shared::message::Message,
        ret: &mut skyr::ApplyRet,
    ) -> anyhow::Result<MessageTrace> {
        let tree = skyr::trace::CallTree::build(&ret.trace)
            .map_err(|e| anyhow::anyhow!("message {index}: the trace does not nest: {e}"))?;
        Ok(MessageTrace {
            variant: variant.to_owned(),
            index,
            to: msg.to,
            method: msg.method_num,
            exit_code: ret.receipt.exit_code.value(),
            gas_used: ret.receipt.gas_used,
            tree,
            events: std::mem::take(&mut ret.trace),
            actor_names: names.clone(),
        })
    }

    /// The actor type a call ran (its receiver's code named by the manifest), or what is
    /// known of it: `unknown` for a receiver never found, the CID for code outside the
    /// manifest.
    pub fn actor_of(&self, call: &CallNode) -> String {
        match &call.receiver {
            None => "unknown".into(),
            Some((_, code)) => self
                .actor_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string()),
        }
    }

    /// Whether the charges add up to the receipt's gas used (milligas, rounded up).
    pub fn charges_add_up(&self) -> bool {
        let applied = self.tree.gas_applied();
        // Milligas are i64 and saturate: a message charged past i64::MAX milligas (a gas
        // limit above 9.2e15 spent whole on a machine failure) traces the saturated amount.
        let saturated = applied.as_milligas() == i64::MAX
            && self.gas_used > (i64::MAX / skyr::gas::MILLIGAS_PER_GAS) as u64;
        saturated || u64::try_from(applied.round_up()).ok() == Some(self.gas_used)
    }

    /// The trace as JSON: `{variant, index, exit_code, gas_used, charges, call}`, where
    /// `charges` are those outside any call and `call` is the top-level call (see
    /// [`call_json`](Self::call_json)), or null.
    pub fn to_json(&self) -> Value {
        json!({
            "variant": self.variant,
            "index": self.index,
            "exit_code": self.exit_code,
            "gas_used": self.gas_used,
            "charges": charges_json(&self.tree.charges),
            "call": self.tree.root.as_ref().map(|c| self.call_json(c)),
        })
    }

    /// One call as JSON: `from`, `to`, `receiver` (ID, or null), `actor`, `method`,
    /// `method_name` (null when unknown), `value` (attoFIL, decimal string), `params_len`,
    /// `gas_limit` (milligas, or null), `read_only`, `exit_code` (null when the machine
    /// failed the call), `exit_code_name` (null when unnamed), `error`,
    /// `return_len`, `gas_inclusive` and `gas_exclusive` (milligas), `charges` (each
    /// `{name, compute, other, applied}` in milligas), `events` (each `{emitter, entries}`)
    /// and `calls`.
    pub fn call_json(&self, call: &CallNode) -> Value {
        json!({
            "from": call.from,
            "to": call.to.to_string(),
            "receiver": call.receiver.map(|(id, _)| id),
            "actor": self.actor_of(call),
            "method": call.method,
            "method_name": method_name(&self.actor_of(call), call.method),
            "value": call.value.atto().to_string(),
            "params_len": call.params_len,
            "gas_limit": call.gas_limit.map(Gas::as_milligas),
            "read_only": call.read_only,
            "exit_code": call.exit_code.map(|c| c.value()),
            "exit_code_name": call.exit_code.and_then(|c| exit_code_name(c.value())),
            "error": call.error,
            "return_len": call.return_len,
            "gas_inclusive": call.gas_inclusive().as_milligas(),
            "gas_exclusive": call.gas_exclusive().as_milligas(),
            "charges": charges_json(&call.charges),
            "events": call.events.iter().map(|(emitter, entries)| json!({
                "emitter": emitter, "entries": entries,
            })).collect::<Vec<_>>(),
            "calls": call.calls.iter().map(|c| self.call_json(c)).collect::<Vec<_>>(),
        })
    }

    /// The call tree as indented text, one line per call: sender and receiver, actor type
    /// and method (named when known), value, exit code (named), gas inclusive and exclusive;
    /// under each call its charges summed by name, largest first, or with `every_charge`
    /// each charge in order. Values are in FIL, or exact attoFIL with `atto`.
    pub fn tree_text(&self, style: TextStyle) -> String {
        let every_charge = style.every_charge;
        let mut out = String::new();
        let outside = skyr::trace::applied(&self.tree.charges);
        let _ = writeln!(
            out,
            "message: exit {}, gas used {} ({} outside the calls: {})",
            exit_label(self.exit_code),
            self.gas_used,
            outside,
            summary(&self.tree.charges, every_charge)
        );
        match &self.tree.root {
            Some(root) => self.tree_call(root, "", true, style, &mut out),
            None => out.push_str("  (no call: the message was refused before it ran)\n"),
        }
        out
    }

    fn tree_call(
        &self,
        call: &CallNode,
        indent: &str,
        last: bool,
        style: TextStyle,
        out: &mut String,
    ) {
        let every_charge = style.every_charge;
        let actor = self.actor_of(call);
        let (branch, next) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        let outcome = match (call.exit_code, &call.error) {
            (Some(c), _) => format!("exit {}", exit_label(c.value())),
            (None, Some(e)) => format!("machine failure: {e}"),
            (None, None) => "no outcome".into(),
        };
        let receiver = match call.receiver {
            Some((id, _)) if call.to != fvm_shared::address::Address::new_id(id) => {
                format!(" (f0{id})")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{indent}{branch}f0{} → {}{receiver} {actor}.{} value {}{}{}  {outcome}  gas {} / {} own",
            call.from,
            call.to,
            method_label(&actor, call.method),
            crate::amounts::amount(&call.value, style.atto),
            if call.read_only { " read-only" } else { "" },
            call.gas_limit
                .map(|g| format!(" limit {g}"))
                .unwrap_or_default(),
            call.gas_inclusive(),
            call.gas_exclusive(),
        );
        let inner = format!("{indent}{next}");
        let bar = if call.calls.is_empty() { "  " } else { "│ " };
        if every_charge {
            for c in &call.charges {
                let _ = writeln!(
                    out,
                    "{inner}{bar}{} {} (compute {}, other {})",
                    c.name, c.applied, c.compute, c.other
                );
            }
        } else {
            let _ = writeln!(out, "{inner}{bar}{}", summary(&call.charges, false));
        }
        for (emitter, entries) in &call.events {
            let _ = writeln!(out, "{inner}{bar}event from f0{emitter}: {entries} entries");
        }
        for (i, c) in call.calls.iter().enumerate() {
            self.tree_call(c, &inner, i + 1 == call.calls.len(), style, out);
        }
    }

    /// Folded stacks (`frame;frame;charge weight`, one line per charge, weight in milligas),
    /// the input of flame-graph tools. A call's frame is `actor.method` (the method's name
    /// when the actor type is known, else its number); the message's
    /// inclusion charges sit under a `message` frame.
    pub fn folded(&self, out: &mut String) {
        for c in &self.tree.charges {
            push_folded(out, "message", c);
        }
        if let Some(root) = &self.tree.root {
            self.fold_call(root, &mut String::new(), out);
        }
    }

    /// The message's flame graph, an SVG drawn by `inferno` from its
    /// [folded stacks](Self::folded): calls stacked on their callers, each call's charges on
    /// top of it, widths in milligas. Colours follow the frame names, so the same trace
    /// always draws the same picture. `None` when nothing was charged.
    pub fn flame_graph(&self, title: &str) -> Option<Vec<u8>> {
        let mut folded = String::new();
        self.folded(&mut folded);
        flame_graph_svg(&folded, title)
    }

    fn fold_call(&self, call: &CallNode, path: &mut String, out: &mut String) {
        let len = path.len();
        if !path.is_empty() {
            path.push(';');
        }
        let actor = self.actor_of(call);
        let _ = write!(
            path,
            "{}.{}",
            frame_text(&actor),
            frame_text(&method_label(&actor, call.method))
        );
        for c in &call.charges {
            push_folded(out, path, c);
        }
        for c in &call.calls {
            self.fold_call(c, path, out);
        }
        path.truncate(len);
    }
}

/// The flame graph of folded stacks as [`MessageTrace::folded`] writes them (for a caller
/// that has them already); `None` when there are none.
pub fn flame_graph_svg(folded: &str, title: &str) -> Option<Vec<u8>> {
    if folded.is_empty() {
        return None;
    }
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_owned();
    options.count_name = "milligas".into();
    options.name_type = "Frame:".into();
    options.deterministic = true;
    let mut svg = Vec::new();
    // Writing into memory, from lines this module made: inferno fails only on lines it
    // cannot parse, which `folded` does not write.
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg).ok()?;
    Some(svg)
}

/// How [`MessageTrace::tree_text`] writes a tree.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextStyle {
    /// Every charge in order under each call, not their sums by name.
    pub every_charge: bool,
    /// Values in exact attoFIL, not FIL.
    pub atto: bool,
}

/// Charges summed by name, largest first: `charges: wasm_exec 812.3, OnBlockRead 40 ...`
/// (gas units), the first few named and the rest counted.
fn summary(charges: &[Charge], every: bool) -> String {
    const SHOWN: usize = 4;
    let mut by_name: BTreeMap<&str, (i64, usize)> = BTreeMap::new();
    for c in charges {
        let e = by_name.entry(&c.name).or_default();
        e.0 = e.0.saturating_add(c.applied.as_milligas());
        e.1 += 1;
    }
    let mut rows: Vec<_> = by_name.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
    let shown = if every { rows.len() } else { SHOWN };
    let plural = if charges.len() == 1 { "" } else { "s" };
    let mut text = format!("{} charge{plural}", charges.len());
    for (i, (name, (milligas, n))) in rows.iter().enumerate().take(shown) {
        let sep = if i == 0 { ": " } else { ", " };
        let times = if *n > 1 {
            format!(" ×{n}")
        } else {
            String::new()
        };
        let _ = write!(text, "{sep}{name} {}{times}", Gas::from_milligas(*milligas));
    }
    if rows.len() > shown {
        let _ = write!(text, ", {} more kinds", rows.len() - shown);
    }
    text
}

fn push_folded(out: &mut String, path: &str, charge: &Charge) {
    let weight = charge.applied.as_milligas();
    if weight > 0 {
        let _ = writeln!(out, "{path};{} {weight}", frame_text(&charge.name));
    }
}

/// A frame name folded stacks can hold: no separators, no spaces.
fn frame_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == ';' || c.is_whitespace() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn charges_json(charges: &[Charge]) -> Vec<Value> {
    charges
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "compute": c.compute.as_milligas(),
                "other": c.other.as_milligas(),
                "applied": c.applied.as_milligas(),
            })
        })
        .collect()
}

/// Gas over a run, by charge name, by actor type and by actor type and method (milligas
/// applied, and how many charges or calls).
#[derive(Clone, Debug, Default)]
pub struct GasReport {
    /// Messages counted.
    pub messages: usize,
    /// Sum of their receipts' gas used (whole gas).
    pub gas_used: u128,
    /// Charge name → (milligas, charges).
    pub by_charge: BTreeMap<String, (i128, u64)>,
    /// Actor type → (milligas in its own calls, calls).
    pub by_actor: BTreeMap<String, (i128, u64)>,
    /// (actor type, method) → (milligas in those calls themselves, calls).
    pub by_method: BTreeMap<(String, u64), (i128, u64)>,
}

impl GasReport {
    /// Adds one message.
    pub fn add(&mut self, t: &MessageTrace) {
        self.messages += 1;
        self.gas_used += u128::from(t.gas_used);
        self.add_charges("message", None, &t.tree.charges);
        if let Some(root) = &t.tree.root {
            self.add_call(t, root);
        }
    }

    fn add_call(&mut self, t: &MessageTrace, call: &CallNode) {
        let actor = t.actor_of(call);
        self.add_charges(&actor, Some(call.method), &call.charges);
        for c in &call.calls {
            self.add_call(t, c);
        }
    }

    fn add_charges(&mut self, actor: &str, method: Option<u64>, charges: &[Charge]) {
        for c in charges {
            let e = self.by_charge.entry(c.name.clone()).or_default();
            e.0 += i128::from(c.applied.as_milligas());
            e.1 += 1;
        }
        let total = i128::from(skyr::trace::applied(charges).as_milligas());
        let calls = u64::from(method.is_some());
        let e = self.by_actor.entry(actor.to_owned()).or_default();
        e.0 += total;
        e.1 += calls;
        if let Some(m) = method {
            let e = self.by_method.entry((actor.to_owned(), m)).or_default();
            e.0 += total;
            e.1 += 1;
        }
    }

    /// Milligas of all charges counted.
    pub fn total(&self) -> i128 {
        self.by_charge.values().map(|(g, _)| g).sum()
    }

    /// The report as text: three tables, largest first, with shares of the total.
    pub fn to_text(&self) -> String {
        let total = self.total();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "gas report: {} messages, {} gas used in receipts, {} milligas charged",
            self.messages, self.gas_used, total
        );
        let mut table = |title: &str, head: &str, rows: Vec<(String, i128, u64)>| {
            let _ = writeln!(out, "\n{title}");
            let _ = writeln!(
                out,
                "  {:>16}  {:>6}  {:>9}  {head}",
                "gas", "share", "count"
            );
            for (name, gas, count) in rows {
                let share = if total == 0 {
                    0.0
                } else {
                    gas as f64 * 100.0 / total as f64
                };
                let whole = Gas::from_milligas(i64::try_from(gas).unwrap_or(i64::MAX)).to_string();
                let _ = writeln!(out, "  {whole:>16}  {share:>5.1}%  {count:>9}  {name}");
            }
        };
        table(
            "by charge",
            "charge",
            sorted(&self.by_charge, |k| k.clone()),
        );
        table("by actor", "actor", sorted(&self.by_actor, |k| k.clone()));
        table(
            "by method",
            "actor.method",
            sorted(&self.by_method, method_row),
        );
        out
    }

    /// The report as JSON: `{messages, gas_used, milligas, by_charge, by_actor, by_method}`,
    /// each table a list of `{name, milligas, count}` largest first (`by_method` adds
    /// `actor` and `method`).
    pub fn to_json(&self) -> Value {
        let rows = |rows: Vec<(String, i128, u64)>| {
            rows.into_iter()
                .map(|(name, g, n)| json!({"name": name, "milligas": g.to_string(), "count": n}))
                .collect::<Vec<_>>()
        };
        json!({
            "messages": self.messages,
            "gas_used": self.gas_used.to_string(),
            "milligas": self.total().to_string(),
            "by_charge": rows(sorted(&self.by_charge, |k| k.clone())),
            "by_actor": rows(sorted(&self.by_actor, |k| k.clone())),
            "by_method": rows(sorted(&self.by_method, method_row)),
        })
    }
}

/// A `by_method` row's name: `actor.method`, the method named when known.
fn method_row((actor, method): &(String, u64)) -> String {
    format!("{actor}.{}", method_label(actor, *method))
}

/// A table's rows, largest gas first (ties by name, so the order is fixed).
fn sorted<K>(
    map: &BTreeMap<K, (i128, u64)>,
    name: impl Fn(&K) -> String,
) -> Vec<(String, i128, u64)> {
    let mut rows: Vec<_> = map.iter().map(|(k, (g, n))| (name(k), *g, *n)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}
