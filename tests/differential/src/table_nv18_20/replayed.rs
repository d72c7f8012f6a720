//! The nv16–17 table's program scenarios replayed under Hygge: every scenario whose messages
//! all run test programs to their end, using only syscalls fvm_sdk 3 still has with the same
//! shape. Each must run every op of every program on both machines (its reach), and agree.
use skyr_test_program::{Op, Program, METHOD_RUN};

use crate::genesis_skyr::ids;
use crate::scenario_nv18_28::{OfficialMessageSpec, OfficialScenario, Reach};

/// Syscalls whose name fvm_sdk 3 keeps with the same arguments.
const SAME_SHAPE: &[(&str, &str)] = &[
    ("actor", "resolve_address"),
    ("actor", "get_actor_code_cid"),
    ("actor", "get_builtin_actor_type"),
    ("actor", "get_code_cid_for_type"),
    ("crypto", "verify_signature"),
    ("crypto", "recover_secp_public_key"),
    ("crypto", "hash"),
    ("crypto", "compute_unsealed_sector_cid"),
    ("crypto", "verify_post"),
    ("crypto", "verify_consensus_fault"),
    ("crypto", "verify_aggregate_seals"),
    ("crypto", "verify_replica_update"),
    ("crypto", "batch_verify_seals"),
    ("debug", "enabled"),
    ("debug", "log"),
    ("debug", "store_artifact"),
    ("gas", "charge"),
    ("ipld", "block_open"),
    ("ipld", "block_create"),
    ("ipld", "block_read"),
    ("ipld", "block_stat"),
    ("ipld", "block_link"),
    ("network", "total_fil_circ_supply"),
    ("rand", "get_chain_randomness"),
    ("rand", "get_beacon_randomness"),
    ("self", "root"),
    ("self", "set_root"),
    ("self", "current_balance"),
    ("self", "self_destruct"),
];

/// Scenarios whose programs end early under Hygge's prices or checks, with where they end:
/// (scenario, message, exit code). They stay in the table with that as their reach.
const ENDS_EARLY: &[(&str, usize, u32)] = &[
    // Missing state is fatal for both.
    ("ipld: open a missing block", 0, 10),
    ("ipld: open a missing block with gas limit 9e17", 0, 10),
    ("ipld: open a raw block (identity-free raw codec)", 0, 10),
    // 1 MiB stored at 3,340 gas a byte is past 3 billion gas.
    ("ipld: big block 1 MiB", 0, 7),
    ("ipld: big block 1 MiB with gas 3000000000", 0, 7),
    // The amount is unsigned under fvm_sdk 3: "negative" is huge.
    ("syscall: gas charge negative", 0, 7),
    ("syscall: gas charge huge", 0, 7),
    ("syscall: gas charge past the limit", 0, 7),
    ("syscall: callee runs out of gas", 0, 7),
    // The deleted actor is gone: the second message has no receiver.
    (
        "syscall: self destruct, then message the deleted actor",
        1,
        5,
    ),
    // Growing memory costs 26,214.4 gas a page under Hygge.
    ("limits: grow 65536 pages", 0, 7),
    ("limits: grow 70000 pages", 0, 7),
    ("limits: grow 4294967295 pages", 0, 7),
    ("limits: grow to exactly 4 GiB", 0, 7),
    ("limits: grow twice to the limit", 0, 7),
];

/// Scenarios both machines refuse under Hygge (fvm 3's flush reads strings within bounds).
const REFUSED: &[&str] = &["ipld: flush with a root block of truncated string"];

/// Whether an op runs to the next one under both ABIs alike.
/// Syscalls fvm_sdk 4 reshaped (FIP-0073, FIP-0075): not replayed where the rules use it.
const RESHAPED_IN_SDK4: &[(&str, &str)] = &[
    ("rand", "get_chain_randomness"),
    ("rand", "get_beacon_randomness"),
    ("self", "self_destruct"),
];

