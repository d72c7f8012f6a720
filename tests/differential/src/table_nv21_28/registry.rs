//! The verified registry, datacap and storage market actors at work on both machines, from
//! the storage genesis of [`super::builtins`]: the root key adds a verifier, the verifier
//! gives a client datacap (the registry mints it through the datacap actor), and clients
//! lock and withdraw market balance.
use skyr::shared::address::Address;
use skyr::shared::bigint::bigint_ser::BigIntSer;
use skyr::shared::bigint::BigInt;
use skyr::shared::econ::TokenAmount;

use super::builtins::{cbor, id, storage, MARKET, VERIFREG};
use crate::genesis_skyr::ids;
use crate::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg, OfficialScenario};

const ADD_VERIFIER: u64 = 2;
const REMOVE_VERIFIER: u64 = 3;
const ADD_VERIFIED_CLIENT: u64 = 4;
const ADD_BALANCE: u64 = 2;
const WITHDRAW_BALANCE: u64 = 3;

/// The root key (secp account 2), the verifier (secp account 3) and the client (BLS 1).
fn verifier() -> Address {
    Address::new_id(ids::SECP[3])
}
pub(super) fn client() -> Address {
    Address::new_id(ids::BLS[1])
}

/// `{address, allowance}`, the shape of AddVerifier's and AddVerifiedClient's parameters.
fn allowance(who: Address, bytes: u64) -> Vec<u8> {
    cbor(&(who, BigIntSer(&BigInt::from(bytes))))
}

const MIB: u64 = 1 << 20;

/// The root key adds the verifier with `verifier_bytes`, who gives the client `client_bytes`
/// of datacap.
pub(super) fn datacap(
    b: OfficialBuilder,
    verifier_bytes: u64,
    client_bytes: u64,
) -> OfficialBuilder {
    b.msg(
        OfficialMsg::new(From::Secp(2), id(VERIFREG), ADD_VERIFIER)
            .params(allowance(verifier(), verifier_bytes)),
    )
    .exits(0)
    .msg(
        OfficialMsg::new(From::Secp(3), id(VERIFREG), ADD_VERIFIED_CLIENT)
            .params(allowance(client(), client_bytes)),
    )
    .exits(0)
}

/// Every scenario of the family.
pub fn scenarios() -> Vec<OfficialScenario> {
    let add_client = || {
        OfficialMsg::new(From::Secp(3), id(VERIFREG), ADD_VERIFIED_CLIENT)
            .params(allowance(client(), 8 * MIB))
    };
    let add_verifier = |b: crate::scenario_nv18_28::OfficialBuilder, bytes: u64| {
        b.msg(
            OfficialMsg::new(From::Secp(2), id(VERIFREG), ADD_VERIFIER)
                .params(allowance(verifier(), bytes)),
        )
    };
    vec![
        add_verifier(storage("builtin: root key adds a verifier"), 64 * MIB)
            .exits(0)
            .build(),
        add_verifier(
            storage("builtin: a verifier below the minimum allowance"),
            MIB - 1,
        )
        .exits(16)
        .build(),
        storage("builtin: only the root key adds verifiers")
            .msg(
                OfficialMsg::new(From::Secp(1), id(VERIFREG), ADD_VERIFIER)
                    .params(allowance(verifier(), 64 * MIB)),
            )
            .exits(18)
            .build(),
        datacap(
            storage("builtin: verifier gives a client datacap"),
            64 * MIB,
            8 * MIB,
        )
        .build(),
        add_verifier(
            storage("builtin: a client past the verifier's allowance"),
            4 * MIB,
        )
        .exits(0)
        .msg(add_client())
        .exits(16)
        .build(),
        add_verifier(storage("builtin: root key removes a verifier"), 64 * MIB)
            .exits(0)
            .msg(
                OfficialMsg::new(From::Secp(2), id(VERIFREG), REMOVE_VERIFIER)
                    .params(cbor(&verifier())),
            )
            .exits(0)
            .build(),
        storage("builtin: client locks and withdraws market balance")
            .msg(
                OfficialMsg::new(From::Bls(1), id(MARKET), ADD_BALANCE)
                    .params(cbor(&client()))
                    .value_whole(50),
            )
            .exits(0)
            .msg(
                OfficialMsg::new(From::Bls(1), id(MARKET), WITHDRAW_BALANCE)
                    .params(cbor(&(client(), TokenAmount::from_whole(20)))),
            )
            .exits(0)
            .build(),
        storage("builtin: market balance needs value")
            .msg(OfficialMsg::new(From::Bls(1), id(MARKET), ADD_BALANCE).params(cbor(&client())))
            .exits(16)
            .build(),
    ]
}

pub(super) const PUBLISH_STORAGE_DEALS: u64 = 4;

/// A storage deal between BLS account 1 (the client) and the scenarios' miner, for a 1 MiB
/// piece over 520,000 epochs from epoch 3000, signed by the client (`good`) or by another
/// key.
fn deal(good: bool) -> Vec<u8> {
    deal_of(super::builtins::piece(7), MIB, false, good)
}

/// `PublishStorageDealsParams` of one deal for `piece` of `size` bytes, `verified` or not
/// (see [`deal`]).
pub(super) fn deal_of(piece: cid::Cid, size: u64, verified: bool, good: bool) -> Vec<u8> {
    deal_from(piece, size, verified, good, 3000)
}

/// [`deal_of`], the deal starting at epoch `start`.
pub(super) fn deal_from(
    piece: cid::Cid,
    size: u64,
    verified: bool,
    good: bool,
    start: i64,
) -> Vec<u8> {
    let proposal = (
        piece,
        size,
        verified,
        client(),
        Address::new_id(super::builtins::MINER),
        "skyr",
        start,
        start + 520_000,
        TokenAmount::from_atto(1000),
        TokenAmount::from_whole(1),
        TokenAmount::from_atto(0),
    );
    let signer = crate::genesis_skyr::bls_key(if good { 1 } else { 0 });
    let mut signature = vec![2u8]; // a BLS signature
    signature.extend(signer.sign(&cbor(&proposal)));
    cbor(&((vec![(proposal, serde_bytes::ByteBuf::from(signature))]),))
}

/// Storage deals published by the miner's worker after both sides locked funds.
pub fn deal_scenarios() -> Vec<OfficialScenario> {
    let publish = |name: &str, good: bool| {
        funded(super::builtins::with_miner(name)).msg(
            OfficialMsg::new(From::Bls(0), id(MARKET), PUBLISH_STORAGE_DEALS).params(deal(good)),
        )
    };
    vec![
        publish("builtin: miner publishes a signed storage deal", true)
            .exits(0)
            .build(),
        publish("builtin: a deal signed by another key is refused", false)
            .exits(16)
            .build(),
    ]
}

/// The market's `GetBalance` (an FRC-42 method): an address's `{balance, locked}`.
pub(super) fn get_balance() -> u64 {
    super::builtins::exported("GetBalance")
}

/// Market balance locked by the miner's owner and the client, 10 FIL each.
pub(super) fn funded(
    b: crate::scenario_nv18_28::OfficialBuilder,
) -> crate::scenario_nv18_28::OfficialBuilder {
    b.msg(
        OfficialMsg::new(From::Secp(0), id(MARKET), ADD_BALANCE)
            .params(cbor(&Address::new_id(super::builtins::MINER)))
            .value_whole(10),
    )
    .exits(0)
    .msg(
        OfficialMsg::new(From::Bls(1), id(MARKET), ADD_BALANCE)
            .params(cbor(&client()))
            .value_whole(10),
    )
    .exits(0)
}
