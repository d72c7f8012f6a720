//! IPLD syscalls through their success paths and every error number.
use cid::Cid;
use fvm_ipld_encoding::DAG_CBOR;
use multihash_codetable::MultihashDigest;
use skyr::state_tree::empty_array_cid;
use skyr_test_program::{Arg, Op};

use crate::programs::*;
use crate::scenario_nv16_17::{Builder, Scenario};

/// The scenario that fails fatally with a gas limit of 9e17.
pub const FATAL_WITH_A_HUGE_LIMIT: &str = "ipld: open a missing block with gas limit 9e17";

fn scenario(name: &str, p: Vec<Op>) -> Scenario {
    Builder::new(format!("ipld: {name}")).run(0, p).build()
}

/// Creates a block from `data` at scratch 0; its handle lands at RET.
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

/// Links the block `create` made, with this hash and length, writing the CID at `out` (room
/// for `cap` bytes); the syscall's result is read back.
fn link(hash: i64, len: i64, out: Arg, cap: i64) -> Vec<Op> {
    callv(
        "ipld",
        "block_link",
        4,
        vec![handle(), imm(hash), imm(len), out, imm(cap)],
    )
}

/// The handle `create` got.
fn handle() -> Arg {
    Arg::Load32(SLOT)
}

pub fn scenarios() -> Vec<Scenario> {
    let cbor = fvm_ipld_encoding::to_vec(&("hello", 42u64, vec![1u8, 2, 3])).expect("encode");
    let empty = empty_array_cid().to_bytes();
    let missing = Cid::new_v1(
        DAG_CBOR,
        multihash_codetable::Code::Blake2b256.digest(b"missing"),
    )
    .to_bytes();
    let mut v = Vec::new();
    v.push(scenario(
        "create and stat",
        cat(vec![
            create(DAG_CBOR, &cbor),
            callv("ipld", "block_stat", 12, vec![handle()]),
        ]),
    ));
    for codec in [0x55u64, 0x70, 0x00, 0x71 + 1, u64::MAX] {
        v.push(scenario(
            &format!("create with codec {codec:#x}"),
            create(codec, &cbor),
        ));
    }
    v.push(scenario(
        "create out of bounds",
        callv_slot(
            "ipld",
            "block_create",
            4,
            vec![imm(DAG_CBOR as i64), imm(BAD_PTR), imm(10)],
        ),
    ));
    v.push(scenario("create empty", create(DAG_CBOR, &[])));
    for (name, id) in [
        ("handle 0", 0i64),
        ("handle 99", 99),
        ("handle max", u32::MAX as i64),
    ] {
        v.push(scenario(
            &format!("stat {name}"),
            callv("ipld", "block_stat", 12, vec![imm(id)]),
        ));
        v.push(scenario(
            &format!("read {name}"),
            callv(
                "ipld",
                "block_read",
                4,
                vec![imm(id), imm(0), ptr(OUT), imm(10)],
            ),
        ));
        v.push(scenario(
            &format!("link {name}"),
            callv(
                "ipld",
                "block_link",
                4,
                vec![imm(id), imm(0xb220), imm(32), ptr(OUT), imm(100)],
            ),
        ));
    }
    for (off, len) in [
        (0u32, 0u32),
        (0, 5),
        (0, 100),
        (3, 4),
        (10, 100),
        (1000, 10),
        (u32::MAX, 1),
        (1 << 31, 1),
    ] {
        v.push(scenario(
            &format!("read offset {off} length {len}"),
            cat(vec![
                create(DAG_CBOR, &cbor),
                vec![clear_out()],
                callv(
                    "ipld",
                    "block_read",
                    4,
                    vec![handle(), imm(off as i64), ptr(OUT), imm(len as i64)],
                ),
                vec![read_out(32)],
            ]),
        ));
    }
    v.push(scenario(
        "read into a bad buffer",
        cat(vec![
            create(DAG_CBOR, &cbor),
            callv(
                "ipld",
                "block_read",
                4,
                vec![handle(), imm(0), imm(BAD_PTR), imm(100)],
            ),
        ]),
    ));
    for (hash, len) in [
        (0xb220u64, 32i64),
        (0xb220, 20),
        (0x12, 32),
        (0xb240, 64),
        (0, 0),
    ] {
        v.push(scenario(
            &format!("link hash {hash:#x} length {len}"),
            cat(vec![
                create(DAG_CBOR, &cbor),
                vec![clear_out()],
                link(hash as i64, len, ptr(OUT), 100),
                vec![read_out(40)],
            ]),
        ));
    }
    for cid_len in [0i64, 10, 37, 38, 100] {
        v.push(scenario(
            &format!("link into a {cid_len}-byte buffer"),
            cat(vec![
                create(DAG_CBOR, &cbor),
                link(0xb220, 32, ptr(OUT), cid_len),
                vec![read_out(40)],
            ]),
        ));
    }
    v.push(scenario(
        "link into a bad buffer",
        cat(vec![
            create(DAG_CBOR, &cbor),
            link(0xb220, 32, imm(BAD_PTR), 100),
        ]),
    ));
    v.push(scenario(
        "link then open",
        cat(vec![
            create(DAG_CBOR, &cbor),
            link(0xb220, 32, ptr(OUT), 100),
            callv_slot("ipld", "block_open", 16, vec![ptr(OUT)]),
            callv(
                "ipld",
                "block_read",
                4,
                vec![Arg::Load32(SLOT + 8), imm(0), ptr(IN2), imm(64)],
            ),
            vec![Op::Read(IN2, 64)],
        ]),
    ));
    v.push(scenario(
        "open own empty state",
        cat(vec![
            vec![write(0, &empty)],
            callv("ipld", "block_open", 16, vec![ptr(0)]),
        ]),
    ));
    let open_missing = cat(vec![
        vec![write(0, &missing)],
        callv("ipld", "block_open", 16, vec![ptr(0)]),
    ]);
    v.push(scenario("open a missing block", open_missing.clone()));
    // A fatal failure charges the whole limit, and 11 × 9e17 is past i64::MAX: the fee split
    // wraps under fvm 2 and is exact under fvm 3 and 4, and no build profile may panic on it.
    v.push(
        Builder::new(FATAL_WITH_A_HUGE_LIMIT)
            .msg(
                crate::scenario_nv16_17::Msg::program(0, open_missing).gas(900_000_000_000_000_000),
            )
            .build(),
    );
    v.push(scenario(
        "open garbage cid",
        cat(vec![
            vec![write(0, &[0xff; 8])],
            callv("ipld", "block_open", 16, vec![ptr(0)]),
        ]),
    ));
    v.push(scenario(
        "open cid out of bounds",
        callv("ipld", "block_open", 16, vec![imm(BAD_PTR)]),
    ));
    v.push(scenario(
        "open a raw block (identity-free raw codec)",
        cat(vec![
            create(DAG_CBOR, &cbor),
            link(0xb220, 32, ptr(OUT), 100),
            // Rewrite the CID's codec byte to raw (0x55): the block is there under another CID.
            vec![Op::Write(OUT + 1, vec![0x55])],
            callv("ipld", "block_open", 16, vec![ptr(OUT)]),
        ]),
    ));
    v.push(scenario("big block 1 MiB", vec![Op::Big(1 << 20, 7)]));
    v.push(scenario("big block 4 MiB", vec![Op::Big(4 << 20, 7)]));
    for (mib, gas) in [(1u32, 3_000_000_000i64), (4, 9_000_000_000)] {
        v.push(
            Builder::new(format!("ipld: big block {mib} MiB with gas {gas}"))
                .msg(crate::scenario_nv16_17::Msg::program(0, vec![Op::Big(mib << 20, 7)]).gas(gas))
                .build(),
        );
    }
    v.push(scenario(
        "many blocks",
        (0..200).map(|i| Op::Big(100 + i, i as u8)).collect(),
    ));
    v.push(scenario(
        "return pointer out of bounds",
        vec![call("ipld", "block_stat", vec![imm(BAD_PTR), imm(1)])],
    ));
    v.push(scenario(
        "return pointer at the very end",
        vec![call("ipld", "block_stat", vec![imm(BAD_PTR + 15), imm(1)])],
    ));
    // State root.
    v.push(scenario(
        "root",
        cat(vec![
            vec![clear_out()],
            callv("self", "root", 4, vec![ptr(OUT), imm(100)]),
            vec![read_out(40)],
        ]),
    ));
    for len in [0i64, 10, 38, 39] {
        v.push(scenario(
            &format!("root into {len} bytes"),
            callv("self", "root", 4, vec![ptr(OUT), imm(len)]),
        ));
    }
    v.push(scenario(
        "root into a bad buffer",
        callv("self", "root", 4, vec![imm(BAD_PTR), imm(100)]),
    ));
    v.push(scenario(
        "set root to a new block, read it back",
        cat(vec![
            create(DAG_CBOR, &cbor),
            link(0xb220, 32, ptr(OUT), 100),
            vec![call("self", "set_root", vec![ptr(OUT)])],
            callv("self", "root", 4, vec![ptr(IN2), imm(100)]),
            vec![Op::Read(IN2, 40)],
        ]),
    ));
    // The flush walk refuses what the reference's refuses, and passes over the same CIDs.
    let sha = Cid::new_v1(DAG_CBOR, multihash_codetable::Code::Sha2_256.digest(b"x")).to_bytes();
    let ident_raw = Cid::new_v1(
        0x55,
        multihash_codetable::Multihash::wrap(0, b"abc").expect("identity"),
    )
    .to_bytes();
    let commr = fvm_shared::commcid::replica_commitment_v1_to_cid(&[9; 32])
        .expect("commr")
        .to_bytes();
    let dagpb = Cid::new_v0(multihash_codetable::Code::Sha2_256.digest(b"v0"))
        .expect("v0")
        .to_bytes();
    let linked = fvm_ipld_encoding::to_vec(&(empty_array_cid(), 5u8)).expect("encode");
    let ident_cbor = Cid::new_v1(
        DAG_CBOR,
        multihash_codetable::Multihash::wrap(0, &linked).expect("identity"),
    )
    .to_bytes();
    let set_root_raw = |cid: &[u8]| vec![write(IN2, cid), call("self", "set_root", vec![ptr(IN2)])];
    for (name, cid, ok) in [
        ("sha2-256 dag-cbor", &sha, false),
        ("identity raw", &ident_raw, true),
        ("piece commitment", &commr, true),
        ("dag-pb v0", &dagpb, false),
        ("identity dag-cbor with a link", &ident_cbor, true),
    ] {
        let mut b = Builder::new(format!("ipld: flush with a state root that is {name}"))
            .run(0, set_root_raw(cid));
        if !ok {
            b = b.refused();
        }
        v.push(b.build());
    }
    let float_zero = [0xfbu8, 0, 0, 0, 0, 0, 0, 0, 0];
    let f64_one = {
        let mut b = vec![0xfb];
        b.extend_from_slice(&1.0f64.to_bits().to_be_bytes());
        b
    };
    let long_link = {
        let mut b = vec![0xd8, 0x2a, 0x58, 101];
        b.extend(std::iter::repeat_n(0u8, 101));
        b
    };
    let sha_link = {
        let mut b = vec![0xd8, 0x2a, 0x58, (sha.len() + 1) as u8, 0];
        b.extend_from_slice(&sha);
        b
    };
    for (name, data, ok) in [
        ("non-canonical length", vec![0x18u8, 0x05], false),
        ("float zero", float_zero.to_vec(), false),
        ("float one", f64_one, true),
        ("trailing garbage", vec![0x07, 0xff, 0xff], true),
        ("truncated string", vec![0x45, 1, 2], true),
        ("truncated list", vec![0x83, 1], false),
        ("link over 100 bytes", long_link, false),
        ("link to a sha2-256 block", sha_link, false),
        ("reserved header", vec![0x1c], false),
    ] {
        let mut b = Builder::new(format!("ipld: flush with a root block of {name}")).run(
            0,
            cat(vec![
                create(DAG_CBOR, &data),
                link(0xb220, 32, ptr(OUT), 100),
                vec![call("self", "set_root", vec![ptr(OUT)])],
            ]),
        );
        if !ok {
            b = b.refused();
        }
        v.push(b.build());
    }
    v.push(scenario(
        "set root to a garbage cid",
        vec![
            write(0, &[0x01, 0x99]),
            call("self", "set_root", vec![ptr(0)]),
        ],
    ));
    v.push(scenario(
        "set root out of bounds",
        vec![call("self", "set_root", vec![imm(BAD_PTR)])],
    ));
    v.push(scenario(
        "set root to a block that is not stored",
        vec![write(0, &missing), call("self", "set_root", vec![ptr(0)])],
    ));
    v
}
