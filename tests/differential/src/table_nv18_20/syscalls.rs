//! The syscalls fvm_sdk 3 added or changed, through their success paths and each error
//! number, with the charges Hygge put on them: message and network contexts, tipset CIDs,
//! delegated addresses, balances, next actor addresses, create_actor, gas left, events,
//! exit with data, sends with gas limits and flags, signatures on key addresses only,
//! per-byte hashing, block codecs and the memory limit.
use multihash_codetable::MultihashDigest;
use skyr::shared::address::Address;
use skyr_test_program::{Arg, Op, Out};

use super::basics::f410;
use crate::genesis_skyr::ids;
use crate::programs::{callv, cat, err, imm, ptr, write, BAD_PTR, OUT, RET, SLOT};
use crate::scenario_nv18_28::{
    call, test_actor, From, OfficialBuilder, OfficialMsg, OfficialScenario, Reach,
};

/// A program whose raw call (op 1 of a `callv`) must return `code`.
fn expect(name: &str, program: Vec<Op>, index: usize, code: u32) -> OfficialScenario {
    OfficialBuilder::new(format!("hygge syscall: {name}"))
        .msg(OfficialMsg::program(From::Secp(0), 0, program))
        .exits(0)
        .out(index, Out::Code(code))
        .build()
}

/// A value call with its return read back: outputs are [Done, Code, Bytes].
fn v(module: &str, name: &str, len: u32, args: Vec<Arg>) -> Vec<Op> {
    callv(module, name, len, args)
}

/// The DAG-CBOR of an event with these (flags, key, codec, value) entries.
pub fn event(entries: &[(u64, &str, u64, Vec<u8>)]) -> Vec<u8> {
    use skyr::shared::event::{ActorEvent, Entry, Flags};
    let e = ActorEvent {
        entries: entries
            .iter()
            .map(|(flags, key, codec, value)| Entry {
                flags: Flags::from_bits_retain(*flags),
                key: key.to_string(),
                codec: *codec,
                value: value.clone(),
            })
            .collect(),
    };
    fvm_ipld_encoding::to_vec(&e).expect("events encode")
}

/// Emits the event bytes written at scratch 0: outputs [Done, Code].
fn emit(bytes: &[u8]) -> Vec<Op> {
    vec![
        write(0, bytes),
        call("event", "emit_event", vec![ptr(0), imm(bytes.len() as i64)]),
    ]
}

/// Sends raw with `send.send`: the target address at scratch 100, the params block (a
/// program) created first; outputs [Done, Code(create), Done(fill), Code(send), Bytes(20)].
pub fn raw_send(to: &Address, program: &[Op], value: u64, gas_limit: u64, flags: u64) -> Vec<Op> {
    let params = fvm_ipld_encoding::to_vec(&program.to_vec()).expect("programs encode");
    let to = to.to_bytes();
    vec![
        write(100, &to),
        write(2000, &params),
        call(
            "ipld",
            "block_create",
            vec![ptr(SLOT), imm(0x71), ptr(2000), imm(params.len() as i64)],
        ),
        Op::Fill(RET, 64, 0),
        call(
            "send",
            "send",
            vec![
                ptr(RET),
                ptr(100),
                imm(to.len() as i64),
                imm(2),
                Arg::Load32(SLOT),
                imm(0),
                imm(value as i64),
                imm(gas_limit as i64),
                imm(flags as i64),
            ],
        ),
        Op::Read(RET, 20),
    ]
}

