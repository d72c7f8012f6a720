//! Out of gas at the edge: messages that succeed, run again with exactly the gas they used
//! (they must succeed and use it all) and with one gas less (they must run out), covering
//! every charge Hygge added on the way: inclusion with the sender's update, actor lookups
//! and updates, value transfer, account and placeholder creation, invocation, memory at
//! instantiation, syscalls, events, the return value, and contract execution.
use skyr::shared::address::Address;
use skyr_test_program::Op;

use super::basics::f410;
use super::syscalls::{event, raw_send};
use crate::genesis_skyr::ids;
use crate::programs::{callv, cat, imm, ptr, write, OUT};
use crate::scenario_nv18_28::{
    call, test_actor, From, OfficialBuilder, OfficialMsg, OfficialScenario, Reach,
};

/// A send refused for call depth that had pushed a gas limit: the program at depth 1024 sends
/// with a limit as large as what is left (-2: u64::MAX - 1), then burns; message 1 does the
/// same without a limit (-1), which encodes to as many bytes. fvm 3 leaves the refused send's
/// limit pushed, so what the message used before it is never counted (message 0 uses less
/// gas); fvm 4 pops it (both use the same). `reach` says which.
pub fn depth_refusal_with_a_gas_limit(nv: u32, reach: Reach) -> OfficialScenario {
    let nested = |gas_limit: u64| {
        let mut p = raw_send(&test_actor(0), &[], 0, gas_limit, 0);
        p.push(Op::Burn(2000));
        for _ in 0..1023 {
            p = vec![Op::Send(
                test_actor(0).to_bytes(),
                skyr_test_program::METHOD_RUN,
                crate::programs::encode(&p),
                vec![],
            )];
        }
        p
    };
    OfficialBuilder::new("edge: a send refused for depth had pushed a gas limit")
        .nv(nv)
        .msg(OfficialMsg::program(From::Secp(0), 0, nested(u64::MAX - 1)))
        .exits(0)
        .msg(OfficialMsg::program(From::Secp(0), 0, nested(u64::MAX)))
        .exits(0)
        .reach(reach)
        .build()
}

pub fn scenarios() -> Vec<OfficialScenario> {
    let secp1 = Address::new_id(ids::SECP[1]);
    let good = event(&[(3, "t1", 0x55, vec![1; 32])]);
    let programs: Vec<(&str, Vec<Op>)> = vec![
        ("an empty program", vec![]),
        (
            "a balance lookup of a new actor",
            callv("actor", "balance_of", 16, vec![imm(99)]),
        ),
        (
            "an event",
            vec![
                write(0, &good),
                call("event", "emit_event", vec![ptr(0), imm(good.len() as i64)]),
            ],
        ),
        (
            "hashing 2000 bytes",
            vec![
                Op::Fill(0, 2000, 7),
                call(
                    "crypto",
                    "hash",
                    vec![ptr(OUT), imm(0x1b), ptr(0), imm(2000), ptr(OUT), imm(32)],
                ),
            ],
        ),
        ("growing memory by 3 pages", vec![Op::Grow(3)]),
        (
            "a nested send with value",
            raw_send(&test_actor(2), &[Op::Burn(100)], 5, u64::MAX, 0),
        ),
        (
            "a large return value",
            vec![Op::Return(
                vec![0x59, 0x03, 0xe8]
                    .into_iter()
                    .chain([9u8; 1000])
                    .collect(),
            )],
        ),
        ("burning 5000 rounds", vec![Op::Burn(5000)]),
    ];
    let mut s = vec![
        OfficialBuilder::new("edge: transfer to an account")
            .msg(OfficialMsg::new(From::Secp(0), secp1, 0).value(10))
            .edge()
            .build(),
        OfficialBuilder::new("edge: transfer from a BLS account")
            .msg(OfficialMsg::new(From::Bls(1), secp1, 0).value(10))
            .edge()
            .build(),
        OfficialBuilder::new("edge: transfer creating an account")
            .msg(
                OfficialMsg::new(
                    From::Secp(0),
                    Address::new_secp256k1(&[5; 65]).expect("addr"),
                    0,
                )
                .value(10),
            )
            .edge()
            .build(),
        OfficialBuilder::new("edge: transfer creating a placeholder")
            .msg(OfficialMsg::new(From::Secp(0), f410(0x55), 0).value(10))
            .edge()
            .build(),
        OfficialBuilder::new("edge: a placeholder's first message")
            .msg(OfficialMsg::new(From::Secp(0), f410(0x56), 0).value_whole(1))
            .msg(OfficialMsg::new(From::Addr(f410(0x56)), secp1, 0).value(1))
            .edge()
            .build(),
    ];
    for (name, p) in programs {
        s.push(
            OfficialBuilder::new(format!("edge: {name}"))
                .msg(OfficialMsg::program(From::Secp(0), 0, cat(vec![p])))
                .edge()
                .build(),
        );
    }
    s.extend(super::fevm::edge_scenarios());
    s.push(depth_refusal_with_a_gas_limit(18, Reach::MoreGas(1, 0)));
    s
}
