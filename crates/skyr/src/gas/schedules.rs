//! The gas schedules themselves, as data: Skyr (FIP-0032, network versions 16–17), Hygge
//! (FIP-0057, 18–20), Watermelon (FIP-0071/0072/0075/0079, 21–24) and Teep (25–28).
//! Numbers are the references' (fvm 2.12.2, fvm 3.14.2, fvm 4.8.4); where a charge was made of
//! several prices, the sum is written out with its parts.
use fvm_shared::sector::RegisteredSealProof;

use super::price_list::{
    AggregatePrices, BlsAggregatePrices, EntryEventPrices, HashPrices, LinkPrices, PriceList,
    Scaling, SendPrices, Split, StateAccessPrices, WasmPrices,
};
use super::Gas;

const fn gas(n: i64) -> Gas {
    Gas::new(n)
}

/// Storage gas was priced per byte times this multiplier before Hygge.
const SKYR_STORAGE_MULTIPLIER: i64 = 1300;

/// Extern calls (to the node) cost this much compute before Hygge.
const SKYR_EXTERN: i64 = 21000;

const AGGREGATE_32G: AggregatePrices = AggregatePrices {
    per_proof: gas(449900),
    steps: &[
        (4, gas(103994170)),
        (7, gas(112356810)),
        (13, gas(122912610)),
        (26, gas(137559930)),
        (52, gas(162039100)),
        (103, gas(210960780)),
        (205, gas(318351180)),
        (410, gas(528274980)),
    ],
};

const AGGREGATE_64G: AggregatePrices = AggregatePrices {
    per_proof: gas(359272),
    steps: &[
        (4, gas(102581240)),
        (7, gas(110803030)),
        (13, gas(120803700)),
        (26, gas(134642130)),
        (52, gas(157357890)),
        (103, gas(203017690)),
        (205, gas(304253590)),
        (410, gas(509880640)),
    ],
};

/// Aggregate prices before Teep: 64 GiB sectors have their own, every other type pays the
/// 32 GiB price.
const AGGREGATES: &[(RegisteredSealProof, AggregatePrices)] = &[
    (RegisteredSealProof::StackedDRG32GiBV1P1, AGGREGATE_32G),
    (RegisteredSealProof::StackedDRG64GiBV1P1, AGGREGATE_64G),
];

/// Window PoSt: the same for every proof type in every schedule.
const VERIFY_POST: Scaling = Scaling::new(gas(117680921), gas(43780));

