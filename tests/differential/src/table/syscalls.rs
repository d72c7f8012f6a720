//! Every other syscall family through success and each error: actor, crypto, rand, network,
//! vm, gas, debug, send and self.
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::piece::{PaddedPieceSize, PieceInfo};
use fvm_shared::sector::{RegisteredSealProof, SealVerifyInfo, SectorID};
use fvm_shared::version::NetworkVersion;
use skyr_test_program::{Arg, Op, METHOD_RUN};

use crate::genesis::{bls_key, ids, secp_key};
use crate::keys::SecpKey;
use crate::programs::*;
use crate::scenario::{test_actor, Builder, Msg, Scenario};

fn scenario(name: &str, p: Vec<Op>) -> Scenario {
    Builder::new(format!("syscall: {name}")).run(0, p).build()
}

/// A scenario whose outcome depends on checking proofs for real.
fn proofs(name: &str, p: Vec<Op>) -> Scenario {
    Builder::new(format!("syscall: {name}"))
        .checks_proofs()
        .run(0, p)
        .build()
}

fn addr_args(a: &Address) -> (Op, Vec<Arg>) {
    let b = a.to_bytes();
    (write(0, &b), vec![ptr(0), imm(b.len() as i64)])
}

fn code_cid(name: &str) -> Vec<u8> {
    let store = fvm_ipld_blockstore::MemoryBlockstore::new();
    let b = skyr::bundle::load_bundle(&store, crate::genesis::BUNDLE).expect("bundle");
    b.manifest.code_by_name(name).expect("name").to_bytes()
}

