//! An embedder's view of traces: run a real mainnet message with tracing on, read its events
//! as the machine recorded them, then as a call tree.
//!
//! ```text
//! cargo run -p skyr --example trace [VECTOR.json]
//! ```
//!
//! The default vector (`tests/mainnet/ext-0001-fil_9_multisig-Send-Ok-5.json`) holds the
//! mainnet state a BLS account's transfer to a multisig touched at epoch 2679639 (nv17). It
//! carries the bundle's manifest but no actor code, and the transfer runs none, so the
//! machine is told not to require code.
use std::io::Read;
use std::rc::Rc;

use anyhow::{anyhow, Context, Result};
use base64::Engine as _;
use skyr::blockstore::MemoryBlockstore;
use skyr::shared::message::Message;
use skyr::shared::version::NetworkVersion;
use skyr::trace::{CallNode, CallTree, TraceEvent};
use skyr::{AcceptAllProofs, ApplyKind, Engine, Executor, Machine, MachineConfig, TestExterns};

fn main() -> Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/mainnet/ext-0001-fil_9_multisig-Send-Ok-5.json"
        )
        .into()
    });
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let field = |p: &str| {
        v.pointer(p)
            .ok_or_else(|| anyhow!("{path}: no {p}"))
            .cloned()
    };

    // The state: the vector's CAR (base64, gzipped) in a memory blockstore.
    let b64 = base64::engine::general_purpose::STANDARD;
    let gz = b64.decode(field("/car")?.as_str().unwrap_or_default())?;
    let mut car = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_end(&mut car)?;
    let store = MemoryBlockstore::new();
    fvm_ipld_car::load_car_unchecked(&store, car.as_slice())
        .map_err(|e| anyhow!("{path}: the CAR: {e}"))?;
    let root = field("/preconditions/state_tree/root_cid/~1")?
        .as_str()
        .unwrap_or_default()
        .parse()?;
    let nv = field("/preconditions/variants/0/nv")?
        .as_u64()
        .unwrap_or_default();
    let epoch = field("/preconditions/variants/0/epoch")?
        .as_i64()
        .unwrap_or_default();
    let bytes = b64.decode(
        field("/apply_messages/0/bytes")?
            .as_str()
            .unwrap_or_default(),
    )?;
    let message: Message = fvm_ipld_encoding::from_slice(&bytes).context("the message")?;

    // Tracing is one switch on the machine's configuration.
    let mut config = MachineConfig::new(NetworkVersion::new(u32::try_from(nv)?), epoch, root);
    config.trace = true;
    config.require_code = false;
    if let Some(fee) = v.pointer("/preconditions/basefee").and_then(|b| b.as_str()) {
        config.base_fee = skyr::shared::econ::TokenAmount::from_atto(fee.parse::<u128>()?);
    }
    let engine = Engine::new()?;
    let machine = Machine::new(
        &engine,
        config,
        Rc::new(store),
        Rc::new(TestExterns),
        Rc::new(AcceptAllProofs),
    )?;
    let mut executor = Executor::new(machine);
    // A BLS sender: no signature bytes count towards the message's length on chain.
    let ret = executor.apply_message(&message, ApplyKind::Explicit, bytes.len())?;
    println!(
        "receipt: exit {}, gas used {}",
        ret.receipt.exit_code, ret.receipt.gas_used
    );

    // The hook: the events in execution order.
    for event in &ret.trace {
        match event {
            TraceEvent::Call {
                from, to, method, ..
            } => println!("call   f0{from} → {to} method {method}"),
            TraceEvent::Charge(c) => {
                println!("charge {} {} milligas", c.name, c.applied.as_milligas())
            }
            TraceEvent::Return { exit_code, .. } => println!("return exit {exit_code}"),
            other => println!("{other:?}"),
        }
    }

    // The same events as a tree, whose charges add up to the receipt's gas used.
    let tree = CallTree::build(&ret.trace).map_err(|e| anyhow!("the trace: {e}"))?;
    if let Some(root) = &tree.root {
        print_call(root, 0);
    }
    println!(
        "charged {} gas in all (the receipt says {})",
        tree.gas_applied(),
        ret.receipt.gas_used
    );
    Ok(())
}

fn print_call(call: &CallNode, depth: usize) {
    println!(
        "{:indent$}{} method {}: {} gas inclusive, {} own, {} charges",
        "",
        call.to,
        call.method,
        call.gas_inclusive(),
        call.gas_exclusive(),
        call.charges.len(),
        indent = depth * 2
    );
    for c in &call.calls {
        print_call(c, depth + 1);
    }
}
