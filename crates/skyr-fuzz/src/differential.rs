//! The differential targets: an input becomes a scenario, which runs on Skyr and on the
//! reference of its network version; any difference in a receipt field, a fee or a state
//! root (or one machine failing alone) fails the input. Both refusing at the same stage is
//! agreement too: generated inputs need not be runnable.
use arbitrary::Unstructured;
use fvm_ipld_blockstore::MemoryBlockstore;
use skyr_differential::genesis_skyr::GenesisEdit;
use skyr_differential::outcome::Outcome;
use skyr_differential::run_nv16_17::{self, Verdict};
use skyr_differential::run_nv18_28;
use skyr_differential::scenario_nv16_17::{Builder, Msg, Scenario, Sender};
use skyr_differential::scenario_nv18_28::{
    From as From3, OfficialBuilder, OfficialMsg, OfficialScenario,
};
use skyr_differential::table_nv16_17::generated;
use skyr_test_program::{Op, METHOD_RUN};

use crate::gen::{self, From, MessageSpec};
use crate::machines::{on_machines, Machines};
use crate::watch::guarded;
use crate::Reached;

/// One scenario of either machine generation.
enum Any {
    Fvm2(Scenario),
    Fvm3(OfficialScenario),
}

/// A network version among `versions` (never empty), picked by a byte.
fn pick_nv(byte: u8, versions: &[u32]) -> u32 {
    versions[usize::from(byte) % versions.len()]
}

/// The scenario of `specs` at `nv`, with `test_wasm` as the test actors' module.
fn scenario(name: &str, nv: u32, specs: &[MessageSpec], test_wasm: Option<Vec<u8>>) -> Any {
    if nv <= 17 {
        use fvm_shared2::version::NetworkVersion;
        let version = if nv == 16 {
            NetworkVersion::V16
        } else {
            NetworkVersion::V17
        };
        let mut b = Builder::new(name).nv(version).either();
        if let Some(w) = test_wasm {
            b = b.test_wasm(w);
        }
        for m in specs {
            b = b.msg(msg2(m));
        }
        Any::Fvm2(b.build())
    } else {
        let mut b = OfficialBuilder::new(name).nv(nv).either();
        if let Some(w) = test_wasm {
            b = b.test_wasm(w);
        }
        for m in specs {
            b = msg3(b, m);
        }
        Any::Fvm3(b.build())
    }
}

/// A spec in fvm 2's types (nv16–17 scenarios).
fn msg2(m: &MessageSpec) -> Msg {
    use fvm_shared2::address::Address;
    let to = Address::from_bytes(&m.to).unwrap_or_else(|_| Address::new_id(1000));
    let from = match m.from {
        From::Secp(i) => Sender::Secp(i),
        From::Bls(i) => Sender::Bls(i),
        From::Implicit(id) => Sender::Addr(Address::new_id(id)),
    };
    let mut out = Msg::new(from, to, m.method)
        .params(m.params.clone())
        .value(fvm_shared2::econ::TokenAmount::from_atto(m.value))
        .gas(m.gas_limit);
    if let Some(n) = m.sequence {
        out = out.sequence(n);
    }
    if matches!(m.from, From::Implicit(_)) {
        out = out.implicit();
    }
    out
}

/// A spec added to an nv18–28 scenario.
fn msg3(b: OfficialBuilder, m: &MessageSpec) -> OfficialBuilder {
    use skyr::shared::address::Address;
    let to = Address::from_bytes(&m.to).unwrap_or_else(|_| Address::new_id(1000));
    let from = match m.from {
        From::Secp(i) => From3::Secp(i),
        From::Bls(i) => From3::Bls(i),
        From::Implicit(id) => {
            return b.implicit_as(Address::new_id(id), to, m.method, m.params.clone())
        }
    };
    let mut out = OfficialMsg::new(from, to, m.method).params(m.params.clone());
    out.value = skyr::shared::econ::TokenAmount::from_atto(m.value);
    // A negative limit is a huge one in fvm 3's unsigned field; both machines refuse it.
    out.gas_limit = m.gas_limit as u64;
    if let Some(n) = m.sequence {
        out = out.sequence(n);
    }
    b.msg(out)
}

/// Every outcome is a valid receipt: an explicit message uses no more gas than its limit.
fn check_receipts(outcomes: &[Outcome], limits: &[(bool, i64)]) {
    for (i, (o, (implicit, limit))) in outcomes.iter().zip(limits).enumerate() {
        if !implicit && *limit > 0 {
            assert!(
                o.gas_used <= *limit,
                "message {i} used {} gas, past its limit {limit}",
                o.gas_used
            );
        }
        assert!(o.gas_used >= 0, "message {i} used negative gas");
    }
}

