//! The Watermelon and Teep schedules against fvm 4.8.4's own price lists, charge by charge,
//! compute and other gas apart, with the reference's charge names: every network version
//! from 21 to 28 is checked against the list the reference picks for it.
use skyr::gas::{GasCharge, PriceList};
use skyr::rules::rules_for_number;
use skyr::shared::crypto::signature::SignatureType;
use skyr::shared::econ::TokenAmount;
use skyr::shared::sector::{
    AggregateSealVerifyInfo, AggregateSealVerifyProofAndInfos, PoStProof, RegisteredAggregateProof,
    RegisteredPoStProof, RegisteredSealProof, RegisteredUpdateProof, ReplicaUpdateInfo,
    SealVerifyInfo, SectorInfo, WindowPoStVerifyInfo,
};
use skyr::shared::version::NetworkVersion;

/// Sizes every per-byte charge is tried at.
const SIZES: [usize; 9] = [0, 1, 7, 100, 1024, 65_536, 1 << 20, 100 << 20, 1 << 31];
/// Link counts tried wherever links are charged.
const LINKS: [usize; 5] = [0, 1, 2, 37, 100_000];
/// Epochs back (negative ones lie in the future).
const LOOKBACKS: [i64; 9] = [0, 1, 2, 899, 900, 1_000_000, -1, i64::MIN, i64::MAX];
/// Seal types whose aggregates are priced (NI-PoRep from Teep on).
const SEAL_TYPES: [i64; 8] = [3, 4, 8, 9, 13, 18, 19, -1];
const AGGREGATE_COUNTS: [usize; 12] = [0, 1, 2, 3, 4, 5, 9, 17, 33, 65, 409, 410];

type Parts = (String, i64, i64);

fn ours(c: GasCharge) -> Parts {
    (
        c.name.to_string(),
        c.compute.as_milligas(),
        c.other.as_milligas(),
    )
}

fn theirs(c: fvm4::gas::GasCharge) -> Parts {
    // fvm 4 counts milligas in u64 and saturates there; Skyr saturates at i64::MAX, which
    // no gas limit reaches either.
    let milli = |g: fvm4::gas::Gas| i64::try_from(g.as_milligas()).unwrap_or(i64::MAX);
    (c.name.to_string(), milli(c.compute_gas), milli(c.other_gas))
}

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
}

fn seal_info() -> SealVerifyInfo {
    SealVerifyInfo {
        registered_proof: RegisteredSealProof::StackedDRG32GiBV1P1,
        sector_id: Default::default(),
        deal_ids: vec![],
        randomness: Default::default(),
        interactive_randomness: Default::default(),
        proof: vec![],
        sealed_cid: Default::default(),
        unsealed_cid: Default::default(),
    }
}

