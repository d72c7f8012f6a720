//! Every charge of Skyr's gas schedules against the reference's own price lists: SKYR against
//! fvm 2.12.2 (network version 17), HYGGE against fvm 3.14.2 (network version 18), over a
//! sweep of sizes, compute and other gas apart, with the reference's charge names.
use skyr::gas::{GasCharge, PriceList, HYGGE_PRICES, SKYR_PRICES};
use skyr::shared::crypto::signature::SignatureType;
use skyr::shared::econ::TokenAmount;
use skyr::shared::event::{ActorEvent, Entry, Flags};
use skyr::shared::sector::{
    PoStProof, RegisteredPoStProof, RegisteredSealProof, WindowPoStVerifyInfo,
};

/// Sizes every per-byte charge is tried at.
const SIZES: [usize; 9] = [0, 1, 7, 100, 1024, 65_536, 1 << 20, 100 << 20, 1 << 31];

/// A charge as (name, compute milligas, other milligas).
type Parts = (String, i64, i64);

fn ours(c: GasCharge) -> Parts {
    (
        c.name.to_string(),
        c.compute.as_milligas(),
        c.other.as_milligas(),
    )
}

fn v2(c: fvm::gas::GasCharge) -> Parts {
    let name = c.name.to_string();
    (
        name,
        c.compute_gas.as_milligas(),
        c.storage_gas.as_milligas(),
    )
}

fn v3(c: fvm3::gas::GasCharge) -> Parts {
    let milli = |g: fvm3::gas::Gas| i64::try_from(g.as_milligas()).expect("fits in i64");
    (c.name.to_string(), milli(c.compute_gas), milli(c.other_gas))
}

/// Collects every comparison; a test fails listing all that differ.
#[derive(Default)]
struct Checks {
    count: usize,
    differ: Vec<String>,
}

impl Checks {
    fn eq(&mut self, what: impl std::fmt::Display, skyr: Parts, reference: Parts) {
        self.count += 1;
        if skyr != reference {
            self.differ
                .push(format!("{what}: skyr {skyr:?}, reference {reference:?}"));
        }
    }

    fn finish(self, schedule: &PriceList) {
        println!(
            "{}: {} charges compared, {} differ",
            schedule.name(),
            self.count,
            self.differ.len()
        );
        assert!(self.count > 100, "too few comparisons: {}", self.count);
        assert!(self.differ.is_empty(), "{}", self.differ.join("\n"));
    }
}

fn window_post_v2(sectors: usize) -> fvm_shared::sector::WindowPoStVerifyInfo {
    use fvm_shared::sector as s;
    s::WindowPoStVerifyInfo {
        randomness: Default::default(),
        proofs: vec![s::PoStProof {
            post_proof: s::RegisteredPoStProof::StackedDRGWindow32GiBV1,
            proof_bytes: vec![],
        }],
        challenged_sectors: (0..sectors)
            .map(|n| s::SectorInfo {
                proof: s::RegisteredSealProof::StackedDRG32GiBV1P1,
                sector_number: n as u64,
                sealed_cid: Default::default(),
            })
            .collect(),
        prover: 1000,
    }
}

fn window_post_v3(sectors: usize) -> fvm_shared3::sector::WindowPoStVerifyInfo {
    use fvm_shared3::sector as s;
    s::WindowPoStVerifyInfo {
        randomness: Default::default(),
        proofs: vec![s::PoStProof {
            post_proof: s::RegisteredPoStProof::StackedDRGWindow32GiBV1P1,
            proof_bytes: vec![],
        }],
        challenged_sectors: (0..sectors)
            .map(|n| s::SectorInfo {
                proof: s::RegisteredSealProof::StackedDRG32GiBV1P1,
                sector_number: n as u64,
                sealed_cid: Default::default(),
            })
            .collect(),
        prover: 1000,
    }
}

fn window_post_ours(sectors: usize) -> WindowPoStVerifyInfo {
    use skyr::shared::sector::SectorInfo;
    WindowPoStVerifyInfo {
        randomness: Default::default(),
        proofs: vec![PoStProof {
            post_proof: RegisteredPoStProof::StackedDRGWindow32GiBV1P1,
            proof_bytes: vec![],
        }],
        challenged_sectors: (0..sectors)
            .map(|n| SectorInfo {
                proof: RegisteredSealProof::StackedDRG32GiBV1P1,
                sector_number: n as u64,
                sealed_cid: Default::default(),
            })
            .collect(),
        prover: 1000,
    }
}