/// Runs a scenario on both machines; panics on any difference.
fn compare(m: &Machines, s: Any) -> Reached {
    match s {
        Any::Fvm2(s) => compare2(m, &s, || {
            let g = skyr_differential::genesis_skyr::build_for(&s)?;
            Ok((g.store, g.root))
        }),
        Any::Fvm3(s) => {
            let nv = s.nv;
            let Some(bundles) = &m.bundles else {
                return Reached::Nothing;
            };
            let limits: Vec<_> = s
                .messages
                .iter()
                .map(|m| (m.implicit, i64::try_from(m.message.gas_limit).unwrap_or(-1)))
                .collect();
            match run_nv18_28::compare(&m.engines3, bundles, &s) {
                Ok(out) if out.is_empty() => Reached::Refused,
                Ok(out) => {
                    check_receipts(&out, &limits);
                    Reached::Ran {
                        nv,
                        messages: out.len(),
                        syscalls: 0,
                    }
                }
                Err(e) => panic!("nv{nv}: Skyr and the reference differ: {e:#}\n{s:#?}"),
            }
        }
    }
}

/// Builds a scenario from `data` on the machines' thread (which knows the versions it can
/// run) and compares it there.
fn run_built(
    data: &[u8],
    build: impl FnOnce(&mut Unstructured, &Machines) -> Option<Any> + Send + 'static,
) -> Reached {
    let data = data.to_vec();
    guarded(move || {
        on_machines(move |m| {
            let mut u = Unstructured::new(&data);
            match build(&mut u, m) {
                Some(s) => compare(m, s),
                None => Reached::Nothing,
            }
        })
    })
}

/// Up to three messages to any actor with any method and CBOR params (built-in actors'
/// decoders and entry points), at any network version.
pub fn cbor_params(data: &[u8]) -> Reached {
    run_built(data, |u, m| {
        let (nv, specs) = version_and_messages(u, m, false)?;
        Some(scenario("fuzz: cbor params", nv, &specs, None))
    })
}

/// A network version `m` runs and one to three messages (test programs, with `programs`).
fn version_and_messages(
    u: &mut Unstructured,
    m: &Machines,
    programs: bool,
) -> Option<(u32, Vec<MessageSpec>)> {
    let nv = pick_nv(u.arbitrary().ok()?, m.versions());
    let n = 1 + u.int_in_range(0..=2usize).ok()?;
    let specs = (0..n)
        .map(|_| gen::message(u, programs))
        .collect::<arbitrary::Result<Vec<_>>>()
        .ok()?;
    Some((nv, specs))
}

/// Up to three messages running test programs (any syscalls with any arguments, sends,
/// traps, memory growth, recursion), at any network version; sometimes from a genesis
/// whose init actor or sender is at the end of its counter.
pub fn programs(data: &[u8]) -> Reached {
    run_built(data, |u, m| {
        let (nv, specs) = version_and_messages(u, m, true)?;
        let edit = match u.int_in_range(0..=15u8).unwrap_or(0) {
            0 => Some(GenesisEdit::InitNextId(u64::MAX)),
            1 => Some(GenesisEdit::Sequence(100, u64::MAX)),
            _ => None,
        };
        let mut s = scenario("fuzz: programs", nv, &specs, None);
        if let Some(e) = edit {
            match &mut s {
                Any::Fvm2(s) => s.genesis_edits.push(e),
                Any::Fvm3(s) => s.genesis_edits.push(e),
            }
        }
        Some(s)
    })
}

/// The messages a test actor replaced by another module gets: method 2 with a short
/// program (which real test actors run), the constructor's number, and a low gas limit.
fn module_messages() -> Vec<MessageSpec> {
    let program = vec![
        Op::Write(0, b"fuzz".to_vec()),
        Op::Call("network".into(), "total_fil_circ_supply".into(), vec![]),
        Op::Read(0, 4),
    ];
    let to = gen::id_address(1000);
    let spec = |method, params, gas_limit| MessageSpec {
        from: From::Secp(0),
        to: to.clone(),
        method,
        params,
        value: 0,
        gas_limit,
        sequence: None,
    };
    vec![
        spec(
            METHOD_RUN,
            fvm_ipld_encoding::to_vec(&program).unwrap_or_default(),
            300_000_000,
        ),
        spec(1, Vec::new(), 300_000_000),
        spec(METHOD_RUN, Vec::new(), 1_000_000),
    ]
}

