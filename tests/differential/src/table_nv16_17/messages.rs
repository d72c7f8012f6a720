//! Plain messages: value transfers to every kind of address, account methods, and every
//! pre-validation failure of the executor.
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::version::NetworkVersion;

use crate::genesis_skyr::{bls_key, ids, secp_key, GenesisEdit};
use crate::keys::{BlsKey, SecpKey};
use crate::scenario_nv16_17::{test_actor, Builder, Msg, Scenario, Sender};
use skyr_test_program::Op;

/// The scenario whose sender starts at sequence u64::MAX.
pub const SEQUENCE_WRAPS: &str = "sequence at its maximum, then 0";

fn fil(n: i64) -> TokenAmount {
    TokenAmount::from_whole(n)
}

/// Every kind of recipient of a plain transfer.
fn recipients() -> Vec<(&'static str, Address)> {
    vec![
        ("secp account by ID", Address::new_id(ids::SECP[1])),
        ("secp account by key", secp_key(1).address()),
        ("bls account by key", bls_key(1).address()),
        ("new f1 (auto-created)", SecpKey::from_seed(200).address()),
        ("new f3 (auto-created)", BlsKey::from_seed(200).address()),
        ("unknown f2", Address::new_actor(b"nobody")),
        ("unknown ID", Address::new_id(77_777)),
        ("test actor", test_actor(0)),
        ("reward actor", Address::new_id(2)),
        ("burnt funds", Address::new_id(99)),
        ("system actor", Address::new_id(0)),
        ("self", secp_key(0).address()),
        (
            "bls all-zero key",
            Address::new_bls(&[0u8; 48]).expect("48 bytes"),
        ),
        ("bls zero address", *fvm_shared::ZERO_ADDRESS),
    ]
}