fn window_post(sectors: usize) -> WindowPoStVerifyInfo {
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

/// Compares every charge of `pl` with the reference's list for `nv`; returns the checks.
fn compare(pl: &PriceList, nv: NetworkVersion) -> Checks {
    use fvm4::kernel::SupportedHashes as H;
    let reference = fvm4::gas::price_list_by_network_version(nv);
    let mut c = Checks::default();
    for n in SIZES {
        c.eq(
            format!("on_chain_message({n})"),
            ours(pl.on_chain_message(n)),
            theirs(reference.on_chain_message(n)),
        );
        c.eq(
            format!("on_chain_return_value({n})"),
            ours(pl.on_chain_return_value(n)),
            theirs(reference.on_method_return(1, n as u32, 7)),
        );
        c.eq(
            format!("on_block_read({n})"),
            ours(pl.on_block_read(n)),
            theirs(reference.on_block_read(n)),
        );
        for links in LINKS {
            c.eq(
                format!("on_block_open({n}, {links})"),
                ours(pl.on_block_open_per_byte(n, links)),
                theirs(reference.on_block_open(n, links)),
            );
            c.eq(
                format!("on_block_create({n}, {links})"),
                ours(pl.on_block_create(n, links)),
                theirs(reference.on_block_create(n, links)),
            );
        }
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
                theirs(reference.on_hashing(h, n)),
            );
            c.eq(
                format!("on_block_link({code:#x}, {n})"),
                ours(pl.on_block_link(code, n)),
                theirs(reference.on_block_link(h, n)),
            );
        }
        for sig in [SignatureType::BLS, SignatureType::Secp256k1] {
            c.eq(
                format!("on_verify_signature({sig:?}, {n})"),
                ours(pl.on_verify_signature(sig, n)),
                theirs(reference.on_verify_signature(sig, n)),
            );
        }
        for signers in [0usize, 1, 2, 500] {
            c.eq(
                format!("on_verify_bls_aggregate({signers}, {n})"),
                ours(pl.on_verify_bls_aggregate(signers, n).expect("priced")),
                theirs(reference.on_verify_aggregate_signature(signers, n)),
            );
        }
        for (entries, keys) in [(0usize, 0usize), (1, 5), (3, 60), (255, 7905), (256, 0)] {
            c.eq(
                format!("on_actor_event({entries}, {keys}, {n})"),
                ours(pl.on_actor_event(entries, keys, n).expect("priced")),
                theirs(reference.on_actor_event(entries, keys, n)),
            );
        }
    }
    for lookback in LOOKBACKS {
        c.eq(
            format!("on_get_randomness({lookback})"),
            ours(pl.on_get_randomness(32, lookback)),
            theirs(reference.on_get_randomness(lookback)),
        );
        c.eq(
            format!("on_tipset_cid({lookback})"),
            ours(pl.on_tipset_cid(lookback)),
            theirs(reference.on_tipset_cid(lookback)),
        );
    }
    for links in LINKS {
        c.eq(
            format!("on_nested_return({links})"),
            ours(pl.on_nested_return(links).expect("charged")),
            theirs(reference.on_method_return(2, 100, links)),
        );
        for method in [2u64, 3844450837] {
            c.eq(
                format!("on_method_invocation({method}, {links})"),
                ours(pl.on_send_before_invoke(method, links).expect("charged")),
                theirs(reference.on_method_invocation(100, links)),
            );
        }
    }
    assert!(
        pl.on_send_before_invoke(0, 3).is_none(),
        "sends run no method"
    );
    for atto in [1u64, 10] {
        let value = TokenAmount::from_atto(atto);
        c.eq(
            "on_value_transfer",
            ours(pl.on_send_before_transfer(&value, 2).expect("charged")),
            theirs(reference.on_value_transfer()),
        );
    }
    assert!(pl
        .on_send_before_transfer(&TokenAmount::default(), 2)
        .is_none());
    let access = pl.state_access.expect("state access is priced");
    let free = |name| pl.on_free_lookup(name);
    let fixed: Vec<(&str, GasCharge, fvm4::gas::GasCharge)> = vec![
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
            "on_get_root",
            pl.on_get_root().expect("charged"),
            reference.on_get_root(),
        ),
        (
            "on_set_root",
            pl.on_set_root().expect("charged"),
            reference.on_set_root(),
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
        (
            "OnResolveAddress",
            free("OnResolveAddress"),
            reference.on_resolve_address(),
        ),
        (
            "OnGetActorCodeCid",
            free("OnGetActorCodeCid"),
            reference.on_get_actor_code_cid(),
        ),
        (
            "on_compute_unsealed_sector_cid",
            pl.on_compute_unsealed_sector_cid(),
            reference.on_compute_unsealed_sector_cid(RegisteredSealProof::StackedDRG32GiBV1P1, &[]),
        ),
        (
            "on_verify_seal",
            pl.on_verify_seal(),
            reference.on_verify_seal(&seal_info()),
        ),
        (
            "on_verify_replica_update",
            pl.on_verify_replica_update(),
            reference.on_verify_replica_update(&ReplicaUpdateInfo {
                update_proof_type: RegisteredUpdateProof::StackedDRG32GiBV1,
                old_sealed_cid: Default::default(),
                new_sealed_cid: Default::default(),
                new_unsealed_cid: Default::default(),
                proof: vec![],
            }),
        ),
    ];
    for (what, a, b) in fixed {
        c.eq(what, ours(a), theirs(b));
    }
    for sectors in [0, 1, 2349] {
        c.eq(
            format!("on_verify_post({sectors})"),
            ours(pl.on_verify_post(&window_post(sectors))),
            theirs(reference.on_verify_post(&window_post(sectors))),
        );
    }
    for number in SEAL_TYPES {
        for count in AGGREGATE_COUNTS {
            let agg = AggregateSealVerifyProofAndInfos {
                miner: 1000,
                seal_proof: RegisteredSealProof::from(number),
                aggregate_proof: RegisteredAggregateProof::SnarkPackV2,
                proof: vec![],
                infos: vec![
                    AggregateSealVerifyInfo {
                        sector_number: 1,
                        randomness: Default::default(),
                        interactive_randomness: Default::default(),
                        sealed_cid: Default::default(),
                        unsealed_cid: Default::default(),
                    };
                    count
                ],
            };
            c.eq(
                format!("on_verify_aggregate_seals({number}, {count})"),
                ours(pl.on_verify_aggregate_seals(RegisteredSealProof::from(number), count)),
                theirs(reference.on_verify_aggregate_seals(&agg)),
            );
        }
    }
    c
}

#[test]
fn watermelon_and_teep_schedules_equal_fvm4_at_every_version() {
    let mut total = 0;
    let mut differ = Vec::new();
    for nv in 21..=28u32 {
        let rules = rules_for_number(nv).expect("nv21-28 have rules");
        let c = compare(rules.prices, NetworkVersion::new(nv));
        println!(
            "nv{nv} {}: {} charges compared, {} differ",
            rules.prices.name(),
            c.count,
            c.differ.len()
        );
        assert!(c.count > 400, "too few comparisons: {}", c.count);
        total += c.count;
        differ.extend(c.differ.into_iter().map(|d| format!("nv{nv}: {d}")));
    }
    println!("nv21-28: {total} charges compared");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The two schedules differ where Teep changed them, so the comparison above tells them
/// apart: Watermelon at nv25 fails it.
#[test]
fn watermelon_is_not_teep() {
    let c = compare(&skyr::gas::WATERMELON_PRICES, NetworkVersion::V25);
    assert!(
        c.differ.iter().any(|d| d.starts_with("on_verify_seal")),
        "{:?}",
        c.differ
    );
    assert!(c
        .differ
        .iter()
        .any(|d| d.starts_with("on_verify_aggregate_seals(18")));
}