pub fn scenarios() -> Vec<OfficialScenario> {
    // Contexts.
    let mut s = vec![expect(
        "message context",
        v("vm", "message_context", 80, vec![]),
        1,
        0,
    )];
    s.push(
        OfficialBuilder::new("hygge syscall: message context with value")
            .msg(
                OfficialMsg::program(From::Bls(0), 1, v("vm", "message_context", 80, vec![]))
                    .value(777),
            )
            .exits(0)
            .out(1, Out::Code(0))
            .build(),
    );
    s.push(expect(
        "message context out of bounds",
        vec![call("vm", "message_context", vec![imm(BAD_PTR)])],
        0,
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(expect(
        "network context",
        v("network", "context", 44, vec![]),
        1,
        0,
    ));
    s.push(expect(
        "network context out of bounds",
        vec![call("network", "context", vec![imm(BAD_PTR)])],
        0,
        err::ILLEGAL_ARGUMENT,
    ));
    // Tipset CIDs: the current epoch is 1000.
    for (epoch, code) in [
        (999i64, 0u32),
        (998, 0),
        (500, 0),
        (101, 0),
        (100, err::ILLEGAL_ARGUMENT),
        (1000, err::ILLEGAL_ARGUMENT),
        (1001, err::ILLEGAL_ARGUMENT),
        (-1, err::ILLEGAL_ARGUMENT),
        (i64::MIN, err::ILLEGAL_ARGUMENT),
    ] {
        s.push(expect(
            &format!("tipset cid of epoch {epoch}"),
            cat(vec![
                vec![Op::Fill(OUT, 100, 0)],
                v(
                    "network",
                    "tipset_cid",
                    4,
                    vec![imm(epoch), ptr(OUT), imm(100)],
                ),
                vec![Op::Read(OUT, 40)],
            ]),
            2,
            code,
        ));
    }
    s.push(expect(
        "tipset cid into a short buffer",
        v(
            "network",
            "tipset_cid",
            4,
            vec![imm(999), ptr(OUT), imm(10)],
        ),
        1,
        err::BUFFER_TOO_SMALL,
    ));
    s.push(expect(
        "tipset cid into a buffer out of bounds",
        v(
            "network",
            "tipset_cid",
            4,
            vec![imm(999), imm(BAD_PTR), imm(100)],
        ),
        1,
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(
        OfficialBuilder::new("hygge syscall: an older tipset cid costs more")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                v(
                    "network",
                    "tipset_cid",
                    4,
                    vec![imm(999), ptr(OUT), imm(100)],
                ),
            ))
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                v(
                    "network",
                    "tipset_cid",
                    4,
                    vec![imm(990), ptr(OUT), imm(100)],
                ),
            ))
            .reach(Reach::Out(0, 1, Out::Code(0)))
            .reach(Reach::Out(1, 1, Out::Code(0)))
            .reach(Reach::MoreGas(1, 0))
            .build(),
    );
    // Delegated addresses and balances.
    let lookup = |id: u64, len: i64| {
        cat(vec![
            vec![Op::Fill(OUT, 100, 0)],
            v(
                "actor",
                "lookup_delegated_address",
                4,
                vec![imm(id as i64), ptr(OUT), imm(len)],
            ),
            vec![Op::Read(OUT, 30)],
        ])
    };
    s.push(expect(
        "delegated address of an account",
        lookup(ids::SECP[0], 100),
        2,
        0,
    ));
    s.push(expect(
        "delegated address of a missing actor",
        lookup(99_999, 100),
        2,
        err::NOT_FOUND,
    ));
    s.push(expect(
        "delegated address into a buffer out of bounds",
        v(
            "actor",
            "lookup_delegated_address",
            4,
            vec![imm(100), imm(BAD_PTR), imm(100)],
        ),
        1,
        err::ILLEGAL_ARGUMENT,
    ));
    for (len, code) in [
        (100i64, 0u32),
        (22, 0),
        (21, err::BUFFER_TOO_SMALL),
        (0, err::BUFFER_TOO_SMALL),
    ] {
        s.push(
            OfficialBuilder::new(format!(
                "hygge syscall: delegated address of a placeholder into {len} bytes"
            ))
            .msg(OfficialMsg::new(From::Secp(0), f410(3), 0).value(100))
            .msg(OfficialMsg::program(
                From::Secp(1),
                0,
                lookup(ids::FIRST_NEW, len),
            ))
            .reach(Reach::Exit(0, 0))
            .reach(Reach::Out(1, 2, Out::Code(code)))
            .build(),
        );
    }
    s.push(expect(
        "balance of an account",
        v("actor", "balance_of", 16, vec![imm(ids::SECP[2] as i64)]),
        1,
        0,
    ));
    s.push(expect(
        "balance of the burnt funds",
        v("actor", "balance_of", 16, vec![imm(99)]),
        1,
        0,
    ));
    s.push(expect(
        "balance of a missing actor",
        v("actor", "balance_of", 16, vec![imm(4242)]),
        1,
        err::NOT_FOUND,
    ));
    s.push(
        OfficialBuilder::new("hygge syscall: a first look at an actor costs a lookup")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                v("actor", "balance_of", 16, vec![imm(99)]),
            ))
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                v("actor", "balance_of", 16, vec![imm(ids::SECP[3] as i64)]),
            ))
            .reach(Reach::Out(0, 1, Out::Code(0)))
            .reach(Reach::MoreGas(1, 0))
            .build(),
    );
    // Next actor address and create_actor.
    for (len, code) in [(21i64, 0u32), (100, 0), (20, err::BUFFER_TOO_SMALL)] {
        s.push(expect(
            &format!("next actor address into {len} bytes"),
            v("actor", "next_actor_address", 4, vec![ptr(OUT), imm(len)]),
            1,
            code,
        ));
    }
    s.push(expect(
        "next actor address out of bounds",
        v(
            "actor",
            "next_actor_address",
            4,
            vec![imm(BAD_PTR), imm(21)],
        ),
        1,
        err::ILLEGAL_ARGUMENT,
    ));
    let code = crate::genesis_official::test_code(18).to_bytes();
    s.push(expect(
        "create actor from a test actor is forbidden",
        vec![
            write(0, &code),
            call(
                "actor",
                "create_actor",
                vec![imm(5000), ptr(0), imm(0), imm(0)],
            ),
        ],
        1,
        err::FORBIDDEN,
    ));
    s.push(expect(
        "create actor with a bad code cid",
        vec![call(
            "actor",
            "create_actor",
            vec![imm(5000), imm(BAD_PTR), imm(0), imm(0)],
        )],
        0,
        err::ILLEGAL_ARGUMENT,
    ));
    // Gas left.
    s.push(expect(
        "gas available",
        v("gas", "available", 8, vec![]),
        1,
        0,
    ));
    s.push(
        OfficialBuilder::new("hygge syscall: gas available under a lower limit")
            .msg(
                OfficialMsg::program(From::Secp(0), 0, v("gas", "available", 8, vec![]))
                    .gas(50_000_000),
            )
            .exits(0)
            .out(1, Out::Code(0))
            .build(),
    );
    // Events.
    let good = event(&[
        (3, "t1", 0x55, vec![1; 32]),
        (2, "d", 0x55, b"data".to_vec()),
    ]);
    s.push(
        OfficialBuilder::new("hygge syscall: emit an event")
            .msg(OfficialMsg::program(From::Secp(0), 0, emit(&good)))
            .exits(0)
            .out(1, Out::Code(0))
            .reach(Reach::Events(0))
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: emit two events, then more in a second message")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                cat(vec![emit(&good), emit(&event(&[]))]),
            ))
            .msg(OfficialMsg::program(
                From::Secp(0),
                1,
                emit(&event(&[(0, "k", 0x55, vec![])])),
            ))
            .reach(Reach::Events(0))
            .reach(Reach::Events(1))
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: events of a failed message are dropped")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                cat(vec![emit(&good), vec![Op::Abort(18, "no".into())]]),
            ))
            .exits(18)
            .build(),
    );
    for (name, bytes, code) in [
        ("not cbor", vec![0xff, 0x00], err::ILLEGAL_ARGUMENT),
        (
            "codec dag-cbor",
            event(&[(0, "k", 0x71, vec![1])]),
            err::ILLEGAL_CODEC,
        ),
        (
            "key of 33 bytes",
            event(&[(0, &"k".repeat(33), 0x55, vec![1])]),
            err::ILLEGAL_ARGUMENT,
        ),
        (
            "key of 32 bytes",
            event(&[(0, &"k".repeat(32), 0x55, vec![1])]),
            0,
        ),
        (
            "257 entries",
            event(&vec![(0u64, "k", 0x55u64, vec![]); 257]),
            err::ILLEGAL_ARGUMENT,
        ),
        (
            "256 entries",
            event(&vec![(0u64, "k", 0x55u64, vec![]); 256]),
            0,
        ),
        (
            "values over 8 KiB",
            event(&[(0, "a", 0x55, vec![7; 5000]), (0, "b", 0x55, vec![7; 4000])]),
            err::ILLEGAL_ARGUMENT,
        ),
        (
            "values of 8 KiB",
            event(&[(0, "a", 0x55, vec![7; 8192])]),
            0,
        ),
        // One below each limit.
        (
            "key of 31 bytes",
            event(&[(0, &"k".repeat(31), 0x55, vec![1])]),
            0,
        ),
        (
            "255 entries",
            event(&vec![(0u64, "k", 0x55u64, vec![]); 255]),
            0,
        ),
        (
            "values of 8 KiB less one byte",
            event(&[(0, "a", 0x55, vec![7; 8191])]),
            0,
        ),
        ("no entries", event(&[]), 0),
    ] {
        s.push(expect(
            &format!("emit an event: {name}"),
            emit(&bytes),
            1,
            code,
        ));
    }
    s.push(expect(
        "emit an event out of bounds",
        vec![call("event", "emit_event", vec![imm(BAD_PTR), imm(100)])],
        0,
        err::ILLEGAL_ARGUMENT,
    ));
    // Exit with data.
    let exit_with = |code: i64, data: &[u8]| {
        vec![
            write(0, data),
            call(
                "ipld",
                "block_create",
                vec![ptr(SLOT), imm(0x71), ptr(0), imm(data.len() as i64)],
            ),
            write(500, b"bye"),
            call(
                "vm",
                "exit",
                vec![imm(code), Arg::Load32(SLOT), ptr(500), imm(3)],
            ),
        ]
    };
    s.push(
        OfficialBuilder::new("hygge syscall: exit with a user code and data")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                exit_with(19, &[0x43, 1, 2, 3]),
            ))
            .exits(19)
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: exit with success and data")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                exit_with(0, &[0x43, 4, 5, 6]),
            ))
            .exits(0)
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: exit with a system code")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                exit_with(5, &[0x40]),
            ))
            .exits(9)
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: exit with a missing block")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                vec![call("vm", "exit", vec![imm(19), imm(77), imm(0), imm(0)])],
            ))
            .exits(10)
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: exit with a message out of bounds")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                vec![call(
                    "vm",
                    "exit",
                    vec![imm(20), imm(0), imm(BAD_PTR), imm(10)],
                )],
            ))
            .exits(20)
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: a callee's exit data reaches its caller")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                raw_send(
                    &test_actor(1),
                    &exit_with(21, &[0x42, 9, 9]),
                    0,
                    u64::MAX,
                    0,
                ),
            ))
            .exits(0)
            .out(4, Out::Code(0))
            .build(),
    );
    // Sends with gas limits and flags.
    let burn = vec![Op::Burn(2_000_000)];
    for (limit, name) in [
        (1_000_000u64, "too little"),
        (u64::MAX, "none"),
        (10_000_000_000, "more than left"),
    ] {
        s.push(
            OfficialBuilder::new(format!("hygge syscall: send with gas limit {name}"))
                .msg(OfficialMsg::program(
                    From::Secp(0),
                    0,
                    raw_send(&test_actor(1), &burn, 0, limit, 0),
                ))
                .exits(0)
                .out(4, Out::Code(0))
                .build(),
        );
    }
    s.push(
        OfficialBuilder::new("hygge syscall: send with a gas limit the callee runs out of")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                cat(vec![
                    raw_send(&test_actor(1), &burn, 0, 3_000_000, 0),
                    v("gas", "available", 8, vec![]),
                ]),
            ))
            .exits(0)
            .out(4, Out::Code(0))
            .out(7, Out::Code(0))
            .build(),
    );
    let set_root = vec![
        Op::Fill(0, 64, 0),
        call("self", "root", vec![ptr(RET), ptr(0), imm(64)]),
        call("self", "set_root", vec![ptr(0)]),
    ];
    s.push(
        OfficialBuilder::new("hygge syscall: read-only send: the callee cannot set its root")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                raw_send(&test_actor(1), &set_root, 0, u64::MAX, 1),
            ))
            .exits(0)
            .out(4, Out::Code(0))
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: read-only send: the callee cannot emit events")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                raw_send(&test_actor(1), &emit(&good), 0, u64::MAX, 1),
            ))
            .exits(0)
            .out(4, Out::Code(0))
            .build(),
    );
    s.push(
        OfficialBuilder::new("hygge syscall: read-only send: nested sends stay read-only")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                raw_send(
                    &test_actor(1),
                    &raw_send(&test_actor(2), &set_root, 0, u64::MAX, 0),
                    0,
                    u64::MAX,
                    1,
                ),
            ))
            .exits(0)
            .out(4, Out::Code(0))
            .build(),
    );
    s.push(expect(
        "read-only send with value",
        raw_send(&test_actor(1), &[], 5, u64::MAX, 1),
        4,
        err::READ_ONLY,
    ));
    s.push(expect(
        "read-only send to a new account",
        raw_send(
            &Address::new_secp256k1(&[7; 65]).expect("addr"),
            &[],
            0,
            u64::MAX,
            1,
        ),
        4,
        err::READ_ONLY,
    ));
    s.push(expect(
        "send with unknown flags",
        raw_send(&test_actor(1), &[], 0, u64::MAX, 2),
        4,
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(expect(
        "send to an f410 creates a placeholder",
        raw_send(&f410(9), &[], 1, u64::MAX, 0),
        4,
        0,
    ));
    s.push(expect(
        "send to a bad address",
        {
            let mut p = raw_send(&test_actor(1), &[], 0, u64::MAX, 0);
            p[0] = write(100, &[0x05, 1, 2]);
            p
        },
        4,
        err::ILLEGAL_ARGUMENT,
    ));
    // Signatures on key addresses only; hashing by the byte.
    s.push(expect(
        "verify a signature by an id address",
        {
            let a = Address::new_id(ids::SECP[0]).to_bytes();
            vec![
                write(0, &[1; 65]),
                write(100, &a),
                write(200, b"hello"),
                call(
                    "crypto",
                    "verify_signature",
                    vec![
                        ptr(RET),
                        imm(1),
                        ptr(0),
                        imm(65),
                        ptr(100),
                        imm(a.len() as i64),
                        ptr(200),
                        imm(5),
                    ],
                ),
            ]
        },
        3,
        err::ILLEGAL_ARGUMENT,
    ));
    for code in [0x12i64, 0xb220, 0xb240, 0x1b, 0x1053, 0x99] {
        let want = if code == 0x99 {
            err::ILLEGAL_ARGUMENT
        } else {
            0
        };
        s.push(expect(
            &format!("hash {code:#x} of 1000 bytes"),
            vec![
                Op::Fill(0, 1000, 0x5a),
                call(
                    "crypto",
                    "hash",
                    vec![ptr(RET), imm(code), ptr(0), imm(1000), ptr(OUT), imm(64)],
                ),
                Op::Read(OUT, 64),
            ],
            1,
            want,
        ));
    }
    // Block codecs.
    for (codec, code) in [
        (0x51i64, 0u32),
        (0x55, 0),
        (0x71, 0),
        (0x70, err::ILLEGAL_CODEC),
        (0x00, err::ILLEGAL_CODEC),
    ] {
        s.push(expect(
            &format!("create a block of codec {codec:#x}"),
            vec![
                write(0, &[0x82, 1, 2]),
                call(
                    "ipld",
                    "block_create",
                    vec![ptr(RET), imm(codec), ptr(0), imm(3)],
                ),
            ],
            1,
            code,
        ));
    }
    s.push(expect(
        "create and link a raw block",
        vec![
            write(0, b"raw bytes"),
            call(
                "ipld",
                "block_create",
                vec![ptr(SLOT), imm(0x55), ptr(0), imm(9)],
            ),
            call(
                "ipld",
                "block_link",
                vec![
                    ptr(RET),
                    Arg::Load32(SLOT),
                    imm(0xb220),
                    imm(32),
                    ptr(OUT),
                    imm(100),
                ],
            ),
            Op::Read(OUT, 40),
        ],
        2,
        0,
    ));
    // Memory: 512 MiB an instance.
    s.push(
        OfficialBuilder::new("hygge syscall: growing memory past the instance limit fails")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                vec![Op::Grow(8000), Op::Grow(400)],
            ))
            .exits(0)
            .reach(Reach::Out(0, 1, Out::Int(-1)))
            .build(),
    );
    // Blocks one byte below, at and one past 1 MiB (the test program's DAG-CBOR block of one
    // byte repeated, linked with blake2b-256: its CID is known).
    for (name, len) in [
        (BLOCK_BELOW_1_MIB, (1u32 << 20) - 1),
        (BLOCK_OF_1_MIB, 1 << 20),
        (BLOCK_PAST_1_MIB, (1 << 20) + 1),
    ] {
        let out = if len > 1 << 20 {
            Out::Code(err::LIMIT_EXCEEDED)
        } else {
            let digest = multihash_codetable::Code::Blake2b256.digest(&vec![7u8; len as usize]);
            Out::Bytes(cid::Cid::new_v1(fvm_ipld_encoding::DAG_CBOR, digest).to_bytes())
        };
        s.push(
            OfficialBuilder::new(name)
                .msg(
                    OfficialMsg::program(From::Secp(0), 0, vec![Op::Big(len, 7)])
                        .gas(10_000_000_000),
                )
                .exits(0)
                .out(0, out)
                .build(),
        );
    }
    s.push(memory_refused_for_the_instance_limit(
        "hygge syscall: a memory growth refused for the instance limit still counts",
        18,
    ));
    s.extend(recursion_at_the_stack_limit("hygge syscall: recurse", 18));
    // One page below, at and one past 512 MiB (8,192 pages).
    s.push(
        OfficialBuilder::new(MEMORY_TO_THE_INSTANCE_LIMIT)
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                vec![
                    Op::Grow(0),
                    Op::Grow(8192 - PROGRAM_PAGES - 1),
                    Op::Grow(1),
                    Op::Grow(1),
                    Op::Grow(0),
                ],
            ))
            .exits(0)
            .out(1, Out::Int(PROGRAM_PAGES.into()))
            .out(2, Out::Int(8191))
            .out(3, Out::Int(-1))
            .out(4, Out::Int(8192))
            .build(),
    );
    s.push(expect(
        "batch verify no seals",
        vec![
            write(0, &[0x80]),
            call(
                "crypto",
                "batch_verify_seals",
                vec![ptr(0), imm(1), ptr(OUT)],
            ),
        ],
        1,
        0,
    ));
    s
}