/// The Skyr schedule of FIP-0032, for network versions 16 and 17.
pub static SKYR_PRICES: PriceList = PriceList {
    name: "SKYR",
    names_free_lookups: false,
    // (36 bytes + the message) × the storage multiplier.
    on_chain_message: Split::new(
        Scaling::fixed(gas(38863)),
        Scaling::new(
            gas(36 * SKYR_STORAGE_MULTIPLIER),
            gas(SKYR_STORAGE_MULTIPLIER),
        ),
    ),
    on_chain_return: Split::other(Scaling::per(gas(SKYR_STORAGE_MULTIPLIER))),
    send: SendPrices::OneCharge {
        base: gas(29233),
        transfer: gas(27500),
        transfer_only_premium: gas(159672),
        invoke: gas(-5377),
    },
    state_access: None,
    // 36 + 40 bytes of state tree, at the storage multiplier; deleting refunds them.
    create_actor: Split::new(
        Scaling::fixed(gas(1108454)),
        Scaling::fixed(gas(76 * SKYR_STORAGE_MULTIPLIER)),
    ),
    create_actor_new_address: Gas::zero(),
    delete_actor: Split::other(Scaling::fixed(gas(-76 * SKYR_STORAGE_MULTIPLIER))),
    syscall: gas(14000),
    bls_signature: Scaling::fixed(gas(16598605)),
    secp256k1_signature: Scaling::fixed(gas(1637292)),
    secp256k1_recover: gas(1637292),
    hashing: HashPrices::Uniform(Scaling::fixed(gas(31355))),
    tipset_cid_latest: Gas::zero(),
    tipset_cid_historical: Gas::zero(),
    compute_unsealed_sector_cid: gas(98647),
    verify_seal: gas(2000),
    aggregates: AGGREGATES,
    verify_replica_update: gas(36316136),
    verify_post: VERIFY_POST,
    verify_consensus_fault: Split::compute(Scaling::fixed(gas(SKYR_EXTERN + 495422))),
    // The extern call; the randomness itself was not priced.
    get_randomness: Split::compute(Scaling::fixed(gas(SKYR_EXTERN))),
    lookback: None,
    links: None,
    entry_events: None,
    bls_aggregate: None,
    block_open_base: Split::compute(Scaling::fixed(gas(SKYR_EXTERN + 114617))),
    block_open_other_per_byte: Gas::zero(),
    // Skyr called this "memory retention per byte" and charged it on open and create.
    block_allocate: Scaling::per(gas(10)),
    block_memcpy: Scaling::per(Gas::from_milligas(500)),
    block_retention_minimum: Scaling::ZERO,
    // A flat price, two copies of the block, and its bytes at the storage multiplier.
    block_link: Split::new(
        Scaling::new(gas(353640), Gas::from_milligas(2 * 500)),
        Scaling::per(gas(SKYR_STORAGE_MULTIPLIER)),
    ),
    block_link_charges_hashing: false,
    block_stat: Split::ZERO,
    network_context: Gas::zero(),
    message_context: Gas::zero(),
    builtin_manifest_lookup: Gas::zero(),
    event_validation: Scaling::ZERO,
    event_index_per_element: Gas::zero(),
    event_index_per_byte: Gas::zero(),
    wasm: WasmPrices {
        instruction: gas(4),
        memory_fill_per_byte: Gas::zero(),
        memory_copy_per_byte: Gas::zero(),
    },
};

/// Actor update price of Hygge, also part of every message's inclusion.
const HYGGE_ACTOR_UPDATE: i64 = 475_000;

/// The Hygge schedule of FIP-0057, for network versions 18 to 20.
pub static HYGGE_PRICES: PriceList = HYGGE;

