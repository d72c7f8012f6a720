//! The syscalls fvm_sdk 4 changed or added, through their success paths and each error
//! number, with the Watermelon charges on them: events as packed entries (FIP-0072, the CBOR
//! codec of FIP-0083), randomness as the node's digest priced by lookback (FIP-0075, with
//! ref-fvm #2056's future epochs and #2034's negative ones), tipset CIDs past the old 900
//! epochs, self-destruct that burns (FIP-0073), BLS aggregates (FIP-0079), and IPLD
//! reachability (FIP-0071): what an invocation may open, link to and set as its root.
use multihash_codetable::{Code, MultihashDigest};
use skyr_test_program::{Arg, Op, Out};

use crate::genesis_skyr::bls_key;
use crate::keys::aggregate_bls;
use crate::programs::{callv, callv_slot, cat, err, imm, ptr, write, BAD_PTR, OUT, RET, SLOT};
use crate::scenario_nv18_28::{
    call, test_actor, From, OfficialBuilder, OfficialMsg, OfficialScenario, Reach,
};
use crate::table_nv18_20::raw_send;

/// Exit code of a message that ran out of gas.
const SYS_OUT_OF_GAS: u32 = 7;

const RAW: u64 = 0x55;
const CBOR: u64 = 0x51;
const DAG_CBOR: u64 = 0x71;

/// Where packed event headers, keys and values are written.
const HEADERS: u32 = 0;
const KEYS: u32 = 20_000;
const VALUES: u32 = 30_000;

/// A scenario whose program's output `index` must be `code` (the message succeeds).
fn expect(name: &str, program: Vec<Op>, index: usize, code: u32) -> OfficialScenario {
    OfficialBuilder::new(format!("fvm_sdk 4: {name}"))
        .nv(21)
        .msg(OfficialMsg::program(From::Secp(0), 0, program))
        .exits(0)
        .out(index, Out::Code(code))
        .build()
}

/// A read-only call of test actor 1 running `inner`, whose outputs must be `outs`: the
/// callee's return block is read back after the send.
fn read_only(name: &str, inner: Vec<Op>, outs: Vec<Out>) -> OfficialScenario {
    let expected = fvm_ipld_encoding::to_vec(&outs).expect("outputs encode");
    let program = cat(vec![
        raw_send(&test_actor(1), &inner, 0, u64::MAX, 1),
        vec![
            Op::Fill(OUT, 256, 0),
            call(
                "ipld",
                "block_read",
                vec![
                    ptr(SLOT + 8),
                    Arg::Load32(RET + 4),
                    imm(0),
                    ptr(OUT),
                    imm(expected.len() as i64),
                ],
            ),
            Op::Read(OUT, expected.len() as u32),
        ],
    ]);
    OfficialBuilder::new(format!("fvm_sdk 4: {name}"))
        .nv(21)
        .msg(OfficialMsg::program(From::Secp(0), 0, program))
        .exits(0)
        .out(4, Out::Code(err::OK))
        .out(8, Out::Bytes(expected))
        .build()
}

/// One packed entry header: flags, codec, key length, value length.
fn header(flags: u64, codec: u64, key_len: u32, val_len: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&flags.to_le_bytes());
    h.extend_from_slice(&codec.to_le_bytes());
    h.extend_from_slice(&key_len.to_le_bytes());
    h.extend_from_slice(&val_len.to_le_bytes());
    h
}

/// Emits `n` headers, keys and values written to scratch: outputs [Done ×3, Code].
fn emit_raw(headers: &[u8], n: i64, keys: &[u8], values: &[u8]) -> Vec<Op> {
    vec![
        write(HEADERS, headers),
        write(KEYS, keys),
        write(VALUES, values),
        call(
            "event",
            "emit_event",
            vec![
                ptr(HEADERS),
                imm(n),
                ptr(KEYS),
                imm(keys.len() as i64),
                ptr(VALUES),
                imm(values.len() as i64),
            ],
        ),
    ]
}

/// Emits an event of (flags, key, codec, value) entries.
fn emit(entries: &[(u64, &str, u64, &[u8])]) -> Vec<Op> {
    let mut headers = Vec::new();
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for (flags, key, codec, value) in entries {
        headers.extend(header(*flags, *codec, key.len() as u32, value.len() as u32));
        keys.extend_from_slice(key.as_bytes());
        values.extend_from_slice(value);
    }
    emit_raw(&headers, entries.len() as i64, &keys, &values)
}