pub fn scenarios() -> Vec<Scenario> {
    let mut v = Vec::new();
    for (name, to) in recipients() {
        for (vname, value) in [
            ("zero", TokenAmount::default()),
            ("1 FIL", fil(1)),
            ("too much", fil(2_000_000)),
        ] {
            for from in [Sender::Secp(0), Sender::Bls(0)] {
                let fname = match from {
                    Sender::Secp(_) => "secp",
                    _ => "bls",
                };
                v.push(
                    Builder::new(format!("transfer {vname} from {fname} to {name}"))
                        .msg(Msg::new(from, to, 0).value(value.clone()))
                        .msg(Msg::new(from, to, 0).value(value.clone()))
                        .build(),
                );
            }
        }
    }
    // Auto-created accounts can send afterwards, and get their own ID.
    let new = SecpKey::from_seed(201);
    v.push(
        Builder::new("auto-created account sends back")
            .msg(Msg::new(Sender::Secp(0), new.address(), 0).value(fil(10)))
            .msg(Msg::new(Sender::Addr(new.address()), secp_key(0).address(), 0).value(fil(1)))
            .msg(
                Msg::new(
                    Sender::Addr(Address::new_id(ids::FIRST_NEW)),
                    secp_key(0).address(),
                    0,
                )
                .value(fil(1))
                .sequence(1),
            )
            .build(),
    );
    // Account methods.
    let acct = Address::new_id(ids::SECP[1]);
    for method in [1u64, 2, 3, 4, 3726118371, 1 << 40] {
        v.push(
            Builder::new(format!("account method {method}"))
                .msg(Msg::new(Sender::Secp(0), acct, method))
                .build(),
        );
    }
    let bls_acct = Address::new_id(ids::BLS[0]);
    v.push(
        Builder::new("bls account pubkey address")
            .msg(Msg::new(Sender::Secp(0), bls_acct, 2))
            .build(),
    );
    for (name, sig_ok) in [("valid", true), ("invalid", false)] {
        let msg = b"authenticate me".to_vec();
        let mut sig = secp_key(1).sign(&msg);
        if !sig_ok {
            sig[10] ^= 1;
        }
        let params = fvm_ipld_encoding::to_vec(&(serde_bytes_vec(sig), serde_bytes_vec(msg)))
            .expect("encode");
        v.push(
            Builder::new(format!("account authenticates a {name} secp signature"))
                .msg(Msg::new(Sender::Secp(0), acct, 3).params(params))
                .build(),
        );
    }
    v.push(
        Builder::new("account constructor with garbage params")
            .msg(Msg::new(Sender::Secp(0), acct, 1).params(vec![0xff, 0x00]))
            .build(),
    );
    // Pre-validation.
    let me = Sender::Secp(0);
    let to = Address::new_id(ids::SECP[1]);
    v.push(
        Builder::new("sequence too high")
            .msg(Msg::new(me, to, 0).sequence(5))
            .build(),
    );
    // The sender's sequence at its end: the reference's release build wraps it to 0, which
    // the next message then uses. (Programs, so that the nv18+ tables replay it.)
    v.push(
        Builder::new(SEQUENCE_WRAPS)
            .edit(GenesisEdit::Sequence(ids::SECP[0], u64::MAX))
            .msg(Msg::program(0, vec![Op::Burn(1)]).sequence(u64::MAX))
            .msg(Msg::program(0, vec![Op::Burn(2)]).sequence(0))
            .build(),
    );
    v.push(
        Builder::new("sequence reused")
            .msg(Msg::new(me, to, 0))
            .msg(Msg::new(me, to, 0).sequence(0))
            .build(),
    );
    v.push(
        Builder::new("unknown sender")
            .msg(Msg::new(
                Sender::Addr(SecpKey::from_seed(99).address()),
                to,
                0,
            ))
            .build(),
    );
    v.push(
        Builder::new("sender is not an account")
            .msg(Msg::new(Sender::Addr(test_actor(0)), to, 0))
            .build(),
    );
    v.push(
        Builder::new("sender by ID")
            .msg(Msg::new(Sender::Addr(Address::new_id(ids::SECP[0])), to, 0))
            .build(),
    );
    for limit in [0i64, -1] {
        // Such a message is invalid: applying it is an error, not a receipt.
        v.push(
            Builder::new(format!("gas limit {limit} is invalid"))
                .refused()
                .msg(Msg::new(me, to, 0).gas(limit))
                .build(),
        );
    }
    for limit in [
        1i64,
        100_000,
        138_000,
        139_000,
        140_000,
        200_000,
        1_000_000,
        10_000_000_000,
        10_000_000_001,
    ] {
        v.push(
            Builder::new(format!("gas limit {limit}"))
                .msg(Msg::new(me, to, 0).value(fil(1)).gas(limit))
                .build(),
        );
        v.push(
            Builder::new(format!("gas limit {limit} on a program"))
                .msg(Msg::program(0, vec![]).gas(limit))
                .build(),
        );
    }
    // Around the inclusion cost and the execution cost of a transfer and of a program.
    for limit in (240_000i64..=500_000).step_by(20_000) {
        v.push(
            Builder::new(format!("gas sweep {limit} transfer"))
                .msg(Msg::new(me, to, 0).value(fil(1)).gas(limit))
                .build(),
        );
        v.push(
            Builder::new(format!("gas sweep {limit} new account"))
                .msg(Msg::new(me, SecpKey::from_seed(210).address(), 0).gas(limit * 5))
                .build(),
        );
        v.push(
            Builder::new(format!("gas sweep {limit} program"))
                .msg(Msg::program(0, vec![skyr_test_program::Op::Burn(20)]).gas(limit))
                .build(),
        );
    }
    v.push(
        Builder::new("balance below gas deposit")
            .msg(Msg::new(me, to, 0).fees(2_000_000_000_000_000, 1))
            .build(),
    );
    for (cap, premium) in [
        (200, 50),
        (100, 50),
        (50, 10),
        (150, 500),
        (1, 1),
        (100, 0),
        (0, 0),
    ] {
        for base in [0u64, 100, 1000] {
            v.push(
                Builder::new(format!("fees cap {cap} premium {premium} base {base}"))
                    .base_fee(base)
                    .msg(
                        Msg::new(me, to, 0)
                            .value(fil(1))
                            .fees(cap, premium)
                            .gas(2_000_000),
                    )
                    .build(),
            );
        }
    }
    // Odd amounts: a negative value is refused by the transfer; negative fee parameters make the
    // fee settlement fail, which is an error of the machine, not a receipt.
    v.push(
        Builder::new("negative value")
            .msg(Msg::new(me, to, 0).value(TokenAmount::from_atto(-5)))
            .build(),
    );
    let mut neg_cap = Msg::new(me, to, 0);
    neg_cap.fee_cap = TokenAmount::from_atto(-1);
    v.push(
        Builder::new("negative fee cap")
            .refused()
            .msg(neg_cap)
            .build(),
    );
    let mut neg_premium = Msg::new(me, to, 0);
    neg_premium.premium = TokenAmount::from_atto(-1);
    v.push(
        Builder::new("negative premium")
            .refused()
            .msg(neg_premium)
            .build(),
    );
    v.push(
        Builder::new("transfer with params")
            .msg(Msg::new(me, to, 0).value(fil(1)).params(vec![0x82, 1, 2]))
            .build(),
    );
    v.push(
        Builder::new("method call with garbage params")
            .msg(Msg::new(me, test_actor(0), 2).params(vec![0xff]))
            .build(),
    );
    // Implicit messages: no sender checks, no fees.
    let sys = Sender::Addr(Address::new_id(0));
    let prog = |p: Vec<skyr_test_program::Op>| fvm_ipld_encoding::to_vec(&p).expect("encode");
    v.push(
        Builder::new("implicit: system runs a program")
            .msg(
                Msg::new(sys, test_actor(0), 2)
                    .params(prog(vec![skyr_test_program::Op::Burn(50)]))
                    .implicit(),
            )
            .build(),
    );
    v.push(
        Builder::new("implicit: from a test actor with value")
            .msg(
                Msg::new(Sender::Addr(test_actor(1)), test_actor(0), 0)
                    .value(fil(3))
                    .implicit(),
            )
            .build(),
    );
    v.push(
        Builder::new("implicit: from an unknown sender")
            .msg(Msg::new(Sender::Addr(SecpKey::from_seed(240).address()), to, 0).implicit())
            .build(),
    );
    v.push(
        Builder::new("implicit: out of gas")
            .msg(
                Msg::new(sys, test_actor(0), 2)
                    .params(prog(vec![skyr_test_program::Op::Burn(u64::MAX)]))
                    .gas(10_000_000)
                    .implicit(),
            )
            .build(),
    );
    v.push(
        Builder::new("implicit: wrong sequence is fine")
            .msg(Msg::new(me, to, 0).sequence(77).implicit())
            .build(),
    );
    v.push(
        Builder::new("implicit: gas limit below inclusion cost")
            .msg(Msg::new(sys, to, 0).gas(100).implicit())
            .build(),
    );
    v.push(
        Builder::new("implicit then explicit from the same sender")
            .msg(Msg::new(me, to, 0).value(fil(1)).implicit())
            .msg(Msg::new(me, to, 0).value(fil(1)).sequence(0))
            .build(),
    );
    for nv in [NetworkVersion::V16, NetworkVersion::V17] {
        v.push(
            Builder::new(format!("transfer on {nv}"))
                .nv(nv)
                .msg(Msg::new(me, to, 0).value(fil(3)))
                .build(),
        );
    }
    for nv in [NetworkVersion::V14, NetworkVersion::V3] {
        v.push(
            Builder::new(format!("unsupported {nv}"))
                .nv(nv)
                .refused()
                .msg(Msg::new(me, to, 0))
                .build(),
        );
    }
    v
}

/// Bytes that encode as a CBOR byte string.
fn serde_bytes_vec(v: Vec<u8>) -> fvm_ipld_encoding::RawBytes {
    fvm_ipld_encoding::RawBytes::new(v)
}
