//! Sends from actors, self-destruct, and reverts across nested calls.
use super::common::*;
use crate::genesis_skyr::{ids, GenesisEdit};
use crate::keys::SecpKey;
use crate::programs::*;
use crate::scenario_nv16_17::{test_actor, Builder, Scenario};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use skyr_test_program::{Op, METHOD_RUN};

/// The scenario whose init actor hands out its last ID: new f1 addresses of seeds 172 and 173
/// get u64::MAX and then 0.
pub const INIT_COUNTER_WRAPS: &str = "syscall: send to new f1s when init's next ID is u64::MAX";

pub fn scenarios() -> Vec<Scenario> {
    let mut v = Vec::new();
    let me = Address::new_id(ids::TEST[0]);
    let other = test_actor(1);
    let fil = TokenAmount::from_whole;
    let be = |t: TokenAmount| t.atto().to_bytes_be().1;
    let send = |to: Address, method: u64, params: Vec<u8>, value: TokenAmount| {
        Op::Send(to.to_bytes(), method, params, be(value))
    };
    v.push(scenario(
        "send value to an account",
        vec![send(Address::new_id(ids::SECP[1]), 0, vec![], fil(1))],
    ));
    v.push(scenario(
        "send value to a new f1",
        vec![send(SecpKey::from_seed(170).address(), 0, vec![], fil(1))],
    ));
    v.push(scenario(
        "send to a new f1 with a method",
        vec![send(SecpKey::from_seed(171).address(), 2, vec![], fil(0))],
    ));
    // The init actor's counter at its end: the reference (a release build, as nodes run it)
    // hands out u64::MAX, then wraps to 0 and hands that out, over the system actor.
    v.push(
        Builder::new(INIT_COUNTER_WRAPS)
            .edit(GenesisEdit::InitNextId(u64::MAX))
            .run(
                0,
                vec![send(SecpKey::from_seed(172).address(), 0, vec![], fil(1))],
            )
            .run(
                0,
                vec![send(SecpKey::from_seed(173).address(), 0, vec![], fil(1))],
            )
            .build(),
    );
    v.push(scenario(
        "send to a missing id",
        vec![send(Address::new_id(44_444), 0, vec![], fil(0))],
    ));
    v.push(scenario(
        "send more than the balance",
        vec![send(other, 0, vec![], fil(1_000_000))],
    ));
    v.push(scenario(
        "send to self with value",
        vec![send(me, 0, vec![], fil(1))],
    ));
    v.push(scenario(
        "send a program to another test actor",
        vec![send(
            other,
            METHOD_RUN,
            encode(&[Op::Burn(10), Op::Return(vec![0x82, 1, 2])]),
            fil(2),
        )],
    ));
    v.push(scenario(
        "send to a failing actor",
        vec![send(
            other,
            METHOD_RUN,
            encode(&[Op::Abort(33, "no".into())]),
            fil(2),
        )],
    ));
    v.push(scenario(
        "a failing callee's state changes are reverted",
        vec![
            send(
                other,
                METHOD_RUN,
                encode(&[Op::Big(10, 1), Op::Abort(33, "no".into())]),
                fil(2),
            ),
            Op::Send(
                other.to_bytes(),
                METHOD_RUN,
                encode(&callv("self", "current_balance", 16, vec![])),
                vec![],
            ),
        ],
    ));
    v.push(scenario(
        "send with unparseable params to a test actor",
        vec![send(other, METHOD_RUN, vec![0xff, 0xff], fil(0))],
    ));
    v.push(scenario(
        "send to an unhandled method",
        vec![send(other, 77, vec![], fil(0))],
    ));
    v.push(scenario(
        "send to a stub actor",
        vec![send(Address::new_id(2), 9, vec![], fil(0))],
    ));
    v.push(scenario(
        "send with a bad address",
        vec![
            write(0, &[0x03, 1]),
            callv(
                "send",
                "send",
                20,
                vec![ptr(0), imm(2), imm(0), imm(0), imm(0), imm(0)],
            )
            .remove(1),
        ],
    ));
    // send(to, method, params handle, value high, value low) with raw arguments.
    for (name, method, params, hi, lo) in [
        ("send with a bad params handle", 2, 77, 0, 0),
        ("send with a raw value above u64", 0, 0, 1, 0),
    ] {
        let (w, mut args) = addr_args(&other);
        args.extend([imm(method), imm(params), imm(hi), imm(lo)]);
        v.push(scenario(
            name,
            cat(vec![vec![w], callv("send", "send", 20, args)]),
        ));
    }
    v.push(scenario(
        "send returns a block that is read back",
        vec![send(
            other,
            METHOD_RUN,
            encode(&[Op::Return(vec![0x43, 1, 2, 3])]),
            fil(0),
        )],
    ));
    v.push(scenario(
        "callee returns a bad handle",
        vec![send(other, METHOD_RUN, encode(&[Op::ReturnId(55)]), fil(0))],
    ));
    v.push(scenario(
        "callee traps",
        vec![send(other, METHOD_RUN, encode(&[Op::Trap(0)]), fil(0))],
    ));
    v.push(scenario(
        "callee runs out of gas",
        vec![send(
            other,
            METHOD_RUN,
            encode(&[Op::Burn(u64::MAX)]),
            fil(0),
        )],
    ));
    // Self destruct.
    let sd = |to: &Address| {
        let b = to.to_bytes();
        vec![
            write(0, &b),
            call("self", "self_destruct", vec![ptr(0), imm(b.len() as i64)]),
        ]
    };
    v.push(scenario(
        "self destruct to an account",
        cat(vec![
            sd(&Address::new_id(ids::SECP[1])),
            callv("self", "current_balance", 16, vec![]),
            callv("self", "root", 4, vec![ptr(OUT), imm(100)]),
        ]),
    ));
    v.push(scenario("self destruct to self", sd(&me)));
    v.push(scenario(
        "self destruct to a missing actor",
        sd(&Address::new_id(45_454)),
    ));
    v.push(scenario(
        "self destruct to an unknown key",
        sd(&SecpKey::from_seed(180).address()),
    ));
    v.push(scenario(
        "self destruct with a garbage address",
        vec![
            write(0, &[4]),
            call("self", "self_destruct", vec![ptr(0), imm(1)]),
        ],
    ));
    v.push(scenario(
        "self destruct twice, then set root",
        cat(vec![
            sd(&Address::new_id(ids::SECP[1])),
            sd(&Address::new_id(ids::SECP[1])),
            vec![
                write(300, &skyr::state_tree::empty_array_cid().to_bytes()),
                call("self", "set_root", vec![ptr(300)]),
            ],
        ]),
    ));
    v.push(
        Builder::new("syscall: self destruct, then message the deleted actor")
            .run(0, sd(&Address::new_id(ids::SECP[1])))
            .run(0, vec![Op::Burn(1)])
            .build(),
    );
    v.push(scenario(
        "self destruct with zero balance",
        cat(vec![
            vec![send(Address::new_id(ids::SECP[1]), 0, vec![], fil(1000))],
            sd(&Address::new_id(55_555)),
        ]),
    ));
    // Nested sends and reverts across three actors.
    let inner = encode(&[Op::Big(64, 9), Op::Abort(40, "inner".into())]);
    let middle = encode(&[
        Op::Send(test_actor(2).to_bytes(), METHOD_RUN, inner, vec![1]),
        Op::Return(vec![0x01]),
    ]);
    v.push(scenario(
        "nested: inner abort is seen by the middle",
        vec![Op::Send(other.to_bytes(), METHOD_RUN, middle, vec![])],
    ));
    v
}