const HYGGE: PriceList = PriceList {
    name: "HYGGE",
    names_free_lookups: true,
    // 36 bytes + the message at 1300 gas a byte, plus updating the sender.
    on_chain_message: Split::new(
        Scaling::fixed(gas(38863)),
        Scaling::new(gas(36 * 1300 + HYGGE_ACTOR_UPDATE), gas(1300)),
    ),
    on_chain_return: Split::other(Scaling::per(gas(1300))),
    send: SendPrices::TwoCharges {
        transfer: gas(6000),
        invoke: gas(75000),
    },
    state_access: Some(StateAccessPrices {
        lookup: gas(500_000),
        update: gas(HYGGE_ACTOR_UPDATE),
        // FIP-0055: system, init, reward, cron, power, market, verified registry, datacap
        // (7), the EAM (10) and the burnt funds account (99).
        preloaded: &[0, 1, 2, 3, 4, 5, 6, 7, 10, 99],
    }),
    create_actor: Split::other(Scaling::fixed(gas(650_000))),
    // Assigning the address and looking it up.
    create_actor_new_address: gas(1_000_000 + 1_050_000),
    delete_actor: Split::ZERO,
    syscall: gas(14000),
    bls_signature: Scaling::new(gas(16598605), gas(26)),
    secp256k1_signature: Scaling::new(gas(1637292), gas(10)),
    secp256k1_recover: gas(1637292),
    hashing: HashPrices::PerHasher(&[
        (0x12, Scaling::per(gas(7))),    // sha2-256
        (0xb220, Scaling::per(gas(10))), // blake2b-256
        (0xb240, Scaling::per(gas(10))), // blake2b-512
        (0x1b, Scaling::per(gas(33))),   // keccak-256
        (0x1053, Scaling::per(gas(35))), // ripemd-160
    ]),
    tipset_cid_latest: gas(50_000),
    tipset_cid_historical: gas(215_000),
    compute_unsealed_sector_cid: gas(98647),
    verify_seal: gas(2000),
    aggregates: AGGREGATES,
    verify_replica_update: gas(36316136),
    verify_post: VERIFY_POST,
    verify_consensus_fault: Split::other(Scaling::fixed(gas(516422))),
    // The seed (21000), then blake2b-256 (10 a byte) over the entropy and 48 bytes of
    // domain tag, digest and round.
    get_randomness: Split::other(Scaling::new(gas(21000 + 10 * 48), gas(10))),
    lookback: None,
    links: None,
    entry_events: None,
    bls_aggregate: None,
    block_open_base: Split::other(Scaling::fixed(gas(187440))),
    block_open_other_per_byte: Gas::zero(),
    block_allocate: Scaling::per(gas(2)),
    block_memcpy: Scaling::per(Gas::from_milligas(400)),
    block_retention_minimum: Scaling::per(gas(10)),
    // One copy and one allocation, then flushing (172000) and storage (334000 + 3340 a byte).
    block_link: Split::new(
        Scaling::per(Gas::from_milligas(400 + 2000)),
        Scaling::new(gas(172_000 + 334_000), gas(3340)),
    ),
    block_link_charges_hashing: true,
    block_stat: Split::ZERO,
    network_context: Gas::zero(),
    message_context: Gas::zero(),
    builtin_manifest_lookup: Gas::zero(),
    event_validation: Scaling::new(gas(1750), gas(25)),
    event_index_per_element: Gas::zero(),
    event_index_per_byte: Gas::zero(),
    wasm: WasmPrices {
        instruction: gas(4),
        memory_fill_per_byte: Gas::from_milligas(400),
        memory_copy_per_byte: Gas::from_milligas(400),
    },
};

/// The Watermelon schedule, for network versions 21 to 24: Hygge, plus lookback prices for
/// randomness and tipset CIDs (FIP-0075), reachability (FIP-0071), packed events (FIP-0072)
/// and BLS aggregates (FIP-0079). Events are no longer priced as CBOR, nor randomness by its
/// entropy (the actor hashes it now).
pub static WATERMELON_PRICES: PriceList = WATERMELON;

const WATERMELON: PriceList = PriceList {
    name: "WATERMELON",
    tipset_cid_latest: Gas::zero(),
    tipset_cid_historical: Gas::zero(),
    get_randomness: Split::ZERO,
    // Nineteen steps of 20 epochs up the chain (5800 each), the lookup (15000) and the extern
    // (21000), then 75 an epoch back.
    lookback: Some(Scaling::new(gas(5800 * 19 + 15000 + 21000), gas(75))),
    // The FIP says 85 tracked, 950 checked (and 500/550 elsewhere); the crate charges these.
    links: Some(LinkPrices {
        scan_per_field: gas(35),
        scan_per_cid: gas(400),
        tracked: gas(300),
        checked: gas(300),
    }),
    entry_events: Some(EntryEventPrices {
        per_entry: Scaling::new(gas(2000), gas(1400)),
        utf8: Scaling::new(gas(500), gas(16)),
    }),
    bls_aggregate: Some(BlsAggregatePrices {
        pairing: gas(8299302),
        hashing: Scaling::per(gas(7)),
    }),
    event_validation: Scaling::ZERO,
    ..HYGGE
};