/// One (empty) seal in an aggregate, in either generation's types.
macro_rules! aggregate_info {
    ($shared:ident) => {
        $shared::sector::AggregateSealVerifyInfo {
            sector_number: 1,
            randomness: Default::default(),
            interactive_randomness: Default::default(),
            sealed_cid: Default::default(),
            unsealed_cid: Default::default(),
        }
    };
}

/// Seal proof types by number, in both generations' types.
const SEAL_TYPES: [i64; 4] = [3, 4, 8, 9];
const AGGREGATE_COUNTS: [usize; 9] = [0, 1, 3, 4, 6, 7, 100, 409, 410];

#[test]
fn skyr_schedule_equals_fvm2() {
    let pl = &SKYR_PRICES;
    let reference =
        fvm::gas::price_list_by_network_version(fvm_shared::version::NetworkVersion::V17);
    let mut c = Checks::default();
    for n in SIZES {
        c.eq(
            format!("on_chain_message({n})"),
            ours(pl.on_chain_message(n)),
            v2(reference.on_chain_message(n)),
        );
        c.eq(
            format!("on_chain_return_value({n})"),
            ours(pl.on_chain_return_value(n)),
            v2(reference.on_chain_return_value(n)),
        );
        c.eq(
            format!("on_get_randomness({n})"),
            ours(pl.on_get_randomness(n, 0)),
            v2(reference.on_get_randomness(n)),
        );
        c.eq(
            format!("on_block_open_per_byte({n})"),
            ours(pl.on_block_open_per_byte(n, 0)),
            v2(reference.on_block_open_per_byte(n)),
        );
        c.eq(
            format!("on_block_read({n})"),
            ours(pl.on_block_read(n)),
            v2(reference.on_block_read(n)),
        );
        c.eq(
            format!("on_block_create({n})"),
            ours(pl.on_block_create(n, 0)),
            v2(reference.on_block_create(n)),
        );
        c.eq(
            format!("on_block_link({n})"),
            ours(pl.on_block_link(0xb220, n)),
            v2(reference.on_block_link(n)),
        );
        for code in [0x12, 0xb220, 0x1b, 0x99] {
            c.eq(
                format!("on_hashing({code:#x}, {n})"),
                ours(pl.on_hashing(code, n).expect("skyr prices every code")),
                v2(reference.on_hashing(n)),
            );
        }
        for (sig, sig2) in [
            (
                SignatureType::BLS,
                fvm_shared::crypto::signature::SignatureType::BLS,
            ),
            (
                SignatureType::Secp256k1,
                fvm_shared::crypto::signature::SignatureType::Secp256k1,
            ),
        ] {
            c.eq(
                format!("on_verify_signature({sig:?}, {n})"),
                ours(pl.on_verify_signature(sig, n)),
                v2(reference.on_verify_signature(sig2)),
            );
        }
    }
    for (atto, method) in [(0, 0), (0, 2), (1, 0), (1, 2), (10, 3844)] {
        let value = TokenAmount::from_atto(atto);
        let value2 = fvm_shared::econ::TokenAmount::from_atto(atto);
        let before = pl
            .on_send_before_transfer(&value, method)
            .expect("one charge before the transfer");
        c.eq(
            format!("send({atto}, {method})"),
            ours(before),
            v2(reference.on_method_invocation(&value2, method)),
        );
        assert!(pl.on_send_before_invoke(method, 0).is_none());
    }
    let fixed: [(&str, GasCharge, fvm::gas::GasCharge); 9] = [
        ("on_syscall", pl.on_syscall(), reference.on_syscall()),
        (
            "on_create_actor(false)",
            pl.on_create_actor(false),
            reference.on_create_actor(),
        ),
        (
            "on_create_actor(true)",
            pl.on_create_actor(true),
            reference.on_create_actor(),
        ),
        (
            "on_delete_actor",
            pl.on_delete_actor(),
            reference.on_delete_actor(),
        ),
        (
            "on_recover",
            pl.on_recover_secp_public_key(),
            reference.on_recover_secp_public_key(),
        ),
        (
            "on_verify_consensus_fault",
            pl.on_verify_consensus_fault(),
            reference.on_verify_consensus_fault(),
        ),
        (
            "on_block_open_base",
            pl.on_block_open_base(),
            reference.on_block_open_base(),
        ),
        (
            "on_block_stat",
            pl.on_block_stat(),
            reference.on_block_stat(),
        ),
        (
            "on_compute_unsealed_sector_cid",
            pl.on_compute_unsealed_sector_cid(),
            reference.on_compute_unsealed_sector_cid(
                fvm_shared::sector::RegisteredSealProof::StackedDRG32GiBV1P1,
                &[],
            ),
        ),
    ];
    for (what, a, b) in fixed {
        c.eq(what, ours(a), v2(b));
    }
    let seal = fvm_shared::sector::SealVerifyInfo {
        registered_proof: fvm_shared::sector::RegisteredSealProof::StackedDRG32GiBV1P1,
        sector_id: Default::default(),
        deal_ids: vec![],
        randomness: Default::default(),
        interactive_randomness: Default::default(),
        proof: vec![],
        sealed_cid: Default::default(),
        unsealed_cid: Default::default(),
    };
    c.eq(
        "on_verify_seal",
        ours(pl.on_verify_seal()),
        v2(reference.on_verify_seal(&seal)),
    );
    let replica = fvm_shared::sector::ReplicaUpdateInfo {
        update_proof_type: fvm_shared::sector::RegisteredUpdateProof::StackedDRG32GiBV1,
        old_sealed_cid: Default::default(),
        new_sealed_cid: Default::default(),
        new_unsealed_cid: Default::default(),
        proof: vec![],
    };
    c.eq(
        "on_verify_replica_update",
        ours(pl.on_verify_replica_update()),
        v2(reference.on_verify_replica_update(&replica)),
    );
    for sectors in [0, 1, 2349] {
        c.eq(
            format!("on_verify_post({sectors})"),
            ours(pl.on_verify_post(&window_post_ours(sectors))),
            v2(reference.on_verify_post(&window_post_v2(sectors))),
        );
    }
    for number in SEAL_TYPES {
        for count in AGGREGATE_COUNTS {
            let agg = fvm_shared::sector::AggregateSealVerifyProofAndInfos {
                miner: 1000,
                seal_proof: fvm_shared::sector::RegisteredSealProof::from(number),
                aggregate_proof: fvm_shared::sector::RegisteredAggregateProof::SnarkPackV1,
                proof: vec![],
                infos: vec![aggregate_info!(fvm_shared); count],
            };
            c.eq(
                format!("on_verify_aggregate_seals({number}, {count})"),
                ours(pl.on_verify_aggregate_seals(RegisteredSealProof::from(number), count)),
                v2(reference.on_verify_aggregate_seals(&agg)),
            );
        }
    }
    c.finish(pl);
}

