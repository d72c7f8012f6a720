//! `skyr exec`: one message on a given state, its receipt, and with `--trace` where its gas
//! went.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use serde_json::{json, Value};
use skyr::Engine;
use skyr_vectors::amounts::{amount, per_gas};
use skyr_vectors::exec::{decode_message, exec_message, vector_message, ExecState, Sequence};
use skyr_vectors::files::{read_bounded, read_text_bounded, MAX_VECTOR_BYTES};
use skyr_vectors::names::{exit_code_name, exit_label};
use skyr_vectors::runner::MAX_CAR_BYTES;
use skyr_vectors::schema::ReceiptJson;
use skyr_vectors::TextStyle;
use skyr_vectors::{GasReport, Vector};

use crate::params::{params_from_json, parse_address};
use crate::show::hex;

/// Gas limit of a message built from flags when `--gas-limit` is not given: the block gas
/// limit, the most a message may ask for.
const DEFAULT_GAS_LIMIT: u64 = 10_000_000_000;

/// `skyr exec`.
#[derive(clap::Args)]
pub struct ExecArgs {
    /// A vector file: its pre-state (network version, epoch, base fee, circulating supply and
    /// randomness too) and, unless a message is given, its message `--index`.
    #[arg(long, value_name = "FILE", conflicts_with = "state")]
    pub vector: Option<PathBuf>,
    /// With `--vector`: which message of the vector (from 0). It runs on the pre-state: the
    /// messages before it are not applied first.
    #[arg(long, default_value_t = 0, requires = "vector")]
    pub index: usize,
    /// With `--vector`: which variant's network version and epoch (default: the first).
    #[arg(long, value_name = "ID", requires = "vector")]
    pub variant: Option<String>,
    /// A state as a CAR file (CARv1, gzipped or not).
    #[arg(long, value_name = "CAR")]
    pub state: Option<PathBuf>,
    /// The state root to apply the message to (default: the vector's pre-state root, or the
    /// CAR's first root).
    #[arg(long, value_name = "CID")]
    pub root: Option<String>,
    /// Folders of bundle CARs, or bundle CAR files: the actors' code, found by the manifest
    /// the state names. Skyr's own bundle is always available.
    #[arg(long = "bundles", value_name = "DIR|CAR")]
    pub bundles: Vec<PathBuf>,
    /// Network version (required with `--state`; overrides the vector's).
    #[arg(long)]
    pub nv: Option<u32>,
    /// Epoch (required with `--state`; overrides the vector's).
    #[arg(long, allow_hyphen_values = true)]
    pub epoch: Option<i64>,
    /// Base fee in attoFIL (default: the vector's, else 100).
    #[arg(long, value_name = "ATTO")]
    pub base_fee: Option<String>,
    /// The message as a CBOR file (an unsigned message, as vectors and Lotus encode it); with
    /// `--rpc`, the CID of a message on the node's chain.
    #[arg(long, value_name = "FILE|CID")]
    pub message: Option<PathBuf>,
    /// A Filecoin node's JSON-RPC URL (Lotus or Forest, `http://HOST:1234/rpc/v1`): the
    /// message `--message CID` runs again where the chain ran it, from the node's data, and
    /// is compared with the receipt the chain recorded (exit status 1 when it differs).
    #[arg(long, value_name = "URL", conflicts_with_all = ["vector", "state"])]
    pub rpc: Option<String>,
    /// With `--rpc`: how the node is read.
    #[command(flatten)]
    pub node: crate::exec_rpc::NodeArgs,
    /// Sender (f0, f1, f2, f3 or f4 address; t-prefixed too). Without `--message` or
    /// `--vector`, the message is built from flags (`--from` and `--to` needed); with one,
    /// each message flag given replaces that field.
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// Receiver.
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Method number (default 0, a plain transfer).
    #[arg(long)]
    pub method: Option<u64>,
    /// Parameters as hex-encoded bytes (usually CBOR).
    #[arg(long, value_name = "HEX", conflicts_with = "params_json")]
    pub params_hex: Option<String>,
    /// Parameters as DAG-JSON, encoded to DAG-CBOR; `{"/": {"address": "f01234"}}` and
    /// `{"/": {"atto": "1000"}}` write an address's and a token amount's bytes.
    #[arg(long, value_name = "JSON")]
    pub params_json: Option<String>,
    /// Value sent, in attoFIL.
    #[arg(long, value_name = "ATTO")]
    pub value: Option<String>,
    /// Gas limit (default for a built message: the block gas limit, 10,000,000,000).
    #[arg(long)]
    pub gas_limit: Option<u64>,
    /// Gas fee cap in attoFIL (default for a built message: the base fee).
    #[arg(long, value_name = "ATTO")]
    pub gas_fee_cap: Option<String>,
    /// Gas premium in attoFIL (default for a built message: 0).
    #[arg(long, value_name = "ATTO")]
    pub gas_premium: Option<String>,
    /// The sender's sequence (default for a built message: the sender's next one in the
    /// state, so the message is valid).
    #[arg(long)]
    pub sequence: Option<u64>,
    /// Print the call tree: each call's actor and method (named), value, exit code and gas,
    /// and its charges summed by name.
    #[arg(long)]
    pub trace: bool,
    /// With `--trace`: every charge of each call, in order.
    #[arg(long, requires = "trace")]
    pub charges: bool,
    /// Print the message's gas by charge name, by actor type and by method.
    #[arg(long)]
    pub gas_report: bool,
    /// Print one JSON object instead (the schema is in the book, docs/exec.md; amounts
    /// there are exact attoFIL strings).
    #[arg(long)]
    pub json: bool,
    /// Print amounts in exact attoFIL, not FIL rounded to six significant digits.
    #[arg(long)]
    pub atto: bool,
}

