//! Crypto syscalls: hashes, signatures, key recovery, sector CIDs, proofs, consensus faults.
use super::common::*;
use crate::genesis_skyr::{bls_key, ids, secp_key};
use crate::programs::*;
use crate::scenario_nv16_17::{test_actor, Scenario};
use fvm_shared::address::Address;
use fvm_shared::piece::{PaddedPieceSize, PieceInfo};
use fvm_shared::sector::{RegisteredSealProof, SealVerifyInfo, SectorID};
use skyr_test_program::Op;

pub fn scenarios() -> Vec<Scenario> {
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
        // Padded sizes that sum past u64::MAX (each a power of two, as pieces must be).
        (
            "2KiB pieces summing past u64::MAX",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![(1 << 63, "a"), (1 << 63, "b"), (1 << 63, "c")]),
        ),
        (
            "2KiB a small piece, then one of 2^63",
            RegisteredSealProof::StackedDRG2KiBV1P1,
            pieces(vec![(256, "a"), (1 << 63, "b")]),
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
        // Seal types that later generations name (synthetic PoRep 10-14, NI-PoRep 15-19):
        // unknown to fvm 2, so refused before the pieces are read.
        (
            "seal type 10 (synthetic, later)",
            RegisteredSealProof::Invalid(10),
            pieces(vec![]),
        ),
        (
            "seal type 14 (synthetic, later)",
            RegisteredSealProof::Invalid(14),
            pieces(vec![]),
        ),
        (
            "seal type 15 (NI-PoRep, later)",
            RegisteredSealProof::Invalid(15),
            pieces(vec![]),
        ),
        (
            "seal type 19 (NI-PoRep, later)",
            RegisteredSealProof::Invalid(19),
            pieces(vec![]),
        ),
        (
            "seal type 10 with garbage pieces",
            RegisteredSealProof::Invalid(10),
            vec![1, 2, 3],
        ),
        (
            "seal type 9 (64GiB V1.1)",
            RegisteredSealProof::StackedDRG64GiBV1P1,
            pieces(vec![]),
        ),
        (
            "seal type 0 (2KiB V1)",
            RegisteredSealProof::StackedDRG2KiBV1,
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
    v.push(verify_encoded(
        "verify seal (no parameters here)",
        "verify_seal",
        &seal_bytes,
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
    v.push(verify_encoded(
        "verify post (no parameters here)",
        "verify_post",
        &post_bytes,
    ));
    // Window PoSt 1.2 types (10-14) exist only in later generations.
    for typ in [10, 13, 14] {
        let mut p = post.clone();
        p.proofs[0].post_proof = fvm_shared::sector::RegisteredPoStProof::Invalid(typ);
        let bytes = fvm_ipld_encoding::to_vec(&p).expect("encode");
        v.push(verify_encoded(
            &format!("verify post of type {typ} (a later generation's)"),
            "verify_post",
            &bytes,
        ));
    }
    // Seal types of later generations in a seal and an aggregate.
    let mut seal10 = seal.clone();
    seal10.registered_proof = RegisteredSealProof::Invalid(10);
    v.push(verify_encoded(
        "verify seal of type 10 (a later generation's)",
        "verify_seal",
        &fvm_ipld_encoding::to_vec(&seal10).expect("encode"),
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

/// A proof syscall (`crypto.<syscall>`, answering a 4-byte status) on CBOR-encoded info
/// written at scratch 0.
fn verify_encoded(name: &str, syscall: &'static str, info: &[u8]) -> Scenario {
    proofs(
        name,
        cat(vec![
            vec![write(0, info)],
            callv("crypto", syscall, 4, vec![ptr(0), imm(info.len() as i64)]),
        ]),
    )
}