/// A module wasm-smith builds from the input (MVP plus bulk memory, the FVM's features),
/// run as the test actor: at nv16–17 it may import the syscalls and calls each once first;
/// at nv18–28 it imports none.
pub fn modules(data: &[u8]) -> Reached {
    run_built(data, |u, m| {
        let nv = pick_nv(u.arbitrary().ok()?, m.versions());
        let flags: u8 = u.arbitrary().ok()?;
        let syscalls = nv <= 17 && flags & 1 == 1;
        let bulk = flags & 2 == 2 && !syscalls;
        let seed = skyr_differential::keys::blake2b(u.peek_bytes(u.len()).unwrap_or(&[]));
        let rest = u.bytes(u.len()).ok()?;
        let wasm = generated::module_from(rest, bulk, syscalls, &seed)?;
        Some(scenario("fuzz: module", nv, &module_messages(), Some(wasm)))
    })
}

/// The input's bytes as the test actor's module (the seeds are real actors, which the
/// fuzzer mutates), run where its imports say it was built for: a module naming fvm_sdk 4's
/// `verify_bls_aggregate` at nv21–28, one naming fvm_sdk 3's `message_context` at nv18–20,
/// any other at nv16–17 (the version within the range picked by the input's hash).
pub fn wasm_bytes(data: &[u8]) -> Reached {
    let hash = skyr_differential::keys::blake2b(data);
    let names = |n: &[u8]| data.windows(n.len()).any(|w| w == n);
    let range = if names(b"verify_bls_aggregate") {
        21..=28
    } else if names(b"message_context") {
        18..=20
    } else {
        16..=17
    };
    run_built(data, move |u, m| {
        let runs: Vec<u32> = range.filter(|v| m.versions().contains(v)).collect();
        if runs.is_empty() {
            return None;
        }
        let nv = pick_nv(hash[0], &runs);
        let wasm = u.bytes(u.len()).ok()?.to_vec();
        Some(scenario(
            "fuzz: wasm bytes",
            nv,
            &module_messages(),
            Some(wasm),
        ))
    })
}

/// A real mainnet message (nv17, on the state it ran on) with fields the input replaces:
/// receiver, method, params, value, gas limit, sequence; up to three in a row.
pub fn mainnet_messages(data: &[u8]) -> Reached {
    let data = data.to_vec();
    guarded(move || {
        on_machines(move |m| {
            let mut u = Unstructured::new(&data);
            let Some(state) = u.choose(&m.mainnet).ok() else {
                return Reached::Nothing;
            };
            let mut messages = Vec::new();
            let n = 1 + u.int_in_range(0..=2usize).unwrap_or(0);
            for i in 0..n {
                let Ok(spec) = gen::message(&mut u, false) else {
                    break;
                };
                let mut x = state.message.clone();
                x.sequence += i as u64;
                let mask: u8 = u.arbitrary().unwrap_or(0);
                if mask & 1 != 0 {
                    if let Ok(to) = fvm_shared2::address::Address::from_bytes(&spec.to) {
                        x.to = to;
                    }
                }
                if mask & 2 != 0 {
                    x.method_num = spec.method;
                }
                if mask & 4 != 0 {
                    x.params = spec.params.into();
                }
                if mask & 8 != 0 {
                    x.value = fvm_shared2::econ::TokenAmount::from_atto(spec.value);
                }
                if mask & 16 != 0 {
                    x.gas_limit = spec.gas_limit;
                }
                if let (true, Some(n)) = (mask & 32 != 0, spec.sequence) {
                    x.sequence = n;
                }
                messages.push(x);
            }
            if messages.is_empty() {
                return Reached::Nothing;
            }
            let mut s = state.scenario("fuzz", messages);
            s.either = true;
            compare2(m, &s, || state.store())
        })
    })
}

/// Runs an nv16–17 scenario on both machines from the state `start` builds.
fn compare2(
    m: &Machines,
    s: &Scenario,
    start: impl Fn() -> anyhow::Result<(std::rc::Rc<MemoryBlockstore>, cid::Cid)>,
) -> Reached {
    let nv = s.nv as u32;
    let limits: Vec<_> = s
        .messages
        .iter()
        .map(|m| (m.implicit, m.message.gas_limit))
        .collect();
    match run_nv16_17::compare_from(&m.engines, s, start) {
        Ok(Verdict::Same(c)) => {
            check_receipts(&c.skyr, &limits);
            Reached::Ran {
                nv,
                messages: c.skyr.len(),
                syscalls: c.skyr_syscalls.iter().sum(),
            }
        }
        Ok(Verdict::BothRefused(..)) => Reached::Refused,
        Err(e) => panic!("nv{nv}: Skyr and the reference differ: {e:#}\n{s:#?}"),
    }
}
