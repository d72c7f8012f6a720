//! A genesis from the official v18 bundle (nv28), then tipsets mined on it: the storage
//! actors constructed, the miner created and paid its block reward, cron ticking, the base
//! fee decaying on an idle chain, and a value transfer from a funded EthAccount to a fresh
//! Ethereum address (which becomes a placeholder). Needs `../shared/bundles`; says SKIPPED
//! loudly without it.
use std::path::PathBuf;
use std::rc::Rc;

use skyr::blockstore::MemoryBlockstore;
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr::Engine;
use skyr_chain::genesis::{self, f410, GenesisSpec};
use skyr_chain::message::{ChainSignature, SigType};
use skyr_chain::{Chain, ChainConfig, ChainMessage, SignedMessage};

fn v18() -> Option<Vec<u8>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/bundles/v18/builtin-actors-mainnet.car");
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!(
                "!! SKIPPED: {} is missing; no genesis was built",
                p.display()
            );
            None
        }
    }
}

fn spec(bundle: Vec<u8>) -> GenesisSpec {
    GenesisSpec {
        network_version: 28,
        bundle_car: bundle,
        network_name: "skyr-test".into(),
        chain_id: 31415926,
        timestamp: 1_700_000_000,
        eth_accounts: vec![([0x11; 20], TokenAmount::from_whole(10_000))],
        key_accounts: Vec::new(),
        create2_deployer: true,
    }
}

#[test]
fn genesis_then_blocks() -> anyhow::Result<()> {
    let Some(bundle) = v18() else { return Ok(()) };
    let engine = Engine::new()?;
    let store = Rc::new(MemoryBlockstore::new());
    let g = genesis::build(&engine, store.clone(), &spec(bundle.clone()))?;
    // Deterministic: a second build in another store gives the same root.
    let again = genesis::build(&engine, Rc::new(MemoryBlockstore::new()), &spec(bundle))?;
    assert_eq!(g.state_root, again.state_root);
    let config = ChainConfig {
        chain_id: 31415926,
        block_delay: 30,
        fixed_base_fee: None,
    };
    let mut chain = Chain::new(engine, store, &g, 1_700_000_000, config)?;
    let (_, deployer) = chain
        .actor_at(0, &f410(&genesis::CREATE2_DEPLOYER))?
        .expect("the CREATE2 deployer exists");
    assert_ne!(deployer.code, skyr::state_tree::empty_array_cid());
    let miner_before = chain
        .actor_at(0, &Address::new_id(g.miner))?
        .expect("the miner exists")
        .1
        .balance;

    // Idle tipsets: the base fee falls by an eighth each (the genesis's is 1e8), the miner
    // is paid.
    let b1 = chain.mine(Vec::new(), None)?.clone();
    assert_eq!(b1.height(), 1);
    assert_eq!(b1.header.timestamp, 1_700_000_030);
    assert_eq!(
        b1.header.parent_base_fee,
        TokenAmount::from_atto(87_500_000)
    );
    assert_eq!(chain.next_base_fee(), TokenAmount::from_atto(76_562_500));
    let miner_after = chain
        .actor_at(1, &Address::new_id(g.miner))?
        .unwrap()
        .1
        .balance;
    assert!(
        miner_after > miner_before,
        "the block reward reached the miner"
    );

    // A transfer from the funded EthAccount to a fresh address.
    let from = f410(&[0x11; 20]);
    let to = f410(&[0x22; 20]);
    let msg = Message {
        version: 0,
        from,
        to,
        sequence: 0,
        value: TokenAmount::from_whole(5),
        method_num: 0,
        params: Default::default(),
        gas_limit: 10_000_000,
        gas_fee_cap: TokenAmount::from_atto(1_000_000_000u64),
        gas_premium: TokenAmount::from_atto(100_000u64),
    };
    let signed = ChainMessage::Signed(SignedMessage {
        message: msg,
        signature: ChainSignature {
            sig_type: SigType::Delegated,
            data: vec![0; 65],
        },
    });
    let cid = signed.cid()?;
    let b2 = chain.mine(vec![signed], None)?.clone();
    assert_eq!(b2.results.len(), 1);
    assert_eq!(
        b2.results[0].receipt.exit_code.value(),
        0,
        "{:?}",
        b2.results[0].failure
    );
    assert!(b2.results[0].receipt.gas_used > 0);
    let (found, i) = chain.find_message(&cid).expect("indexed");
    assert_eq!((found.height(), i), (2, 0));
    let (_, placeholder) = chain.actor_at(2, &to)?.expect("a placeholder was created");
    assert_eq!(placeholder.balance, TokenAmount::from_whole(5));
    let (_, sender) = chain.actor_at(2, &from)?.unwrap();
    assert_eq!(sender.sequence, 1);
    // Block 1's state still reads as it was.
    assert!(chain.actor_at(1, &to)?.is_none());
    assert_eq!(b2.header.parent_state_root, b1.state_root);
    assert_eq!(b2.header.parents, vec![b1.block_cid]);

    // Saved and restored on the same store: the same tipsets, and the next block mined on
    // each is the same block on the same state.
    let saved = chain.saved();
    let tipsets: Vec<_> = (0..=2)
        .map(|h| chain.saved_tipset(h).expect("a tipset"))
        .collect();
    assert_eq!(chain.take_changed_from(), Some(0), "everything is new");
    assert_eq!(chain.take_changed_from(), None);
    let mut restored = Chain::restore(
        Engine::new()?,
        chain.store().clone(),
        saved.clone(),
        tipsets.clone(),
    )?;
    assert_eq!(restored.saved(), saved);
    assert_eq!(restored.head().block_cid, b2.block_cid);
    assert_eq!(restored.head().key_cid, b2.key_cid);
    assert_eq!(
        restored.find_message(&cid).map(|(t, i)| (t.height(), i)),
        Some((2, 0))
    );
    assert_eq!(restored.head().results[0].receipt, b2.results[0].receipt);
    let next = chain.mine(Vec::new(), None)?.clone();
    let again = restored.mine(Vec::new(), None)?.clone();
    assert_eq!(next.block_cid, again.block_cid);
    assert_eq!(next.state_root, again.state_root);
    assert_eq!(chain.take_changed_from(), Some(3));
    // A broken saved chain is refused by name.
    let mut broken = tipsets;
    broken.swap(1, 2);
    let e = Chain::restore(Engine::new()?, chain.store().clone(), saved, broken)
        .err()
        .expect("refused");
    assert!(e.to_string().contains("the saved chain is broken"), "{e}");
    Ok(())
}
