//! Context syscalls: vm, network, self balance, randomness, gas, debug and abort.
use super::common::*;
use crate::programs::*;
use crate::scenario_nv16_17::{Builder, Msg, Scenario};
use fvm_shared::econ::TokenAmount;
use fvm_shared::version::NetworkVersion;
use skyr_test_program::Op;

pub fn scenarios() -> Vec<Scenario> {
    let mut v = vec![scenario("vm context", callv("vm", "context", 52, vec![]))];
    v.push(
        Builder::new("syscall: vm context on nv16")
            .nv(NetworkVersion::V16)
            .run(0, callv("vm", "context", 52, vec![]))
            .build(),
    );
    v.push(
        Builder::new("syscall: vm context with value")
            .msg(
                Msg::program(1, callv("vm", "context", 52, vec![]))
                    .value(TokenAmount::from_atto(12345)),
            )
            .build(),
    );
    v.push(scenario(
        "base fee",
        callv("network", "base_fee", 16, vec![]),
    ));
    v.push(
        Builder::new("syscall: base fee 12345")
            .base_fee(12345)
            .run(0, callv("network", "base_fee", 16, vec![]))
            .build(),
    );
    v.push(scenario(
        "circulating supply",
        callv("network", "total_fil_circ_supply", 16, vec![]),
    ));
    v.push(scenario(
        "current balance",
        callv("self", "current_balance", 16, vec![]),
    ));
    for (name, module, f) in [
        ("chain", "rand", "get_chain_randomness"),
        ("beacon", "rand", "get_beacon_randomness"),
    ] {
        for (pers, round, entropy) in [
            (1i64, 10i64, 0usize),
            (2, 999, 32),
            (-5, -1, 5),
            (7, i64::MAX, 100),
            (0, 0, 0),
        ] {
            v.push(scenario(
                &format!("{name} randomness pers {pers} round {round} entropy {entropy}"),
                cat(vec![
                    vec![Op::Fill(0, entropy as u32, 0xab)],
                    callv(
                        module,
                        f,
                        32,
                        vec![imm(pers), imm(round), ptr(0), imm(entropy as i64)],
                    ),
                ]),
            ));
        }
        v.push(scenario(
            &format!("{name} randomness entropy out of bounds"),
            callv(module, f, 32, vec![imm(1), imm(1), imm(BAD_PTR), imm(100)]),
        ));
    }
    // Gas charges.
    for (name, amount) in [
        ("small", 1000i64),
        ("zero", 0),
        ("negative", -100_000),
        ("huge", i64::MAX),
        ("past the limit", 2_000_000_000),
    ] {
        v.push(scenario(
            &format!("gas charge {name}"),
            vec![
                write(0, b"my charge"),
                call("gas", "charge", vec![ptr(0), imm(9), imm(amount)]),
            ],
        ));
    }
    v.push(scenario(
        "gas charge with a non-utf8 name",
        vec![
            write(0, &[0xff, 0xfe]),
            call("gas", "charge", vec![ptr(0), imm(2), imm(10)]),
        ],
    ));
    v.push(scenario(
        "gas charge name out of bounds",
        vec![call("gas", "charge", vec![imm(BAD_PTR), imm(20), imm(10)])],
    ));
    // Debug, off and on.
    for debug in [false, true] {
        let mut b = |name: &str, p: Vec<Op>| {
            let mut s = Builder::new(format!(
                "syscall: debug {} {name}",
                if debug { "on" } else { "off" }
            ));
            if debug {
                s = s.debug();
            }
            v.push(s.run(0, p).build());
        };
        b("enabled", callv("debug", "enabled", 4, vec![]));
        b(
            "log",
            vec![
                write(0, b"hello log"),
                call("debug", "log", vec![ptr(0), imm(9)]),
            ],
        );
        b(
            "log non-utf8",
            vec![
                write(0, &[0xc3, 0x28]),
                call("debug", "log", vec![ptr(0), imm(2)]),
            ],
        );
        b(
            "log out of bounds",
            vec![call("debug", "log", vec![imm(BAD_PTR), imm(100)])],
        );
        for (aname, name) in [
            ("ok", "artifact"),
            ("empty", ""),
            ("dot", ".hidden"),
            ("slash", "a/b"),
        ] {
            b(
                &format!("store artifact {aname}"),
                vec![
                    write(0, name.as_bytes()),
                    write(300, b"data"),
                    call(
                        "debug",
                        "store_artifact",
                        vec![ptr(0), imm(name.len() as i64), ptr(300), imm(4)],
                    ),
                ],
            );
        }
        b(
            "store artifact name too long",
            vec![
                Op::Fill(0, 300, b'a'),
                call(
                    "debug",
                    "store_artifact",
                    vec![ptr(0), imm(300), ptr(400), imm(4)],
                ),
            ],
        );
    }
    // Abort.
    for code in [0u32, 1, 7, 15, 16, 17, 22, 255, 256, 1 << 20, u32::MAX] {
        v.push(scenario(
            &format!("abort with {code}"),
            vec![Op::Abort(code, "boom".into())],
        ));
    }
    v.push(scenario(
        "abort with a bad message pointer",
        vec![call("vm", "abort", vec![imm(20), imm(BAD_PTR), imm(10)])],
    ));
    v.push(scenario(
        "abort with a non-utf8 message",
        vec![
            write(0, &[0xff]),
            call("vm", "abort", vec![imm(20), ptr(0), imm(1)]),
        ],
    ));
    v.push(scenario(
        "unknown syscall name in the program",
        vec![call("vm", "nope", vec![])],
    ));
    v
}