fn events() -> Vec<OfficialScenario> {
    let mut s = Vec::new();
    let ok = |name: &str, entries: &[(u64, &str, u64, &[u8])]| {
        OfficialBuilder::new(format!("fvm_sdk 4: event {name}"))
            .nv(21)
            .msg(OfficialMsg::program(From::Secp(0), 0, emit(entries)))
            .exits(0)
            .out(3, Out::Code(err::OK))
            .reach(Reach::Events(0))
            .build()
    };
    s.push(ok("of one raw entry", &[(3, "t1", RAW, b"value")]));
    s.push(ok(
        "with a CBOR value (FIP-0083)",
        &[(1, "k", CBOR, &[0x82, 1, 2])],
    ));
    s.push(ok(
        "of three entries and a 31-byte key",
        &[
            (0, "a", RAW, b""),
            (2, "0123456789012345678901234567890", RAW, &[7; 100]),
            (1, "é", RAW, b"x"),
        ],
    ));
    s.push(ok("with no entries", &[]));
    s.push(ok("with 8 KiB of values", &[(0, "big", RAW, &[9; 8192])]));
    // One below and at each limit (past them: the refusals below).
    s.push(ok(
        "with 8 KiB less one byte of values",
        &[(0, "big", RAW, &[9; 8191])],
    ));
    s.push(ok("with 255 entries", &vec![(0, "k", RAW, &[][..]); 255]));
    s.push(ok("with 254 entries", &vec![(0, "k", RAW, &[][..]); 254]));
    s.push(ok(
        "with a 31-byte key",
        &[(0, "0123456789012345678901234567890", RAW, b"v")],
    ));
    s.push(ok(
        "with a 30-byte key",
        &[(0, "012345678901234567890123456789", RAW, b"v")],
    ));
    let bad = |name: &str, program: Vec<Op>, code: u32| {
        expect(&format!("event {name}"), program, 3, code)
    };
    s.push(bad(
        "with a DAG-CBOR value",
        emit(&[(0, "k", DAG_CBOR, &[1])]),
        err::ILLEGAL_CODEC,
    ));
    s.push(bad(
        "with 256 entries",
        emit_raw(&header(0, RAW, 0, 0).repeat(256), 256, b"", b""),
        err::LIMIT_EXCEEDED,
    ));
    s.push(bad(
        "with values past 8 KiB",
        emit(&[(0, "a", RAW, &[1; 4097]), (0, "b", RAW, &[1; 4096])]),
        err::LIMIT_EXCEEDED,
    ));
    s.push(bad(
        "with a 32-byte key",
        emit(&[(0, "01234567890123456789012345678901", RAW, b"v")]),
        err::LIMIT_EXCEEDED,
    ));
    s.push(bad(
        "with keys that are not UTF-8",
        emit_raw(&header(0, RAW, 2, 0), 1, &[0xff, 0xfe], b""),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "with unknown flags",
        emit(&[(4, "k", RAW, b"v")]),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "with a value length past the limit",
        emit_raw(&header(0, RAW, 1, 8193), 1, b"k", b"v"),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "with a key past the keys buffer",
        emit_raw(&header(0, RAW, 3, 1), 1, b"k", b"v"),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "with a key cut inside a character",
        emit_raw(
            &[header(0, RAW, 1, 0), header(0, RAW, 1, 0)].concat(),
            2,
            "é".as_bytes(),
            b"",
        ),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "with key bytes left over",
        emit_raw(&header(0, RAW, 1, 1), 1, b"kk", b"v"),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "with value bytes left over",
        emit_raw(&header(0, RAW, 1, 1), 1, b"k", b"vv"),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(bad(
        "whose header count overflows",
        emit_raw(b"", 0x1000_0000, b"", b""),
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(expect(
        "event headers out of bounds",
        vec![call(
            "event",
            "emit_event",
            vec![imm(BAD_PTR), imm(1), ptr(KEYS), imm(0), ptr(VALUES), imm(0)],
        )],
        0,
        err::ILLEGAL_ARGUMENT,
    ));
    s.push(read_only(
        "event in a read-only call",
        emit(&[(0, "k", RAW, b"v")]),
        vec![Out::Done, Out::Done, Out::Done, Out::Code(err::READ_ONLY)],
    ));
    s
}

fn randomness() -> Vec<OfficialScenario> {
    let mut s = Vec::new();
    for (name, epoch, code) in [
        ("chain randomness one epoch back", 999i64, err::OK),
        ("chain randomness at the current epoch", 1000, err::OK),
        ("chain randomness 100000 epochs back", -99_000, err::OK),
        (
            "chain randomness of a lookback that overflows",
            i64::MIN,
            err::ILLEGAL_ARGUMENT,
        ),
    ] {
        s.push(expect(
            name,
            callv("rand", "get_chain_randomness", 32, vec![imm(epoch)]),
            1,
            code,
        ));
    }
    s.push(expect(
        "beacon randomness ten epochs back",
        callv("rand", "get_beacon_randomness", 32, vec![imm(990)]),
        1,
        err::OK,
    ));
    s.push(expect(
        "beacon randomness with its return out of bounds",
        vec![call(
            "rand",
            "get_beacon_randomness",
            vec![imm(BAD_PTR), imm(990)],
        )],
        0,
        err::ILLEGAL_ARGUMENT,
    ));
    // ref-fvm #2056: a future epoch is a huge lookback, priced past any gas limit.
    for beacon in [false, true] {
        let f = if beacon {
            "get_beacon_randomness"
        } else {
            "get_chain_randomness"
        };
        s.push(
            OfficialBuilder::new(format!("fvm_sdk 4: {f} of a future epoch runs out of gas"))
                .nv(21)
                .msg(OfficialMsg::program(
                    From::Secp(0),
                    0,
                    callv("rand", f, 32, vec![imm(1001)]),
                ))
                .exits(SYS_OUT_OF_GAS)
                .build(),
        );
    }
    s
}

fn tipsets() -> Vec<OfficialScenario> {
    let mut s = Vec::new();
    for (name, epoch, code) in [
        (
            "tipset CID 950 epochs back (refused before fvm 4)",
            50i64,
            err::OK,
        ),
        ("tipset CID of epoch 0", 0, err::OK),
        ("tipset CID one epoch back", 999, err::OK),
        (
            "tipset CID of the current epoch",
            1000,
            err::ILLEGAL_ARGUMENT,
        ),
        ("tipset CID of a future epoch", 1001, err::ILLEGAL_ARGUMENT),
        ("tipset CID of a negative epoch", -1, err::ILLEGAL_ARGUMENT),
    ] {
        s.push(expect(
            name,
            cat(vec![
                vec![Op::Fill(OUT, 64, 0)],
                callv(
                    "network",
                    "tipset_cid",
                    4,
                    vec![imm(epoch), ptr(OUT), imm(64)],
                ),
                vec![Op::Read(OUT, 40)],
            ]),
            2,
            code,
        ));
    }
    s
}

fn self_destruct() -> Vec<OfficialScenario> {
    let destruct = |burn: i64| call("self", "self_destruct", vec![imm(burn)]);
    let mut s = vec![
        expect(
            "self-destruct keeping funds is refused",
            vec![destruct(0)],
            0,
            err::ILLEGAL_OPERATION,
        ),
        expect("self-destruct burning funds", vec![destruct(1)], 0, err::OK),
        expect(
            "self-destruct twice (the second finds nothing to burn)",
            vec![destruct(7), destruct(0)],
            1,
            err::OK,
        ),
        expect(
            "state root after self-destruct",
            cat(vec![
                vec![destruct(1)],
                callv("self", "root", 4, vec![ptr(OUT), imm(64)]),
            ]),
            2,
            err::ILLEGAL_OPERATION,
        ),
    ];
    s.push(read_only(
        "self-destruct in a read-only call",
        vec![destruct(1)],
        vec![Out::Code(err::READ_ONLY)],
    ));
    s.push(
        OfficialBuilder::new("fvm_sdk 4: a burnt actor is gone")
            .nv(21)
            .msg(OfficialMsg::program(From::Secp(0), 2, vec![destruct(1)]))
            .exits(0)
            .msg(OfficialMsg::program(From::Secp(0), 2, vec![]))
            .exits(5)
            .build(),
    );
    s
}

fn bls_aggregates() -> Vec<OfficialScenario> {
    // Keys 0 and 1 sign their own plaintexts.
    let texts: [&[u8]; 2] = [b"first plaintext", b"second"];
    let keys: Vec<Vec<u8>> = (0..2).map(|i| bls_key(i).public_key()).collect();
    let sigs: Vec<Vec<u8>> = (0..2).map(|i| bls_key(i).sign(texts[i])).collect();
    let lens = |ls: &[u32]| ls.iter().flat_map(|l| l.to_le_bytes()).collect::<Vec<u8>>();
    const SIG: u32 = 0;
    const KEYS_AT: u32 = 200;
    const TEXTS: u32 = 400;
    const LENS: u32 = 800;
    let verify = |n: i64, sig: &[u8], keys: &[u8], texts: &[u8], ls: &[u8]| {
        cat(vec![
            vec![
                write(SIG, sig),
                write(KEYS_AT, keys),
                write(TEXTS, texts),
                write(LENS, ls),
            ],
            callv(
                "crypto",
                "verify_bls_aggregate",
                4,
                vec![imm(n), ptr(SIG), ptr(KEYS_AT), ptr(TEXTS), ptr(LENS)],
            ),
        ])
    };
    let both_texts = [texts[0], texts[1]].concat();
    let both_lens = lens(&[texts[0].len() as u32, texts[1].len() as u32]);
    let mut s = Vec::new();
    let mut valid = |name: &str, program: Vec<Op>, verdict: i32| {
        s.push(
            OfficialBuilder::new(format!("fvm_sdk 4: BLS aggregate {name}"))
                .nv(21)
                .msg(OfficialMsg::program(From::Secp(0), 0, program))
                .exits(0)
                .out(5, Out::Code(err::OK))
                .out(6, Out::Bytes(verdict.to_le_bytes().to_vec()))
                .build(),
        );
    };
    valid(
        "of one signer",
        verify(
            1,
            &sigs[0],
            &keys[0],
            texts[0],
            &lens(&[texts[0].len() as u32]),
        ),
        0,
    );
    valid(
        "of two signers",
        verify(
            2,
            &aggregate_bls(&sigs),
            &keys.concat(),
            &both_texts,
            &both_lens,
        ),
        0,
    );
    valid("of no signers", verify(0, &[0; 96], b"", b"", b""), 0);
    valid(
        "over the wrong plaintext",
        verify(
            1,
            &sigs[0],
            &keys[0],
            texts[1],
            &lens(&[texts[1].len() as u32]),
        ),
        -1,
    );
    valid(
        "with duplicate plaintexts",
        verify(
            2,
            &aggregate_bls(&[bls_key(0).sign(b"same"), bls_key(1).sign(b"same")]),
            &keys.concat(),
            b"samesame",
            &lens(&[4, 4]),
        ),
        -1,
    );
    valid(
        "with a signature that is no curve point",
        verify(
            1,
            &[0xff; 96],
            &keys[0],
            texts[0],
            &lens(&[texts[0].len() as u32]),
        ),
        -1,
    );
    let bad = |name: &str, program: Vec<Op>| {
        expect(
            &format!("BLS aggregate {name}"),
            program,
            5,
            err::ILLEGAL_ARGUMENT,
        )
    };
    // (Lengths whose u32 sum wraps are refused the same way in a release build of the
    // reference; its test build panics there instead, so they are not compared.)
    s.push(bad(
        "with plaintext lengths past memory",
        verify(
            2,
            &sigs[0],
            &keys.concat(),
            &both_texts,
            &lens(&[0x7fff_ffff, 0x7fff_ffff]),
        ),
    ));
    s.push(bad(
        "with a signer count that overflows",
        verify(0x0600_0000, &sigs[0], b"", b"", b""),
    ));
    s.push(expect(
        "BLS aggregate with the signature out of bounds",
        callv(
            "crypto",
            "verify_bls_aggregate",
            4,
            vec![imm(1), imm(BAD_PTR), ptr(KEYS_AT), ptr(TEXTS), ptr(LENS)],
        ),
        1,
        err::ILLEGAL_ARGUMENT,
    ));
    s
}

/// A DAG-CBOR list holding these CIDs.
fn list_of(cids: &[cid::Cid]) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(&cids.to_vec()).expect("CIDs encode")
}

/// Creates a block of `codec` from `data` at scratch 0; its handle at [`SLOT`]: outputs
/// [Done, Code, Bytes].
fn create(codec: u64, data: &[u8]) -> Vec<Op> {
    cat(vec![
        vec![write(0, data)],
        callv_slot(
            "ipld",
            "block_create",
            4,
            vec![imm(codec as i64), ptr(0), imm(data.len() as i64)],
        ),
    ])
}

fn reachability() -> Vec<OfficialScenario> {
    let mut s = Vec::new();
    // Blocks no invocation has been handed: the EAM's empty state, a raw block nobody holds.
    let empty_array = cid::Cid::new_v1(DAG_CBOR, Code::Blake2b256.digest(&[0x80]));
    let stranger = cid::Cid::new_v1(RAW, Code::Blake2b256.digest(b"nobody links here"));
    let open = |c: &cid::Cid| {
        cat(vec![
            vec![write(1000, &c.to_bytes())],
            callv("ipld", "block_open", 16, vec![ptr(1000)]),
        ])
    };
    s.push(expect(
        "opening a block before reading the root",
        open(&empty_array),
        2,
        err::NOT_FOUND,
    ));
    s.push(expect(
        "opening the state root once read",
        cat(vec![
            callv("self", "root", 4, vec![ptr(OUT), imm(64)]),
            vec![call("ipld", "block_open", vec![ptr(RET), ptr(OUT)])],
        ]),
        3,
        err::OK,
    ));
    s.push(expect(
        "setting an unreachable root",
        vec![
            write(1000, &stranger.to_bytes()),
            call("self", "set_root", vec![ptr(1000)]),
        ],
        1,
        err::NOT_FOUND,
    ));
    // Link a raw block, then make it the root of a list linking it: all reachable.
    let linked = cid::Cid::new_v1(RAW, Code::Blake2b256.digest(b"payload"));
    let link_then = |then: Vec<Op>| {
        cat(vec![
            create(RAW, b"payload"),
            vec![call(
                "ipld",
                "block_link",
                vec![
                    ptr(RET),
                    Arg::Load32(SLOT),
                    imm(0xb220),
                    imm(32),
                    ptr(OUT),
                    imm(64),
                ],
            )],
            then,
        ])
    };
    s.push(expect(
        "a block linking a linked block",
        link_then(create(DAG_CBOR, &list_of(&[linked]))),
        5,
        err::OK,
    ));
    s.push(expect(
        "opening a linked block",
        link_then(open(&linked)),
        6,
        err::OK,
    ));
    s.push(expect(
        "setting a linked block as root",
        link_then(vec![call("self", "set_root", vec![ptr(OUT)])]),
        4,
        err::OK,
    ));
    s.push(expect(
        "a block linking an unreachable block",
        create(DAG_CBOR, &list_of(&[stranger])),
        1,
        err::NOT_FOUND,
    ));
    let sha = cid::Cid::new_v1(RAW, Code::Sha2_256.digest(b"payload"));
    s.push(expect(
        "a block linking with sha2-256",
        create(DAG_CBOR, &list_of(&[sha])),
        1,
        err::NOT_FOUND,
    ));
    let inline = |inner: &[u8]| {
        cid::Cid::new_v1(
            DAG_CBOR,
            multihash_codetable::Multihash::wrap(0, inner).expect("short inline block"),
        )
    };
    s.push(expect(
        "an inline block hiding an unreachable link",
        create(DAG_CBOR, &list_of(&[inline(&list_of(&[stranger]))])),
        1,
        err::NOT_FOUND,
    ));
    s.push(expect(
        "an inline block of plain data",
        create(DAG_CBOR, &list_of(&[inline(&[0x83, 1, 2, 3])])),
        1,
        err::OK,
    ));
    let commitment = cid::Cid::new_v1(0xf101, Code::Sha2_256.digest(b"piece"));
    s.push(expect(
        "a sector commitment is no link",
        create(DAG_CBOR, &list_of(&[commitment])),
        1,
        err::OK,
    ));
    let dag_pb = cid::Cid::new_v1(0x70, Code::Blake2b256.digest(b"x"));
    s.push(expect(
        "a link to a codec no block has",
        create(DAG_CBOR, &list_of(&[dag_pb])),
        1,
        err::NOT_FOUND,
    ));
    s.push(expect(
        "a DAG-CBOR block with trailing bytes",
        create(DAG_CBOR, &[0x01, 0x02]),
        1,
        err::SERIALIZATION,
    ));
    s.push(expect(
        "a DAG-CBOR block cut short",
        create(DAG_CBOR, &[0x83, 0x01]),
        1,
        err::SERIALIZATION,
    ));
    s.push(expect(
        "a DAG-PB block",
        create(0x70, &[0x0a, 0x00]),
        1,
        err::ILLEGAL_CODEC,
    ));
    s.push(expect(
        "plain CBOR is not scanned",
        create(CBOR, &list_of(&[stranger])),
        1,
        err::OK,
    ));
    // Scanning is paid field by field: a wide block costs more than a narrow one.
    let wide: Vec<u64> = (0..3000).collect();
    s.push(
        OfficialBuilder::new("fvm_sdk 4: scanning a wide block is charged per field")
            .nv(21)
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                create(
                    DAG_CBOR,
                    &fvm_ipld_encoding::to_vec(&wide).expect("encodes"),
                ),
            ))
            .exits(0)
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                create(RAW, &fvm_ipld_encoding::to_vec(&wide).expect("encodes")),
            ))
            .exits(0)
            .reach(Reach::MoreGas(0, 1))
            .build(),
    );
    // Parameters carry their links: the callee is charged for tracking them (it then fails
    // to read the list as a program).
    let send_links = cat(vec![
        link_then(create(DAG_CBOR, &list_of(&[linked, linked, linked]))),
        vec![
            write(100, &test_actor(1).to_bytes()),
            Op::Fill(RET, 64, 0),
            call(
                "send",
                "send",
                vec![
                    ptr(RET),
                    ptr(100),
                    imm(test_actor(1).to_bytes().len() as i64),
                    imm(2),
                    Arg::Load32(SLOT),
                    imm(0),
                    imm(0),
                    imm(-1),
                    imm(0),
                ],
            ),
            Op::Read(RET, 20),
        ],
    ]);
    s.push(
        OfficialBuilder::new("fvm_sdk 4: parameters with links")
            .nv(21)
            .msg(OfficialMsg::program(From::Secp(0), 0, send_links))
            .exits(0)
            .out(9, Out::Code(err::OK))
            .build(),
    );
    s
}