/// Runs `skyr exec`. Exits 0 when the message ran (whatever its exit code) and, for a
/// vector's message run as recorded, gave the vector's receipt; 1 when it gave another
/// receipt; 2 on an error.
pub fn run(args: ExecArgs, engine: Engine) -> Result<ExitCode> {
    if let Some(url) = &args.rpc {
        return crate::exec_rpc::run(&args, url, engine);
    }
    let root = args
        .root
        .as_deref()
        .map(|r| {
            r.parse::<Cid>()
                .map_err(|e| anyhow!("--root {r}: not a CID: {e}"))
        })
        .transpose()?;
    let mut vector_msg = None;
    // The receipt the vector records, when the run is the vector's own first message as is.
    let mut expected = None;
    let mut state = match (&args.vector, &args.state) {
        (Some(path), None) => {
            let text = read_text_bounded(path, MAX_VECTOR_BYTES, "a vector")
                .with_context(|| format!("--vector {}", path.display()))?;
            let v =
                Vector::from_json(&text).with_context(|| format!("--vector {}", path.display()))?;
            if args.message.is_none() {
                if args.index == 0 && runs_as_recorded(&args) {
                    expected = v.postconditions.receipts.first().cloned();
                }
                vector_msg = Some(
                    vector_message(&v, args.index)
                        .with_context(|| format!("--vector {}", path.display()))?,
                );
            }
            let mut s = ExecState::from_vector(&v, args.variant.as_deref())
                .with_context(|| format!("--vector {}", path.display()))?;
            if let Some(r) = root {
                s.root = r;
            }
            s
        }
        (None, Some(path)) => {
            let bytes = read_bounded(path, MAX_CAR_BYTES, "a state CAR")
                .with_context(|| format!("--state {}", path.display()))?;
            ExecState::from_car(&bytes, root)
                .with_context(|| format!("--state {}", path.display()))?
        }
        _ => bail!("give the state: --vector FILE or --state CAR"),
    };
    if let Some(nv) = args.nv {
        state.network_version = Some(nv);
    }
    if let Some(e) = args.epoch {
        state.epoch = Some(e);
    }
    if let Some(b) = &args.base_fee {
        state.base_fee = atto(b, "--base-fee")?;
    }
    let (msg, len, sequence) = message(&args, vector_msg, &state)?;
    let bundles = crate::vectors_cmd::bundle_set(&args.bundles, false)?;
    let out = exec_message(state, msg, len, sequence, &bundles, &engine)?;
    let mut report = GasReport::default();
    report.add(&out.trace);
    // Whether the run gave the vector's recorded receipt, when it ran the vector's message.
    let matched = expected.as_ref().map(|e| matches(&out, e));
    if args.json {
        let mut v = outcome_json(&out);
        if let (Some(e), Some(matched)) = (&expected, matched) {
            v["expected"] = json!({
                "exit_code": e.exit_code,
                "return": hex(&skyr_vectors::schema::b64(&e.ret, "return").unwrap_or_default()),
                "gas_used": e.gas_used,
                "matches": matched,
            });
        }
        if args.trace {
            v["trace"] = out.trace.to_json();
        }
        if args.gas_report {
            v["gas_report"] = report.to_json();
        }
        println!("{v}");
    } else {
        print_outcome(&out, args.atto);
        if let (Some(e), Some(matched)) = (&expected, matched) {
            print_expected(e, matched);
        }
        if args.trace {
            println!("\n{}", out.trace.tree_text(text_style(&args)));
        }
        if args.gas_report {
            println!("\n{}", report.to_text());
        }
    }
    Ok(match matched {
        Some(false) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// How `--trace` prints the call tree.
pub(crate) fn text_style(args: &ExecArgs) -> TextStyle {
    TextStyle {
        every_charge: args.charges,
        atto: args.atto,
    }
}

/// Whether the vector's message runs as the vector recorded it: no field, state, version,
/// epoch or fee replaced.
fn runs_as_recorded(a: &ExecArgs) -> bool {
    a.root.is_none()
        && a.variant.is_none()
        && a.nv.is_none()
        && a.epoch.is_none()
        && a.base_fee.is_none()
        && a.from.is_none()
        && a.to.is_none()
        && a.method.is_none()
        && a.params_hex.is_none()
        && a.params_json.is_none()
        && a.value.is_none()
        && a.gas_limit.is_none()
        && a.gas_fee_cap.is_none()
        && a.gas_premium.is_none()
        && a.sequence.is_none()
}

/// Whether the receipt is the one the vector records (exit code, return, gas used).
fn matches(o: &skyr_vectors::exec::ExecOutcome, e: &ReceiptJson) -> bool {
    let r = &o.ret.receipt;
    r.exit_code.value() == e.exit_code
        && i64::try_from(r.gas_used).ok() == Some(e.gas_used)
        && skyr_vectors::schema::b64(&e.ret, "return").ok().as_deref()
            == Some(r.return_data.bytes())
}

fn print_expected(e: &ReceiptJson, matched: bool) {
    println!(
        "vector   expects exit {}, gas used {}: {}",
        exit_label(e.exit_code),
        e.gas_used,
        verdict(matched)
    );
}

/// How a run's receipt compares with the recorded one, in the text output.
pub(crate) fn verdict(matched: bool) -> &'static str {
    if matched {
        "the same receipt"
    } else {
        "a DIFFERENT receipt"
    }
}

/// The message to run, its length on chain and how its sequence is chosen: from `--message`,
/// else the vector's, else built from flags; any message flag given replaces its field.
fn message(
    args: &ExecArgs,
    from_vector: Option<(Message, usize)>,
    state: &ExecState,
) -> Result<(Message, usize, Sequence)> {
    let (mut msg, given) = if let Some(path) = &args.message {
        let bytes = read_bounded(path, MAX_VECTOR_BYTES, "a message")
            .with_context(|| format!("--message {}", path.display()))?;
        let (m, _) =
            decode_message(&bytes).with_context(|| format!("--message {}", path.display()))?;
        (m, true)
    } else if let Some((m, _)) = from_vector {
        (m, true)
    } else {
        let (Some(_), Some(_)) = (&args.from, &args.to) else {
            bail!("give the message: --message FILE, --vector FILE, or --from and --to");
        };
        let m = Message {
            version: 0,
            from: Address::new_id(0),
            to: Address::new_id(0),
            sequence: 0,
            value: TokenAmount::default(),
            method_num: 0,
            params: RawBytes::default(),
            gas_limit: DEFAULT_GAS_LIMIT,
            gas_fee_cap: state.base_fee.clone(),
            gas_premium: TokenAmount::default(),
        };
        (m, false)
    };
    if let Some(a) = &args.from {
        msg.from = address(a, "--from")?;
    }
    if let Some(a) = &args.to {
        msg.to = address(a, "--to")?;
    }
    if let Some(m) = args.method {
        msg.method_num = m;
    }
    if let Some(h) = &args.params_hex {
        msg.params = RawBytes::new(hex_bytes(h).context("--params-hex")?);
    }
    if let Some(j) = &args.params_json {
        msg.params = RawBytes::new(params_from_json(j).context("--params-json")?);
    }
    if let Some(v) = &args.value {
        msg.value = atto(v, "--value")?;
    }
    if let Some(g) = args.gas_limit {
        msg.gas_limit = g;
    }
    if let Some(c) = &args.gas_fee_cap {
        msg.gas_fee_cap = atto(c, "--gas-fee-cap")?;
    }
    if let Some(p) = &args.gas_premium {
        msg.gas_premium = atto(p, "--gas-premium")?;
    }
    let sequence = match args.sequence {
        Some(n) => {
            msg.sequence = n;
            Sequence::AsGiven
        }
        None if given => Sequence::AsGiven,
        None => Sequence::FromState,
    };
    // Its length on chain as it will be applied (flags may have changed the encoding).
    let bytes = fvm_ipld_encoding::to_vec(&msg).context("encoding the message")?;
    let len = skyr_vectors::runner::chain_length(&msg, bytes.len());
    Ok((msg, len, sequence))
}

/// An address in either network's notation.
fn address(s: &str, flag: &str) -> Result<Address> {
    parse_address(s).map_err(|e| anyhow!("{flag} {s}: not an address: {e}"))
}

/// An amount in attoFIL: a non-negative decimal integer.
fn atto(s: &str, flag: &str) -> Result<TokenAmount> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{flag} {s}: not an amount in attoFIL (a decimal integer)");
    }
    let n: fvm_shared::bigint::BigInt = s
        .parse()
        .map_err(|e| anyhow!("{flag} {s}: not an amount: {e}"))?;
    Ok(TokenAmount::from_atto(n))
}