/// Pages the test program's memory holds when its first op runs: the module's initial 18
/// and one its allocator takes for the program (the fvm_sdk 3 and 4 actors alike).
pub const PROGRAM_PAGES: u32 = 19;

/// The scenario growing an instance's memory one page below, to and one page past 512 MiB.
pub const MEMORY_TO_THE_INSTANCE_LIMIT: &str =
    "hygge syscall: growing memory one page below, to and past the instance limit";

/// The limiters of fvm 3 and 4 count a memory growth the instance limit then refuses: four
/// nested instances of 500 MiB leave about 40 MiB of the call stack's 2 GiB, and the first
/// one's refused 25 MiB growth takes 25 of them, so the innermost instance's 6.25 MiB growths
/// stop sooner (what they returned is in the return value).
pub fn memory_refused_for_the_instance_limit(name: &str, nv: u32) -> OfficialScenario {
    let nested = |p: Vec<Op>| {
        vec![
            Op::Grow(8000),
            Op::Send(
                test_actor(0).to_bytes(),
                skyr_test_program::METHOD_RUN,
                crate::programs::encode(&p),
                vec![],
            ),
        ]
    };
    let innermost = vec![Op::Grow(100); 10];
    let mut top = nested(nested(nested(innermost)));
    top.insert(0, Op::Grow(8000));
    top.insert(1, Op::Grow(400));
    OfficialBuilder::new(name)
        .nv(nv)
        .msg(OfficialMsg::program(From::Secp(0), 0, top))
        .exits(0)
        .out(1, Out::Int(-1))
        .reach(Reach::SentExit(0, 3, 0))
        .build()
}