/// The Teep schedule, for network versions 25 to 28: Watermelon with each seal of a batch
/// charged as a real verification (ref-fvm #2103), and NI-PoRep aggregates priced per proof
/// on their own steps (FIP-0092).
pub static TEEP_PRICES: PriceList = PriceList {
    name: "TEEP",
    verify_seal: gas(42_000_000),
    aggregates: &[
        (RegisteredSealProof::StackedDRG32GiBV1P1, AGGREGATE_32G),
        (RegisteredSealProof::StackedDRG64GiBV1P1, AGGREGATE_64G),
        (
            RegisteredSealProof::StackedDRG32GiBV1P2_Feat_NiPoRep,
            AggregatePrices {
                per_proof: gas(44990 * 126),
                steps: &[
                    (1, gas(112356810)),
                    (2, gas(122912610)),
                    (3, gas(137559930)),
                    (5, gas(162039100)),
                    (9, gas(210960780)),
                    (17, gas(318351180)),
                    (33, gas(528274980)),
                ],
            },
        ),
        (
            RegisteredSealProof::StackedDRG64GiBV1P2_Feat_NiPoRep,
            AggregatePrices {
                per_proof: gas(35928 * 126),
                steps: &[
                    (1, gas(110803030)),
                    (2, gas(120803700)),
                    (3, gas(134642130)),
                    (5, gas(157357890)),
                    (9, gas(203017690)),
                    (17, gas(304253590)),
                    (33, gas(509880640)),
                ],
            },
        ),
    ],
    ..WATERMELON
};

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_shared::econ::TokenAmount;
    use fvm_shared::sector::RegisteredSealProof;

    #[test]
    fn aggregate_steps_start_at_four_proofs() {
        let pl = &SKYR_PRICES;
        let p = RegisteredSealProof::StackedDRG32GiBV1P1;
        let total = |n| pl.on_verify_aggregate_seals(p, n).total();
        assert_eq!(total(3), gas(449900 * 3));
        assert_eq!(total(4), gas(449900 * 4 + 103994170));
        assert_eq!(total(500), gas(449900 * 500 + 528274980));
    }

    #[test]
    fn skyr_value_sends_pay_the_transfer_premium_in_one_charge() {
        let pl = &SKYR_PRICES;
        let one = TokenAmount::from_atto(1);
        let before = |v: &TokenAmount, m| pl.on_send_before_transfer(v, m).map(|c| c.total());
        assert_eq!(before(&one, 0), Some(gas(29233 + 27500 + 159672)));
        assert_eq!(before(&one, 2), Some(gas(29233 + 27500 - 5377)));
        assert_eq!(before(&TokenAmount::default(), 0), Some(gas(29233)));
        assert_eq!(pl.on_send_before_invoke(2, 0), None);
    }

    #[test]
    fn hygge_sends_charge_transfer_and_invocation_apart() {
        let pl = &HYGGE_PRICES;
        let one = TokenAmount::from_atto(1);
        let zero = TokenAmount::default();
        assert_eq!(pl.on_send_before_transfer(&zero, 2), None);
        let transfer = pl
            .on_send_before_transfer(&one, 0)
            .map(|c| (c.name, c.total()));
        assert_eq!(transfer, Some(("OnValueTransfer", gas(6000))));
        assert_eq!(pl.on_send_before_invoke(0, 0), None);
        let invoke = pl.on_send_before_invoke(2, 0).map(|c| (c.name, c.total()));
        assert_eq!(invoke, Some(("OnMethodInvocation", gas(75000))));
    }

    #[test]
    fn hygge_blocks_pay_at_least_the_retention_minimum() {
        let pl = &HYGGE_PRICES;
        assert_eq!(pl.on_block_open_per_byte(10, 0).total(), gas(100));
        assert_eq!(pl.on_block_create(10, 0).total(), gas(100));
        // Skyr has no minimum: allocation and copy only.
        assert_eq!(
            SKYR_PRICES.on_block_create(10, 0).total(),
            Gas::from_milligas(105_000)
        );
    }

    #[test]
    fn unknown_hashers_have_a_price_only_under_skyr() {
        assert!(SKYR_PRICES.on_hashing(0x99, 10).is_some());
        assert!(HYGGE_PRICES.on_hashing(0x99, 10).is_none());
        assert_eq!(
            HYGGE_PRICES.on_hashing(0x1b, 10).map(|c| c.total()),
            Some(gas(330))
        );
    }
}