/// Bytes from hex (an optional `0x` prefix allowed).
pub fn hex_bytes(s: &str) -> Result<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    if !s.len().is_multiple_of(2) {
        bail!("odd number of hex digits ({})", s.len());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16)
                .map_err(|_| anyhow!("`{}` at {i} is not hex", &s[i..i + 2]))
        })
        .collect()
}

/// The outcome as text: amounts in FIL, or exact attoFIL with `atto`; gas prices in
/// attoFIL per gas either way.
pub(crate) fn print_outcome(o: &skyr_vectors::exec::ExecOutcome, atto: bool) {
    let fil = |a: &TokenAmount| amount(a, atto);
    let m = &o.message;
    let r = &o.ret.receipt;
    let named = o.trace.tree.root.as_ref().and_then(|c| {
        let actor = o.trace.actor_of(c);
        skyr_vectors::names::method_name(&actor, c.method).map(|n| format!(" ({actor}.{n})"))
    });
    println!(
        "message  {} → {} method {}{}, value {}, sequence {}, gas limit {}, fee cap {}, premium {}, params {} bytes",
        m.from,
        m.to,
        m.method_num,
        named.unwrap_or_default(),
        fil(&m.value),
        m.sequence,
        m.gas_limit,
        per_gas(&m.gas_fee_cap),
        per_gas(&m.gas_premium),
        m.params.len()
    );
    println!("ran at   nv{}, epoch {}", o.network_version, o.epoch);
    println!("exit     {}", exit_label(r.exit_code.value()));
    println!("gas used {}", r.gas_used);
    let ret = r.return_data.bytes();
    if ret.is_empty() {
        println!("return   (none)");
    } else {
        println!("return   {} bytes: {}", ret.len(), hex(ret));
    }
    if let Some(e) = &r.events_root {
        println!("events   {} ({})", e, o.ret.events.len());
    }
    println!(
        "fees     base fee burn {}, over-estimation burn {}, miner tip {}, refund {}, miner penalty {}",
        fil(&o.ret.base_fee_burn),
        fil(&o.ret.over_estimation_burn),
        fil(&o.ret.miner_tip),
        fil(&o.ret.refund),
        fil(&o.ret.miner_penalty)
    );
    if let Some(f) = &o.ret.failure {
        println!("failure  {f}");
    }
    println!("state    {}", o.state_root);
}