/// The test program's recursion one frame below, at and one past the WASM stack limit of
/// fvm 3 and 4 (2,048 slots, function costs as fvm-wasm-instrument 0.4 counts them: one slot
/// per local declaration group): 223 and 224 frames run, 225 trap (SYS_ILLEGAL_INSTRUCTION).
/// `name` gets the depth appended.
pub fn recursion_at_the_stack_limit(name: &str, nv: u32) -> Vec<OfficialScenario> {
    [(223u32, 0u32), (224, 0), (225, 4)]
        .into_iter()
        .map(|(depth, exit)| {
            let b = OfficialBuilder::new(format!("{name} {depth}"))
                .nv(nv)
                .msg(OfficialMsg::program(
                    From::Secp(0),
                    0,
                    vec![Op::Recurse(depth)],
                ))
                .exits(exit);
            if exit == 0 {
                b.reach(Reach::Completed(0, 1)).build()
            } else {
                b.build()
            }
        })
        .collect()
}

/// Scenarios creating a block one byte below, at and one byte past the 1 MiB limit (nv18–20:
/// under FIP-0071 the test program's junk DAG-CBOR is refused before its size matters).
pub const BLOCK_BELOW_1_MIB: &str = "hygge syscall: a block one byte below 1 MiB";
/// See [`BLOCK_BELOW_1_MIB`].
pub const BLOCK_OF_1_MIB: &str = "hygge syscall: a block of 1 MiB";
/// See [`BLOCK_BELOW_1_MIB`].
pub const BLOCK_PAST_1_MIB: &str = "hygge syscall: a block one byte past 1 MiB";
