//! Actor syscalls (resolve, code, types, new addresses, creation) and the init actor's Exec.
use super::common::*;
use crate::genesis_skyr::{bls_key, ids, secp_key};
use crate::keys::SecpKey;
use crate::programs::*;
use crate::scenario_nv16_17::{Builder, Msg, Scenario};
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use skyr_test_program::{Op, METHOD_RUN};

pub fn scenarios() -> Vec<Scenario> {
    let mut v = Vec::new();
    let targets = [
        ("id", Address::new_id(ids::SECP[0])),
        ("secp key", secp_key(1).address()),
        ("bls key", bls_key(0).address()),
        ("unknown key", SecpKey::from_seed(150).address()),
        ("unknown f2", Address::new_actor(b"x")),
    ];
    for (name, a) in &targets {
        let (w, args) = addr_args(a);
        v.push(scenario(
            &format!("resolve {name}"),
            cat(vec![vec![w], callv("actor", "resolve_address", 8, args)]),
        ));
    }
    v.push(scenario(
        "resolve garbage address",
        cat(vec![
            vec![write(0, &[9, 9, 9])],
            callv("actor", "resolve_address", 8, vec![ptr(0), imm(3)]),
        ]),
    ));
    // An f4 (delegated) address: no such protocol before network version 18, so the
    // reference could not decode it.
    let delegated: Vec<u8> = [vec![4u8, 10], vec![0xaa; 20]].concat();
    v.push(scenario(
        "resolve a delegated (f4) address",
        cat(vec![
            vec![write(0, &delegated)],
            callv(
                "actor",
                "resolve_address",
                8,
                vec![ptr(0), imm(delegated.len() as i64)],
            ),
        ]),
    ));
    v.push(scenario(
        "send to a delegated (f4) address",
        cat(vec![
            vec![write(0, &delegated)],
            callv(
                "send",
                "send",
                20,
                vec![
                    ptr(0),
                    imm(delegated.len() as i64),
                    imm(0),
                    imm(0),
                    imm(0),
                    imm(0),
                ],
            ),
        ]),
    ));
    v.push(scenario(
        "self destruct to a delegated (f4) address",
        vec![
            write(0, &delegated),
            call(
                "self",
                "self_destruct",
                vec![ptr(0), imm(delegated.len() as i64)],
            ),
        ],
    ));
    v.push(scenario(
        "resolve out of bounds",
        callv("actor", "resolve_address", 8, vec![imm(BAD_PTR), imm(20)]),
    ));
    for (id, len) in [
        (0u64, 100i64),
        (1, 100),
        (ids::TEST[1], 100),
        (ids::SECP[0], 100),
        (55_555, 100),
        (0, 10),
        (0, 0),
    ] {
        v.push(scenario(
            &format!("code of {id} into {len} bytes"),
            cat(vec![
                vec![clear_out()],
                callv(
                    "actor",
                    "get_actor_code_cid",
                    4,
                    vec![imm(id as i64), ptr(OUT), imm(len)],
                ),
                vec![read_out(40)],
            ]),
        ));
    }
    v.push(scenario(
        "code into a bad buffer",
        callv(
            "actor",
            "get_actor_code_cid",
            4,
            vec![imm(0), imm(BAD_PTR), imm(100)],
        ),
    ));
    for name in ["system", "init", "account", "multisig", "skyrtest"] {
        v.push(scenario(
            &format!("builtin type of {name}"),
            cat(vec![
                vec![write(0, &code_cid(name))],
                callv("actor", "get_builtin_actor_type", 4, vec![ptr(0)]),
            ]),
        ));
    }
    v.push(scenario(
        "builtin type of a non-code cid",
        cat(vec![
            vec![write(0, &skyr::state_tree::empty_array_cid().to_bytes())],
            callv("actor", "get_builtin_actor_type", 4, vec![ptr(0)]),
        ]),
    ));
    v.push(scenario(
        "builtin type of garbage",
        cat(vec![
            vec![write(0, &[0xff])],
            callv("actor", "get_builtin_actor_type", 4, vec![ptr(0)]),
        ]),
    ));
    for typ in [-1i64, 0, 1, 4, 12, 13, 14, 1000] {
        v.push(scenario(
            &format!("code cid of type {typ}"),
            cat(vec![
                vec![clear_out()],
                callv(
                    "actor",
                    "get_code_cid_for_type",
                    4,
                    vec![imm(typ), ptr(OUT), imm(100)],
                ),
                vec![read_out(40)],
            ]),
        ));
    }
    v.push(scenario(
        "code cid of type into 5 bytes",
        callv(
            "actor",
            "get_code_cid_for_type",
            4,
            vec![imm(4), ptr(OUT), imm(5)],
        ),
    ));
    for len in [0i64, 20, 21, 100] {
        v.push(scenario(
            &format!("new actor address into {len} bytes"),
            cat(vec![
                vec![clear_out()],
                callv("actor", "new_actor_address", 4, vec![ptr(OUT), imm(len)]),
                callv(
                    "actor",
                    "new_actor_address",
                    4,
                    vec![ptr(OUT + 40), imm(len)],
                ),
                vec![read_out(80)],
            ]),
        ));
    }
    v.push(scenario(
        "new actor address into a bad buffer",
        callv(
            "actor",
            "new_actor_address",
            4,
            vec![imm(BAD_PTR), imm(100)],
        ),
    ));
    for (name, code, id) in [
        ("multisig at a new id", "multisig", 5000u64),
        ("multisig at an existing id", "multisig", ids::SECP[0]),
        ("a singleton", "cron", 5001),
        ("the system actor", "system", 5002),
        ("an account", "account", 5003),
        ("a test actor", "skyrtest", 5004),
    ] {
        v.push(scenario(
            &format!("create {name}"),
            cat(vec![
                vec![
                    write(0, &code_cid(code)),
                    call("actor", "create_actor", vec![imm(id as i64), ptr(0)]),
                ],
                callv(
                    "actor",
                    "get_actor_code_cid",
                    4,
                    vec![imm(id as i64), ptr(OUT), imm(100)],
                ),
            ]),
        ));
    }
    v.push(scenario(
        "create with a non-code cid",
        vec![
            write(0, &skyr::state_tree::empty_array_cid().to_bytes()),
            call("actor", "create_actor", vec![imm(5005), ptr(0)]),
        ],
    ));
    v.push(scenario(
        "create with a garbage cid",
        vec![
            write(0, &[0x01]),
            call("actor", "create_actor", vec![imm(5005), ptr(0)]),
        ],
    ));
    // A created test actor runs programs, by ID.
    v.push(
        Builder::new("syscall: create a test actor and call it")
            .run(
                0,
                vec![
                    write(0, &code_cid("skyrtest")),
                    call("actor", "create_actor", vec![imm(6000), ptr(0)]),
                ],
            )
            .msg(
                Msg::new(
                    crate::scenario_nv16_17::Sender::Secp(0),
                    Address::new_id(6000),
                    METHOD_RUN,
                )
                .params(encode(&[Op::Burn(3)])),
            )
            .build(),
    );
    // Init Exec of a test actor.
    let exec = fvm_ipld_encoding::to_vec(&(
        cid::Cid::read_bytes(code_cid("skyrtest").as_slice()).expect("cid"),
        fvm_ipld_encoding::RawBytes::new(vec![]),
    ))
    .expect("encode");
    let exec_multisig = fvm_ipld_encoding::to_vec(&(
        cid::Cid::read_bytes(code_cid("multisig").as_slice()).expect("cid"),
        fvm_ipld_encoding::RawBytes::new(vec![]),
    ))
    .expect("encode");
    let exec_account = fvm_ipld_encoding::to_vec(&(
        cid::Cid::read_bytes(code_cid("account").as_slice()).expect("cid"),
        fvm_ipld_encoding::RawBytes::new(vec![]),
    ))
    .expect("encode");
    let init = Address::new_id(1);
    let me = crate::scenario_nv16_17::Sender::Secp(0);
    v.push(
        Builder::new("init exec: test actor, twice, with value, then call it")
            .msg(
                Msg::new(me, init, 2)
                    .params(exec.clone())
                    .value(TokenAmount::from_whole(5)),
            )
            .msg(Msg::new(me, init, 2).params(exec.clone()))
            .msg(
                Msg::new(me, Address::new_id(ids::FIRST_NEW), METHOD_RUN)
                    .params(encode(&[Op::Burn(1)])),
            )
            .build(),
    );
    v.push(
        Builder::new("init exec: multisig stub (constructor unhandled)")
            .msg(Msg::new(me, init, 2).params(exec_multisig))
            .build(),
    );
    v.push(
        Builder::new("init exec: account is forbidden")
            .msg(Msg::new(me, init, 2).params(exec_account))
            .build(),
    );
    v.push(
        Builder::new("init exec: garbage params")
            .msg(Msg::new(me, init, 2).params(vec![0x83, 1]))
            .build(),
    );
    v.push(
        Builder::new("init constructor from an account")
            .msg(Msg::new(me, init, 1).params(vec![0x81, 0x61, 0x61]))
            .build(),
    );
    v.push(
        Builder::new("init unknown method")
            .msg(Msg::new(me, init, 3))
            .build(),
    );
    v.push(
        Builder::new("system unknown method")
            .msg(Msg::new(me, Address::new_id(0), 2))
            .build(),
    );
    v.push(
        Builder::new("system constructor from an account")
            .msg(Msg::new(me, Address::new_id(0), 1))
            .build(),
    );
    v.push(
        Builder::new("stub actor method")
            .msg(Msg::new(me, Address::new_id(2), 5))
            .build(),
    );
    v
}