/// The outcome as JSON (the README's schema).
pub(crate) fn outcome_json(o: &skyr_vectors::exec::ExecOutcome) -> Value {
    let m = &o.message;
    let r = &o.ret.receipt;
    json!({
        "message": {
            "from": m.from.to_string(),
            "to": m.to.to_string(),
            "sequence": m.sequence,
            "method": m.method_num,
            "value": m.value.atto().to_string(),
            "params": hex(m.params.bytes()),
            "gas_limit": m.gas_limit,
            "gas_fee_cap": m.gas_fee_cap.atto().to_string(),
            "gas_premium": m.gas_premium.atto().to_string(),
        },
        "network_version": o.network_version,
        "epoch": o.epoch,
        "receipt": {
            "exit_code": r.exit_code.value(),
            "exit_code_name": exit_code_name(r.exit_code.value()),
            "return": hex(r.return_data.bytes()),
            "gas_used": r.gas_used,
            "events_root": r.events_root.map(|c| c.to_string()),
        },
        "fees": {
            "base_fee_burn": o.ret.base_fee_burn.atto().to_string(),
            "over_estimation_burn": o.ret.over_estimation_burn.atto().to_string(),
            "miner_tip": o.ret.miner_tip.atto().to_string(),
            "refund": o.ret.refund.atto().to_string(),
            "miner_penalty": o.ret.miner_penalty.atto().to_string(),
            "gas_refund": o.ret.gas_refund,
            "gas_burned": o.ret.gas_burned,
        },
        "failure": o.ret.failure,
        "state_root": o.state_root.to_string(),
    })
}
