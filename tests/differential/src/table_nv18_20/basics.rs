//! Plain messages under Hygge: transfers, auto-created accounts and placeholders, the test
//! actor's empty program, pre-validation failures.
use skyr::shared::address::Address;
use skyr_test_program::Out;

use crate::scenario_nv18_28::{test_actor, From, OfficialBuilder, OfficialMsg, OfficialScenario};

/// An f410 address (EAM namespace) with a 20-byte subaddress made of `b`.
pub fn f410(b: u8) -> Address {
    Address::new_delegated(10, &[b; 20]).expect("a valid f410 address")
}

pub fn scenarios() -> Vec<OfficialScenario> {
    let secp1 = From::Secp(1).address();
    let new_secp = {
        let k = crate::genesis_skyr::secp_key(3);
        Address::from_bytes(&k.address().to_bytes()).expect("key address")
    };
    vec![
        OfficialBuilder::new("transfer between accounts")
            .msg(OfficialMsg::new(From::Secp(0), secp1, 0).value(1000))
            .exits(0)
            .build(),
        OfficialBuilder::new("transfer from a BLS account")
            .msg(OfficialMsg::new(From::Bls(0), secp1, 0).value(7))
            .exits(0)
            .build(),
        OfficialBuilder::new("empty program on the test actor")
            .msg(OfficialMsg::program(From::Secp(0), 0, vec![]))
            .exits(0)
            .build(),
        OfficialBuilder::new("value to the test actor with an empty program")
            .msg(OfficialMsg::program(From::Secp(0), 1, vec![]).value(5))
            .exits(0)
            .build(),
        OfficialBuilder::new("transfer to a new f1 creates an account")
            .msg(
                OfficialMsg::new(
                    From::Secp(0),
                    Address::new_secp256k1(&[4; 65]).expect("addr"),
                    0,
                )
                .value(1),
            )
            .exits(0)
            .build(),
        OfficialBuilder::new("transfer to an existing key address by its key")
            .msg(OfficialMsg::new(From::Secp(1), new_secp, 0).value(3))
            .exits(0)
            .build(),
        OfficialBuilder::new("transfer to a new f410 creates a placeholder")
            .msg(OfficialMsg::new(From::Secp(0), f410(7), 0).value(9))
            .exits(0)
            .build(),
        OfficialBuilder::new("method 2 on a placeholder")
            .msg(OfficialMsg::new(From::Secp(0), f410(8), 0).value(9))
            .msg(OfficialMsg::new(From::Secp(0), f410(8), 2))
            .exits(0)
            .build(),
        OfficialBuilder::new("send to an unknown f2 fails")
            .msg(OfficialMsg::new(From::Secp(0), Address::new_actor(b"nobody"), 0).value(1))
            .exits(5)
            .build(),
        OfficialBuilder::new("f4 outside the EAM namespace cannot be created")
            .msg(
                OfficialMsg::new(
                    From::Secp(0),
                    Address::new_delegated(32, &[1; 20]).expect("addr"),
                    0,
                )
                .value(1),
            )
            .exits(5)
            .build(),
        OfficialBuilder::new("bad sequence")
            .msg(OfficialMsg::new(From::Secp(0), secp1, 0).sequence(5))
            .exits(2)
            .build(),
        OfficialBuilder::new("gas limit below inclusion")
            .msg(OfficialMsg::new(From::Secp(0), secp1, 0).gas(1000))
            .exits(7)
            .build(),
        OfficialBuilder::new("sender that does not exist")
            .msg(OfficialMsg::new(
                From::Addr(Address::new_secp256k1(&[9; 65]).expect("a")),
                secp1,
                0,
            ))
            .exits(1)
            .build(),
        OfficialBuilder::new("test actor as sender is invalid")
            .msg(OfficialMsg::new(From::Addr(test_actor(0)), secp1, 0))
            .exits(1)
            .build(),
        OfficialBuilder::new("insufficient value")
            .msg(OfficialMsg::new(From::Secp(0), secp1, 0).value_whole(2_000_000))
            .exits(6)
            .build(),
        OfficialBuilder::new("program returns its outputs")
            .msg(OfficialMsg::program(
                From::Secp(0),
                0,
                vec![skyr_test_program::Op::Burn(10)],
            ))
            .exits(0)
            .out(0, Out::Int(-6315937062087327754))
            .build(),
    ]
}
