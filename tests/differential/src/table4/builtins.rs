//! Built-in actors of the official bundles doing their own work on both machines: the power
//! actor constructed by the system actor, then a miner created through it (power's
//! `CreateMiner` asks init's `Exec` for a miner, whose constructor checks its owner and its
//! worker's BLS key by sending to the account).
use skyr::shared::address::Address;

use crate::genesis::ids;
use crate::scenario3::{Builder3, From, Reach, Scenario3, M3};

/// The storage power actor and its methods.
const POWER: u64 = 4;
const CONSTRUCTOR: u64 = 1;
const CREATE_MINER: u64 = 2;
/// Window PoSt of 32 GiB sectors, version 1.2.
const WINDOW_POST_32G: i64 = 13;

/// `CreateMinerParams`: owner, worker, window PoSt type, peer ID, multiaddresses.
fn create_miner(owner: Address, worker: Address) -> Vec<u8> {
    let params = (
        owner,
        worker,
        WINDOW_POST_32G,
        serde_bytes::ByteBuf::from(b"skyr-peer".to_vec()),
        Vec::<serde_bytes::ByteBuf>::new(),
    );
    fvm_ipld_encoding::to_vec(&params).expect("params encode")
}

/// Every scenario of the family (at nv21; the table runs them at every version).
pub fn scenarios() -> Vec<Scenario3> {
    let owner = Address::new_id(ids::SECP[0]);
    let worker = Address::new_id(ids::BLS[0]);
    let power = Address::new_id(POWER);
    vec![
        Builder3::new("builtin: power CreateMiner")
            .nv(21)
            .builtins()
            .implicit(power, CONSTRUCTOR, Vec::new())
            .reach(Reach::Exit(0, 0))
            .msg(M3::new(From::Secp(0), power, CREATE_MINER).params(create_miner(owner, worker)))
            .exits(0)
            .build(),
        Builder3::new("builtin: power CreateMiner with 1000 FIL")
            .nv(21)
            .builtins()
            .implicit(power, CONSTRUCTOR, Vec::new())
            .msg(
                M3::new(From::Secp(0), power, CREATE_MINER)
                    .params(create_miner(owner, worker))
                    .value_whole(1000),
            )
            .exits(0)
            .build(),
        Builder3::new("builtin: CreateMiner with a secp worker is refused")
            .nv(21)
            .builtins()
            .implicit(power, CONSTRUCTOR, Vec::new())
            .msg(M3::new(From::Secp(0), power, CREATE_MINER).params(create_miner(owner, owner)))
            .exits(16)
            .build(),
    ]
}