/// Scenarios whose ending FIP-0071 changed: opening a block the invocation was never handed
/// is `NotFound` (not a fatal error), and a DAG-CBOR block is scanned when created, so a
/// malformed one (1 MiB of one byte, a truncated string) is refused with `Serialization`
/// before it can be linked or flushed. Under reachability these run to their end.
const CHANGED_BY_FIP_0071: &[&str] = &[
    "ipld: open a missing block",
    "ipld: open a missing block with gas limit 9e17",
    "ipld: open a raw block (identity-free raw codec)",
    "ipld: big block 1 MiB",
    "ipld: big block 1 MiB with gas 3000000000",
    "ipld: flush with a root block of truncated string",
];

fn replayable(op: &Op, sdk4: bool) -> bool {
    match op {
        Op::Call(m, f, _) => {
            let name = (m.as_str(), f.as_str());
            SAME_SHAPE.contains(&name) && !(sdk4 && RESHAPED_IN_SDK4.contains(&name))
        }
        Op::Return(_) | Op::ReturnId(_) | Op::Abort(..) | Op::Trap(_) => false,
        Op::Recurse(n) => *n < 100,
        _ => true,
    }
}

/// The program a message runs, if it runs one on a test actor.
fn program_of(m: &fvm_shared::message::Message) -> Option<Program> {
    let to = m.to.id().ok()?;
    if !ids::TEST.contains(&to) || m.method_num != METHOD_RUN {
        return None;
    }
    fvm_ipld_encoding::from_slice(m.params.bytes()).ok()
}

pub fn scenarios() -> Vec<OfficialScenario> {
    scenarios_at(18)
}

/// The replayed programs under the rules of network version `nv` (18 to 28).
pub fn scenarios_at(nv: u32) -> Vec<OfficialScenario> {
    let rules = skyr::rules::rules_for_number(nv).expect("nv18-28 have rules");
    let sdk4 = rules.abi == skyr::rules::Abi::Sdk4;
    let fip71 = |name: &str| rules.tracks_reachability && CHANGED_BY_FIP_0071.contains(&name);
    let mut out = Vec::new();
    'scenarios: for s in crate::table_nv16_17::all() {
        if s.test_wasm.is_some() || s.expect_refusal || s.either || s.checks_proofs {
            continue;
        }
        let mut messages = Vec::new();
        let mut reach = Vec::new();
        for (i, m) in s.messages.iter().enumerate() {
            let Some(program) = program_of(&m.message) else {
                continue 'scenarios;
            };
            if m.implicit
                || m.message.gas_limit < crate::scenario_nv16_17::GAS_LIMIT
                || !program.iter().all(|op| replayable(op, sdk4))
                || program.is_empty()
            {
                continue 'scenarios;
            }
            let Ok(message) = crate::bridge::message(&m.message) else {
                continue 'scenarios;
            };
            match ENDS_EARLY
                .iter()
                .find(|(n, k, _)| *n == s.name && *k == i && !fip71(n))
            {
                Some((_, _, code)) => reach.push(Reach::Exit(i, *code)),
                None => reach.push(Reach::Completed(i, program.len())),
            }
            messages.push(OfficialMessageSpec {
                message,
                raw_length: m.raw_length,
                implicit: false,
                epoch: None,
                proofs: None,
            });
        }
        if messages.is_empty() {
            continue;
        }
        out.push(OfficialScenario {
            name: format!("replayed: {}", s.name),
            nv,
            epoch: s.epoch,
            base_fee: crate::bridge::tokens(&s.base_fee),
            messages,
            reach,
            expect_refusal: REFUSED.contains(&s.name.as_str()) && !fip71(&s.name),
            edge: None,
            builtins: false,
            genesis_edits: s.genesis_edits.clone(),
            test_wasm: None,
            either: false,
            proofs: Default::default(),
        });
    }
    out
}
