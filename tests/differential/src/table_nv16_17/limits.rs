//! Limits: gas (in WASM, in each charging syscall, at the edges), call depth, the WASM stack,
//! memory growth, traps and return values.
use fvm_shared::address::Address;
use skyr_test_program::{Op, METHOD_RUN};

use crate::genesis_skyr::ids;
use crate::programs::*;
use crate::scenario_nv16_17::{test_actor, Builder, Msg, Scenario};

fn scenario(name: &str, p: Vec<Op>) -> Scenario {
    Builder::new(format!("limits: {name}")).run(0, p).build()
}

fn with_gas(name: &str, gas: i64, p: Vec<Op>) -> Scenario {
    Builder::new(format!("limits: {name} with gas {gas}"))
        .msg(Msg::program(0, p).gas(gas))
        .build()
}

/// A program sending itself to `to` nested `depth` times (each level runs the next).
fn nest(depth: u32, to: Address) -> Vec<Op> {
    let mut p = vec![Op::Burn(1)];
    for _ in 0..depth {
        p = vec![Op::Send(to.to_bytes(), METHOD_RUN, encode(&p), vec![])];
    }
    p
}

pub fn scenarios() -> Vec<Scenario> {
    let mut v = Vec::new();
    // Gas in WASM: a sweep across the point where a loop runs out.
    for gas in [
        400_000i64, 450_000, 500_000, 600_000, 800_000, 1_500_000, 3_000_000,
    ] {
        v.push(with_gas("burn 1000", gas, vec![Op::Burn(1000)]));
    }
    v.push(with_gas(
        "burn forever",
        50_000_000,
        vec![Op::Burn(u64::MAX)],
    ));
    // Out of gas inside each charging syscall: enough gas to get there, not to finish.
    let charging: Vec<(&str, Vec<Op>)> = vec![
        (
            "block_create",
            vec![
                Op::Fill(0, 50_000, 1),
                call(
                    "ipld",
                    "block_create",
                    vec![ptr(RET), imm(0x71), ptr(0), imm(50_000)],
                ),
            ],
        ),
        ("block link", vec![Op::Big(100, 1)]),
        (
            "hash",
            vec![call(
                "crypto",
                "hash",
                vec![ptr(RET), imm(0xb220), ptr(0), imm(100), ptr(OUT), imm(32)],
            )],
        ),
        (
            "randomness",
            vec![call(
                "rand",
                "get_chain_randomness",
                vec![ptr(RET), imm(1), imm(1), ptr(0), imm(0)],
            )],
        ),
        (
            "gas charge",
            vec![
                write(0, b"x"),
                call("gas", "charge", vec![ptr(0), imm(1), imm(500_000)]),
            ],
        ),
        (
            "block_read",
            vec![
                Op::Big(10, 1),
                call(
                    "ipld",
                    "block_read",
                    vec![ptr(RET), imm(1), imm(0), ptr(0), imm(60_000)],
                ),
            ],
        ),
        (
            "block_open",
            vec![
                Op::Write(0, skyr::state_tree::empty_array_cid().to_bytes()),
                call("ipld", "block_open", vec![ptr(RET), ptr(0)]),
            ],
        ),
        ("self destruct", {
            let to = Address::new_id(ids::SECP[0]).to_bytes();
            vec![
                Op::Write(0, to.clone()),
                call("self", "self_destruct", vec![ptr(0), imm(to.len() as i64)]),
            ]
        }),
        (
            "create actor",
            vec![
                Op::Write(0, crate::genesis_skyr::bundle_code("multisig").to_bytes()),
                call("actor", "create_actor", vec![imm(7000), ptr(0)]),
            ],
        ),
        (
            "send to a new account",
            vec![Op::Send(
                crate::keys::SecpKey::from_seed(230).address().to_bytes(),
                0,
                vec![],
                vec![],
            )],
        ),
    ];
    for (name, p) in charging {
        for gas in (300_000i64..=1_300_000)
            .step_by(50_000)
            .chain([2_000_000, 3_000_000, 20_000_000])
        {
            v.push(with_gas(name, gas, p.clone()));
        }
    }
    // The big flat charges, swept across their edge.
    let big: Vec<(&str, Vec<Op>, std::ops::RangeInclusive<i64>)> = vec![
        (
            "recover secp key",
            vec![
                Op::Fill(100, 65, 1),
                call(
                    "crypto",
                    "recover_secp_public_key",
                    vec![ptr(RET), ptr(0), ptr(100)],
                ),
            ],
            1_700_000..=2_300_000,
        ),
        (
            "consensus fault check",
            vec![call(
                "crypto",
                "verify_consensus_fault",
                vec![ptr(RET), ptr(0), imm(4), ptr(0), imm(4), ptr(0), imm(0)],
            )],
            700_000..=1_300_000,
        ),
        (
            "unsealed sector cid",
            vec![
                Op::Write(0, vec![0x80]),
                call(
                    "crypto",
                    "compute_unsealed_sector_cid",
                    vec![ptr(RET), imm(0), ptr(0), imm(1), ptr(OUT), imm(100)],
                ),
            ],
            300_000..=900_000,
        ),
    ];
    for (name, p, range) in big {
        let (lo, hi) = (*range.start(), *range.end());
        for gas in (lo..=hi).step_by(((hi - lo) / 12) as usize) {
            v.push(with_gas(name, gas, p.clone()));
        }
    }
    let bls = crate::genesis_skyr::bls_key(0).address().to_bytes();
    let verify = vec![
        Op::Write(0, bls.clone()),
        call(
            "crypto",
            "verify_signature",
            vec![
                ptr(RET),
                imm(2),
                ptr(100),
                imm(96),
                ptr(0),
                imm(bls.len() as i64),
                ptr(0),
                imm(0),
            ],
        ),
    ];
    for gas in (16_000_000i64..=18_000_000).step_by(250_000) {
        v.push(with_gas("verify bls signature", gas, verify.clone()));
    }
    // Call depth: the top-level call plus 1024 nested sends succeed; one more fails.
    for depth in [1u32, 10, 100, 1022, 1023, 1024, 1025, 1100] {
        v.push(scenario(
            &format!("nested sends to self, depth {depth}"),
            nest(depth, Address::new_id(ids::TEST[0])),
        ));
    }
    v.push(scenario(
        "nested sends to the depth limit, each level deep in recursion",
        {
            let mut p = vec![Op::Recurse(200)];
            for _ in 0..1024 {
                p = vec![
                    Op::Recurse(200),
                    Op::Send(
                        Address::new_id(ids::TEST[0]).to_bytes(),
                        METHOD_RUN,
                        encode(&p),
                        vec![],
                    ),
                ];
            }
            p
        },
    ));
    v.push(scenario("nested sends between two actors, depth 300", {
        let mut p = vec![Op::Burn(1)];
        for i in 0..300 {
            p = vec![Op::Send(
                test_actor(i % 2).to_bytes(),
                METHOD_RUN,
                encode(&p),
                vec![1],
            )];
        }
        p
    }));
    // The WASM stack: recursion around the instrumented limit.
    for depth in (0..=200)
        .step_by(20)
        .chain((202..=250).step_by(2))
        // The edge under nv16-17: 220 runs, 221 is refused (LIMITS.md).
        .chain([219, 221])
        .chain((500..=2000).step_by(500))
    {
        v.push(scenario(
            &format!("recurse {depth}"),
            vec![Op::Recurse(depth)],
        ));
    }
    v.push(scenario("recurse 100000", vec![Op::Recurse(100_000)]));
    // Memory.
    for pages in [0u32, 1, 16, 1000, 16_384, 65_536, 70_000, u32::MAX] {
        v.push(scenario(
            &format!("grow {pages} pages"),
            vec![Op::Grow(pages), Op::Grow(0)],
        ));
    }
    v.push(scenario(
        "grow to exactly 4 GiB",
        vec![Op::Grow(0), Op::Grow(65_536 - 19), Op::Grow(1), Op::Grow(0)],
    ));
    v.push(scenario(
        "grow twice to the limit",
        vec![Op::Grow(30_000), Op::Grow(30_000), Op::Grow(10_000)],
    ));
    // Traps.
    for (kind, name) in [
        (0u8, "unreachable"),
        (1, "divide by zero"),
        (2, "out of bounds load"),
        (3, "null call"),
        (4, "bad float conversion"),
        (9, "default"),
    ] {
        v.push(scenario(
            &format!("trap {name}"),
            vec![Op::Burn(5), Op::Trap(kind)],
        ));
    }
    // Returns.
    for size in [0usize, 1, 100, 10_000, 1 << 20] {
        let mut data = vec![0x5a, 0x00, 0x00, 0x00, 0x00];
        data[1..5].copy_from_slice(&(size as u32).to_be_bytes());
        data.resize(5 + size, 7);
        v.push(
            Builder::new(format!("limits: return {size} bytes"))
                .msg(Msg::program(0, vec![Op::Return(data)]).gas(5_000_000_000))
                .build(),
        );
    }
    v.push(scenario("return handle 0", vec![Op::ReturnId(0)]));
    v.push(scenario("return a missing handle", vec![Op::ReturnId(9)]));
    v.push(scenario("return the params handle", vec![Op::ReturnId(1)]));
    v.push(with_gas(
        "return 1 MiB",
        5_000_000_000,
        vec![Op::Return({
            let mut d = vec![0x5a, 0, 0x10, 0, 0];
            d.resize(5 + (1 << 20), 1);
            d
        })],
    ));
    // Many messages in one scenario: state carries across.
    let mut b = Builder::new("limits: twenty messages in a row");
    for i in 0..20u32 {
        b = b.run(
            (i % 3) as usize,
            vec![Op::Big(i * 10 + 1, i as u8), Op::Burn(i as u64)],
        );
    }
    v.push(b.build());
    v
}