fn event_ours(entries: &[(u64, &str, usize)]) -> ActorEvent {
    ActorEvent {
        entries: entries
            .iter()
            .map(|(flags, key, len)| Entry {
                flags: Flags::from_bits_retain(*flags),
                key: key.to_string(),
                codec: 0x55,
                value: vec![7; *len],
            })
            .collect(),
    }
}

fn event_v3(entries: &[(u64, &str, usize)]) -> fvm_shared3::event::ActorEvent {
    use fvm_shared3::event as e;
    e::ActorEvent {
        entries: entries
            .iter()
            .map(|(flags, key, len)| e::Entry {
                flags: e::Flags::from_bits_retain(*flags),
                key: key.to_string(),
                codec: 0x55,
                value: vec![7; *len],
            })
            .collect(),
    }
}

#[test]
fn hygge_schedule_equals_fvm3() {
    use fvm3::kernel::SupportedHashes as H;
    let pl = &HYGGE_PRICES;
    let reference =
        fvm3::gas::price_list_by_network_version(fvm_shared3::version::NetworkVersion::V18);
    let mut c = Checks::default();
    for n in SIZES {
        c.eq(
            format!("on_chain_message({n})"),
            ours(pl.on_chain_message(n)),
            v3(reference.on_chain_message(n)),
        );
        c.eq(
            format!("on_chain_return_value({n})"),
            ours(pl.on_chain_return_value(n)),
            v3(reference
                .on_method_return(1, n as u32)
                .expect("charged at depth 1")),
        );
        c.eq(
            format!("on_get_randomness({n})"),
            ours(pl.on_get_randomness(n, 0)),
            v3(reference.on_get_randomness(n)),
        );
        c.eq(
            format!("on_block_open_per_byte({n})"),
            ours(pl.on_block_open_per_byte(n, 0)),
            v3(reference.on_block_open_per_byte(n)),
        );
        c.eq(
            format!("on_block_read({n})"),
            ours(pl.on_block_read(n)),
            v3(reference.on_block_read(n)),
        );
        c.eq(
            format!("on_block_create({n})"),
            ours(pl.on_block_create(n, 0)),
            v3(reference.on_block_create(n)),
        );
        c.eq(
            format!("on_actor_event_validate({n})"),
            ours(pl.on_actor_event_validate(n)),
            v3(reference.on_actor_event_validate(n)),
        );
        let m = |g: skyr::gas::Gas| ("memory".to_string(), g.as_milligas(), 0);
        let m3 = |g: fvm3::gas::Gas| ("memory".to_string(), g.as_milligas() as i64, 0);
        c.eq(
            format!("init_memory({n})"),
            m(pl.wasm.init_memory(n)),
            m3(reference.init_memory_gas(n)),
        );
        c.eq(
            format!("grow_memory({n})"),
            m(pl.wasm.grow_memory(n)),
            m3(reference.grow_memory_gas(n)),
        );
        c.eq(
            format!("init_table({n})"),
            m(pl.wasm.init_table(n)),
            m3(reference.init_table_gas(n as u64)),
        );
        for (code, h) in [
            (0x12, H::Sha2_256),
            (0xb220, H::Blake2b256),
            (0xb240, H::Blake2b512),
            (0x1b, H::Keccak256),
            (0x1053, H::Ripemd160),
        ] {
            c.eq(
                format!("on_hashing({code:#x}, {n})"),
                ours(pl.on_hashing(code, n).expect("a supported hasher")),
                v3(reference.on_hashing(h, n)),
            );
            c.eq(
                format!("on_block_link({code:#x}, {n})"),
                ours(pl.on_block_link(code, n)),
                v3(reference.on_block_link(h, n)),
            );
        }
        for (sig, sig3) in [
            (
                SignatureType::BLS,
                fvm_shared3::crypto::signature::SignatureType::BLS,
            ),
            (
                SignatureType::Secp256k1,
                fvm_shared3::crypto::signature::SignatureType::Secp256k1,
            ),
        ] {
            c.eq(
                format!("on_verify_signature({sig:?}, {n})"),
                ours(pl.on_verify_signature(sig, n)),
                v3(reference.on_verify_signature(sig3, n)),
            );
        }
        for entries in [
            vec![],
            vec![(0, "t1", n.min(4096))],
            vec![(1, "topic", 32), (2, "d", n.min(4096)), (3, "both", 5)],
        ] {
            c.eq(
                format!("on_actor_event_accept({entries:?}, {n})"),
                ours(pl.on_actor_event_accept(&event_ours(&entries), n)),
                v3(reference.on_actor_event_accept(&event_v3(&entries), n)),
            );
        }
    }
    assert!(
        pl.on_hashing(0x99, 10).is_none(),
        "unknown hashers are refused"
    );
    for (atto, method) in [(0u64, 0u64), (0, 2), (1, 0), (1, 2), (10, 3844)] {
        let value = TokenAmount::from_atto(atto);
        match pl.on_send_before_transfer(&value, method) {
            Some(t) => c.eq(
                "on_value_transfer",
                ours(t),
                v3(reference.on_value_transfer()),
            ),
            None => assert_eq!(atto, 0, "value moved without a charge"),
        }
        match pl.on_send_before_invoke(method, 0) {
            Some(i) => c.eq(
                "on_method_invocation",
                ours(i),
                v3(reference.on_method_invocation()),
            ),
            None => assert_eq!(method, 0, "a method ran without a charge"),
        }
    }
    let access = pl.state_access.expect("Hygge prices state access");
    let free = |name| pl.on_free_lookup(name);
    let fixed: [(&str, GasCharge, fvm3::gas::GasCharge); 19] = [
        ("on_syscall", pl.on_syscall(), reference.on_syscall()),
        (
            "on_create_actor(false)",
            pl.on_create_actor(false),
            reference.on_create_actor(false),
        ),
        (
            "on_create_actor(true)",
            pl.on_create_actor(true),
            reference.on_create_actor(true),
        ),
        (
            "on_delete_actor",
            pl.on_delete_actor(),
            reference.on_delete_actor(),
        ),
        (
            "on_recover",
            pl.on_recover_secp_public_key(),
            reference.on_recover_secp_public_key(),
        ),
        (
            "on_verify_consensus_fault",
            pl.on_verify_consensus_fault(),
            reference.on_verify_consensus_fault(10, 20, 30),
        ),
        (
            "on_block_open_base",
            pl.on_block_open_base(),
            reference.on_block_open_base(),
        ),
        (
            "on_block_stat",
            pl.on_block_stat(),
            reference.on_block_stat(),
        ),
        (
            "on_actor_lookup",
            access.on_actor_lookup(),
            reference.on_actor_lookup(),
        ),
        (
            "on_actor_update",
            access.on_actor_update(),
            reference.on_actor_update(),
        ),
        (
            "on_tipset_cid(false)",
            pl.on_tipset_cid(1),
            reference.on_tipset_cid(false),
        ),
        (
            "on_tipset_cid(true)",
            pl.on_tipset_cid(2),
            reference.on_tipset_cid(true),
        ),
        (
            "on_network_context",
            pl.on_network_context(),
            reference.on_network_context(),
        ),
        (
            "on_message_context",
            pl.on_message_context(),
            reference.on_message_context(),
        ),
        (
            "on_get_builtin_actor_type",
            pl.on_get_builtin_actor_type(),
            reference.on_get_builtin_actor_type(),
        ),
        (
            "on_get_code_cid_for_type",
            pl.on_get_code_cid_for_type(),
            reference.on_get_code_cid_for_type(),
        ),
        (
            "OnSelfBalance",
            free("OnSelfBalance"),
            reference.on_self_balance(),
        ),
        (
            "OnBalanceOf",
            free("OnBalanceOf"),
            reference.on_balance_of(),
        ),
        (
            "OnLookupAddress",
            free("OnLookupAddress"),
            reference.on_lookup_delegated_address(),
        ),
    ];
    for (what, a, b) in fixed {
        c.eq(what, ours(a), v3(b));
    }
    c.eq(
        "OnResolveAddress",
        ours(free("OnResolveAddress")),
        v3(reference.on_resolve_address()),
    );
    c.eq(
        "OnGetActorCodeCid",
        ours(free("OnGetActorCodeCid")),
        v3(reference.on_get_actor_code_cid()),
    );
    c.eq(
        "on_compute_unsealed_sector_cid",
        ours(pl.on_compute_unsealed_sector_cid()),
        v3(reference.on_compute_unsealed_sector_cid(
            fvm_shared3::sector::RegisteredSealProof::StackedDRG32GiBV1P1,
            &[],
        )),
    );
    let seal = fvm_shared3::sector::SealVerifyInfo {
        registered_proof: fvm_shared3::sector::RegisteredSealProof::StackedDRG32GiBV1P1,
        sector_id: Default::default(),
        deal_ids: vec![],
        randomness: Default::default(),
        interactive_randomness: Default::default(),
        proof: vec![],
        sealed_cid: Default::default(),
        unsealed_cid: Default::default(),
    };
    c.eq(
        "on_verify_seal",
        ours(pl.on_verify_seal()),
        v3(reference.on_verify_seal(&seal)),
    );
    let replica = fvm_shared3::sector::ReplicaUpdateInfo {
        update_proof_type: fvm_shared3::sector::RegisteredUpdateProof::StackedDRG32GiBV1,
        old_sealed_cid: Default::default(),
        new_sealed_cid: Default::default(),
        new_unsealed_cid: Default::default(),
        proof: vec![],
    };
    c.eq(
        "on_verify_replica_update",
        ours(pl.on_verify_replica_update()),
        v3(reference.on_verify_replica_update(&replica)),
    );
    for sectors in [0, 1, 2349] {
        c.eq(
            format!("on_verify_post({sectors})"),
            ours(pl.on_verify_post(&window_post_ours(sectors))),
            v3(reference.on_verify_post(&window_post_v3(sectors))),
        );
    }
    for number in SEAL_TYPES {
        for count in AGGREGATE_COUNTS {
            let agg = fvm_shared3::sector::AggregateSealVerifyProofAndInfos {
                miner: 1000,
                seal_proof: fvm_shared3::sector::RegisteredSealProof::from(number),
                aggregate_proof: fvm_shared3::sector::RegisteredAggregateProof::SnarkPackV1,
                proof: vec![],
                infos: vec![aggregate_info!(fvm_shared3); count],
            };
            c.eq(
                format!("on_verify_aggregate_seals({number}, {count})"),
                ours(pl.on_verify_aggregate_seals(RegisteredSealProof::from(number), count)),
                v3(reference.on_verify_aggregate_seals(&agg)),
            );
        }
    }
    c.finish(pl);
}