fn actor() -> Vec<Scenario> {
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
            vec![write(0, &skyr::kernel::empty_array_cid().to_bytes())],
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
            write(0, &skyr::kernel::empty_array_cid().to_bytes()),
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
                    crate::scenario::Sender::Secp(0),
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
    let me = crate::scenario::Sender::Secp(0);
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

fn crypto() -> Vec<Scenario> {
    let mut v = Vec::new();
    let data = b"the quick brown fox jumps over the lazy dog".to_vec();
    for code in [0x12u64, 0xb220, 0xb240, 0x1b, 0x1053, 0x11, 0, 0x13] {
        for out_len in [0i64, 16, 32, 64, 100] {
            v.push(scenario(
                &format!("hash {code:#x} into {out_len} bytes"),
                cat(vec![
                    vec![write(0, &data), clear_out()],
                    callv(
                        "crypto",
                        "hash",
                        4,
                        vec![
                            imm(code as i64),
                            ptr(0),
                            imm(data.len() as i64),
                            ptr(OUT),
                            imm(out_len),
                        ],
                    ),
                    vec![read_out(100)],
                ]),
            ));
        }
    }
    v.push(scenario(
        "hash of nothing",
        cat(vec![
            callv(
                "crypto",
                "hash",
                4,
                vec![imm(0xb220), ptr(0), imm(0), ptr(OUT), imm(32)],
            ),
            vec![read_out(32)],
        ]),
    ));
    v.push(scenario(
        "hash input out of bounds",
        callv(
            "crypto",
            "hash",
            4,
            vec![imm(0xb220), imm(BAD_PTR), imm(100), ptr(OUT), imm(32)],
        ),
    ));
    v.push(scenario(
        "hash output out of bounds",
        callv(
            "crypto",
            "hash",
            4,
            vec![imm(0xb220), ptr(0), imm(4), imm(BAD_PTR), imm(32)],
        ),
    ));
    v.push(scenario(
        "hash of 60 KiB",
        cat(vec![
            vec![Op::Fill(0, 60_000, 3)],
            callv(
                "crypto",
                "hash",
                4,
                vec![imm(0x12), ptr(0), imm(60_000), ptr(OUT), imm(32)],
            ),
            vec![read_out(32)],
        ]),
    ));

    // Signatures: (name, sig type, signature, signer address, plaintext).
    let msg = b"sign me".to_vec();
    let secp_sig = secp_key(0).sign(&msg);
    let bls_sig = bls_key(0).sign(&msg);
    let mut bad_secp = secp_sig.clone();
    bad_secp[5] ^= 0x40;
    let mut bad_bls = bls_sig.clone();
    bad_bls[7] ^= 0x01;
    let cases: Vec<(&str, i64, Vec<u8>, Address)> = vec![
        (
            "valid secp by key",
            1,
            secp_sig.clone(),
            secp_key(0).address(),
        ),
        (
            "valid secp by id",
            1,
            secp_sig.clone(),
            Address::new_id(ids::SECP[0]),
        ),
        (
            "secp by another key",
            1,
            secp_sig.clone(),
            secp_key(1).address(),
        ),
        ("corrupt secp", 1, bad_secp, secp_key(0).address()),
        (
            "short secp",
            1,
            secp_sig[..64].to_vec(),
            secp_key(0).address(),
        ),
        ("empty secp", 1, vec![], secp_key(0).address()),
        (
            "secp typed as bls",
            2,
            secp_sig.clone(),
            secp_key(0).address(),
        ),
        ("valid bls by key", 2, bls_sig.clone(), bls_key(0).address()),
        (
            "valid bls by id",
            2,
            bls_sig.clone(),
            Address::new_id(ids::BLS[0]),
        ),
        (
            "bls by another key",
            2,
            bls_sig.clone(),
            bls_key(1).address(),
        ),
        ("corrupt bls", 2, bad_bls, bls_key(0).address()),
        (
            "bls typed as secp",
            1,
            bls_sig.clone(),
            bls_key(0).address(),
        ),
        ("unknown type 0", 0, secp_sig.clone(), secp_key(0).address()),
        ("unknown type 3", 3, secp_sig.clone(), secp_key(0).address()),
        ("signer is a test actor", 1, secp_sig.clone(), test_actor(1)),
        (
            "signer unknown id",
            1,
            secp_sig.clone(),
            Address::new_id(88_888),
        ),
        (
            "signer unknown f2",
            1,
            secp_sig.clone(),
            Address::new_actor(b"q"),
        ),
        (
            "signer burnt funds (account with an id address)",
            1,
            secp_sig.clone(),
            Address::new_id(99),
        ),
    ];
    for (name, typ, sig, signer) in cases {
        let a = signer.to_bytes();
        v.push(scenario(
            &format!("verify signature: {name}"),
            cat(vec![
                vec![write(0, &sig), write(200, &a), write(300, &msg)],
                callv(
                    "crypto",
                    "verify_signature",
                    4,
                    vec![
                        imm(typ),
                        ptr(0),
                        imm(sig.len() as i64),
                        ptr(200),
                        imm(a.len() as i64),
                        ptr(300),
                        imm(msg.len() as i64),
                    ],
                ),
            ]),
        ));
    }
    v.push(scenario(
        "verify signature: garbage address",
        cat(vec![
            vec![write(200, &[7, 7])],
            callv(
                "crypto",
                "verify_signature",
                4,
                vec![imm(1), ptr(0), imm(65), ptr(200), imm(2), ptr(300), imm(3)],
            ),
        ]),
    ));
    v.push(scenario(
        "verify signature: plaintext out of bounds",
        cat(vec![callv(
            "crypto",
            "verify_signature",
            4,
            vec![
                imm(1),
                ptr(0),
                imm(65),
                ptr(200),
                imm(2),
                imm(BAD_PTR),
                imm(30),
            ],
        )]),
    ));
    // Public key recovery.
    let hash = crate::keys::blake2b(&msg);
    v.push(scenario(
        "recover secp public key",
        cat(vec![
            vec![write(0, &hash), write(100, &secp_sig)],
            callv(
                "crypto",
                "recover_secp_public_key",
                65,
                vec![ptr(0), ptr(100)],
            ),
        ]),
    ));
    v.push(scenario(
        "recover from a garbage signature",
        cat(vec![
            vec![write(0, &hash), Op::Fill(100, 65, 0xff)],
            callv(
                "crypto",
                "recover_secp_public_key",
                65,
                vec![ptr(0), ptr(100)],
            ),
        ]),
    ));
    v.push(scenario(
        "recover out of bounds",
        callv(
            "crypto",
            "recover_secp_public_key",
            65,
            vec![ptr(0), imm(BAD_PTR)],
        ),
    ));
    // Proofs and sector CIDs.
    let pieces = |ps: Vec<(u64, &str)>| -> Vec<u8> {
        let v: Vec<PieceInfo> = ps
            .into_iter()
            .map(|(size, seed)| PieceInfo {
                size: PaddedPieceSize(size),
                cid: fvm_shared::commcid::data_commitment_v1_to_cid(&crate::keys::blake2b(
                    seed.as_bytes(),
                ))
                .expect("commd"),
            })
            .collect();
        fvm_ipld_encoding::to_vec(&v).expect("encode")
    };
    for (name, proof, p) in [
        (
            "2KiB no pieces",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![]),
        ),
        (
            "2KiB one full piece",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![(2048, "a")]),
        ),
        (
            "2KiB two pieces with padding",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![(256, "a"), (1024, "b")]),
        ),
        (
            "2KiB pieces too big",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![(4096, "a")]),
        ),
        (
            "2KiB zero-sized piece",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![(0, "a")]),
        ),
        (
            "32GiB no pieces",
            RegisteredSealProof::StackedDRG32GiBV1P1,
            pieces(vec![]),
        ),
        (
            "invalid proof type",
            RegisteredSealProof::Invalid(999),
            pieces(vec![]),
        ),
    ] {
        let typ: i64 = i64::from(proof);
        v.push(scenario(
            &format!("unsealed sector cid: {name}"),
            cat(vec![
                vec![write(0, &p), clear_out()],
                callv(
                    "crypto",
                    "compute_unsealed_sector_cid",
                    4,
                    vec![imm(typ), ptr(0), imm(p.len() as i64), ptr(OUT), imm(100)],
                ),
                vec![read_out(48)],
            ]),
        ));
    }
    v.push(scenario(
        "unsealed sector cid: garbage pieces",
        callv(
            "crypto",
            "compute_unsealed_sector_cid",
            4,
            vec![imm(0), ptr(0), imm(3), ptr(OUT), imm(100)],
        ),
    ));
    let seal = SealVerifyInfo {
        registered_proof: RegisteredSealProof::StackedDRG2KiBV1P1,
        sector_id: SectorID {
            miner: 1000,
            number: 7,
        },
        deal_ids: vec![],
        randomness: fvm_shared::randomness::Randomness(vec![1; 32]),
        interactive_randomness: fvm_shared::randomness::Randomness(vec![2; 32]),
        proof: vec![0; 192],
        sealed_cid: fvm_shared::commcid::replica_commitment_v1_to_cid(&[3; 32]).expect("commr"),
        unsealed_cid: fvm_shared::commcid::data_commitment_v1_to_cid(&[4; 32]).expect("commd"),
    };
    let seal_bytes = fvm_ipld_encoding::to_vec(&seal).expect("encode");
    v.push(proofs(
        "verify seal (no parameters here)",
        cat(vec![
            vec![write(0, &seal_bytes)],
            callv(
                "crypto",
                "verify_seal",
                4,
                vec![ptr(0), imm(seal_bytes.len() as i64)],
            ),
        ]),
    ));
    v.push(scenario(
        "verify seal: garbage",
        callv("crypto", "verify_seal", 4, vec![ptr(0), imm(10)]),
    ));
    for (name, n) in [("empty", 0usize), ("two", 2)] {
        let batch = fvm_ipld_encoding::to_vec(&vec![seal.clone(); n]).expect("encode");
        v.push(proofs(
            &format!("batch verify seals: {name}"),
            cat(vec![
                vec![write(0, &batch), Op::Fill(OUT, 8, 9)],
                vec![call(
                    "crypto",
                    "batch_verify_seals",
                    vec![ptr(0), imm(batch.len() as i64), ptr(OUT)],
                )],
                vec![read_out(8)],
            ]),
        ));
    }
    v.push(scenario(
        "batch verify seals: garbage",
        vec![call(
            "crypto",
            "batch_verify_seals",
            vec![ptr(0), imm(4), ptr(OUT)],
        )],
    ));
    v.push(scenario(
        "verify post: garbage",
        callv("crypto", "verify_post", 4, vec![ptr(0), imm(10)]),
    ));
    let post = fvm_shared::sector::WindowPoStVerifyInfo {
        randomness: fvm_shared::randomness::Randomness(vec![5; 32]),
        proofs: vec![fvm_shared::sector::PoStProof {
            post_proof: fvm_shared::sector::RegisteredPoStProof::StackedDRGWindow2KiBV1,
            proof_bytes: vec![0; 192],
        }],
        challenged_sectors: vec![],
        prover: 1000,
    };
    let post_bytes = fvm_ipld_encoding::to_vec(&post).expect("encode");
    v.push(proofs(
        "verify post (no parameters here)",
        cat(vec![
            vec![write(0, &post_bytes)],
            callv(
                "crypto",
                "verify_post",
                4,
                vec![ptr(0), imm(post_bytes.len() as i64)],
            ),
        ]),
    ));
    v.push(scenario(
        "verify aggregate seals: garbage",
        callv("crypto", "verify_aggregate_seals", 4, vec![ptr(0), imm(10)]),
    ));
    v.push(scenario(
        "verify replica update: garbage",
        callv("crypto", "verify_replica_update", 4, vec![ptr(0), imm(10)]),
    ));
    v.push(scenario(
        "verify consensus fault",
        cat(vec![
            vec![write(0, b"header one"), write(100, b"header two")],
            callv(
                "crypto",
                "verify_consensus_fault",
                20,
                vec![ptr(0), imm(10), ptr(100), imm(10), ptr(200), imm(0)],
            ),
        ]),
    ));
    v.push(scenario(
        "verify consensus fault out of bounds",
        callv(
            "crypto",
            "verify_consensus_fault",
            20,
            vec![imm(BAD_PTR), imm(10), ptr(100), imm(10), ptr(200), imm(0)],
        ),
    ));
    v
}

fn context() -> Vec<Scenario> {
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

fn sends() -> Vec<Scenario> {
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
    v.push(scenario(
        "send with a bad params handle",
        cat(vec![
            vec![write(0, &other.to_bytes())],
            callv(
                "send",
                "send",
                20,
                vec![
                    ptr(0),
                    imm(other.to_bytes().len() as i64),
                    imm(2),
                    imm(77),
                    imm(0),
                    imm(0),
                ],
            ),
        ]),
    ));
    v.push(scenario(
        "send with a raw value above u64",
        cat(vec![
            vec![write(0, &other.to_bytes())],
            callv(
                "send",
                "send",
                20,
                vec![
                    ptr(0),
                    imm(other.to_bytes().len() as i64),
                    imm(0),
                    imm(0),
                    imm(1),
                    imm(0),
                ],
            ),
        ]),
    ));
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
                write(300, &skyr::kernel::empty_array_cid().to_bytes()),
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

pub fn scenarios() -> Vec<Scenario> {
    let mut v = actor();
    v.extend(crypto());
    v.extend(context());
    v.extend(sends());
    v
}