/// Every scenario of the family (at nv21; the table runs them at every version).
pub fn scenarios() -> Vec<OfficialScenario> {
    let mut s = events();
    s.extend(randomness());
    s.extend(tipsets());
    s.extend(self_destruct());
    s.extend(bls_aggregates());
    s.extend(reachability());
    // fvm 4 pops the gas limit a send refused for depth had pushed (fvm 3 kept it).
    let mut depth = crate::table_nv18_20::depth_refusal_with_a_gas_limit(21, Reach::SameGas(0, 1));
    depth.name = "fvm_sdk 4: a send refused for depth pops its gas limit".into();
    s.push(depth);
    s.push(crate::table_nv18_20::memory_refused_for_the_instance_limit(
        "fvm_sdk 4: a memory growth refused for the instance limit still counts",
        21,
    ));
    s.extend(unlinkable_module());
    s.extend(crate::table_nv18_20::recursion_at_the_stack_limit(
        "fvm_sdk 4: recurse",
        21,
    ));
    s
}

/// The fvm_sdk 3 test actor run under fvm_sdk 4's ABI, which lacks some of its imports: fvm 4
/// charges the module's initial memory before it links it, so with little gas the message
/// runs out of gas (7) first; with enough, the link failure is fatal (10).
fn unlinkable_module() -> Vec<OfficialScenario> {
    [(1_000_000u64, 7u32), (300_000_000, 10)]
        .into_iter()
        .map(|(gas, exit)| {
            OfficialBuilder::new(format!(
                "fvm_sdk 4: a module that does not link pays its initial memory first, gas {gas}"
            ))
            .nv(21)
            .test_wasm(crate::genesis_official::TEST_ACTOR.to_vec())
            .msg(
                OfficialMsg::new(From::Secp(0), test_actor(0), skyr_test_program::METHOD_RUN)
                    .gas(gas),
            )
            .exits(exit)
            .build()
        })
        .collect()
}
