//! FEVM scenarios on the official bundles: the Solidity contracts of `tests/fevm` deployed
//! through the EAM (Create2 from an f1 account, CreateExternal from an EthAccount) and
//! called: storage and events, reverts, gas burnt to the limit, value, nested calls, static
//! calls that try to write, explicit gas limits, CREATE and CREATE2 from a contract, the
//! precompiles, and self-destruct.
use multihash_codetable::{Code, MultihashDigest};
use skyr::shared::address::Address;

use super::basics::f410;
use crate::genesis_skyr::ids;
use crate::scenario_nv18_28::{From, OfficialBuilder, OfficialMsg, OfficialScenario, Reach};

/// The Ethereum address manager.
const EAM: u64 = 10;
/// EAM methods.
const CREATE2: u64 = 3;
const CREATE_EXTERNAL: u64 = 4;
/// The EVM actor's method that runs contract code (FRC-42 hash of "InvokeEVM").
pub(crate) const INVOKE: u64 = 3844450837;
/// Exit code of a reverted contract call.
const REVERTED: u32 = 33;
/// Exit code of code jumping where it may not (here: init code cut short).
const BAD_JUMPDEST: u32 = 38;

pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex bytecode"))
        .collect()
}

fn counter_code() -> Vec<u8> {
    hex(include_str!("../../../fevm/build/Counter.bin"))
}

fn caller_code() -> Vec<u8> {
    hex(include_str!("../../../fevm/build/Caller.bin"))
}

/// The first four bytes of the keccak-256 of a function signature.
pub(crate) fn selector(sig: &str) -> Vec<u8> {
    Code::Keccak256.digest(sig.as_bytes()).digest()[..4].to_vec()
}

pub(crate) fn word(n: u64) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

/// The Ethereum address of an ID actor, as a 32-byte word.
pub(crate) fn id_word(id: u64) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[12] = 0xff;
    w[24..].copy_from_slice(&id.to_be_bytes());
    w
}

/// A dynamic `bytes` argument's tail (length and padded data).
fn tail(data: &[u8]) -> Vec<u8> {
    let mut t = word(data.len() as u64);
    t.extend_from_slice(data);
    t.resize(32 + data.len().div_ceil(32) * 32, 0);
    t
}

/// Calldata: the selector, then the head words, then the tails of dynamic arguments.
pub(crate) fn calldata(sig: &str, head: Vec<Vec<u8>>, tails: Vec<u8>) -> Vec<u8> {
    let mut c = selector(sig);
    for w in head {
        c.extend(w);
    }
    c.extend(tails);
    c
}

/// CBOR bytes: what the EVM takes as parameters.
pub(crate) fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(&serde_bytes::Bytes::new(b)).expect("bytes encode")
}

/// Create2 parameters: [initcode, salt].
fn create2_params(initcode: &[u8], salt: u8) -> Vec<u8> {
    fvm_ipld_encoding::to_vec(&(
        serde_bytes::Bytes::new(initcode),
        serde_bytes::Bytes::new(&[salt; 32]),
    ))
    .expect("params encode")
}

/// A deployment of Counter starting at `start`.
fn counter_init(start: u64) -> Vec<u8> {
    let mut c = counter_code();
    c.extend(word(start));
    c
}

/// The f0 of the `n`th actor created after genesis.
pub(crate) fn created(n: u64) -> Address {
    Address::new_id(ids::FIRST_NEW + n)
}

/// Deploys `initcode` through the EAM from secp 0 (CreateExternal).
pub(crate) fn deploy(initcode: &[u8]) -> OfficialMsg {
    OfficialMsg::new(From::Secp(0), Address::new_id(EAM), CREATE_EXTERNAL)
        .params(cbor_bytes(initcode))
}

/// Deploys Counter (start 5) from secp 0: it becomes actor FIRST_NEW.
fn deploy_counter(name: &str) -> OfficialBuilder {
    OfficialBuilder::new(format!("fevm: {name}"))
        .msg(deploy(&counter_init(5)))
        .reach(Reach::Exit(0, 0))
}

/// Calls contract `to` with `data` from secp 0.
pub(crate) fn invoke(to: Address, data: Vec<u8>) -> OfficialMsg {
    OfficialMsg::new(From::Secp(0), to, INVOKE).params(cbor_bytes(&data))
}

pub fn scenarios() -> Vec<OfficialScenario> {
    let counter = created(0);
    let inc = |note: &[u8]| calldata("inc(bytes)", vec![word(32)], tail(note));
    let mut s = vec![
        deploy_counter("deploy Counter").build(),
        deploy_counter("read the count")
            .msg(invoke(counter, calldata("count()", vec![], vec![])))
            .reach(Reach::Exit(1, 0))
            .build(),
        deploy_counter("increment: storage and an event")
            .msg(invoke(counter, inc(b"hello")))
            .reach(Reach::Exit(1, 0))
            .reach(Reach::Events(1))
            .build(),
        deploy_counter("increment twice")
            .msg(invoke(counter, inc(b"a")))
            .msg(invoke(counter, inc(&[7; 100])))
            .reach(Reach::Events(2))
            .build(),
        deploy_counter("revert with a custom error")
            .msg(invoke(
                counter,
                calldata("incUpTo(uint256)", vec![word(3)], vec![]),
            ))
            .reach(Reach::Exit(1, REVERTED))
            .build(),
        deploy_counter("increment up to a limit")
            .msg(invoke(
                counter,
                calldata("incUpTo(uint256)", vec![word(30)], vec![]),
            ))
            .reach(Reach::Exit(1, 0))
            .build(),
        deploy_counter("revert with a reason")
            .msg(invoke(
                counter,
                calldata("fail(string)", vec![word(32)], tail(b"why not")),
            ))
            .reach(Reach::Exit(1, REVERTED))
            .build(),
        deploy_counter("unknown selector")
            .msg(invoke(counter, calldata("nope()", vec![], vec![])))
            .reach(Reach::Exit(1, REVERTED))
            .build(),
        deploy_counter("burn a little")
            .msg(invoke(
                counter,
                calldata("burn(uint256)", vec![word(20)], vec![]),
            ))
            .reach(Reach::Exit(1, 0))
            .build(),
        deploy_counter("burn past the gas limit")
            .msg(
                invoke(
                    counter,
                    calldata("burn(uint256)", vec![word(100_000)], vec![]),
                )
                .gas(100_000_000),
            )
            .reach(Reach::Exit(1, 7))
            .build(),
        deploy_counter("value into receive()")
            .msg(invoke(counter, vec![]).value(12345))
            .reach(Reach::Exit(1, 0))
            .reach(Reach::Events(1))
            .build(),
        deploy_counter("bare value send to a contract")
            .msg(OfficialMsg::new(From::Secp(1), counter, 0).value(999))
            .reach(Reach::Exit(1, 0))
            .build(),
        deploy_counter("self-destruct by the owner")
            .msg(invoke(
                counter,
                calldata("destroy(address)", vec![id_word(ids::SECP[1])], vec![]),
            ))
            .reach(Reach::Exit(1, 0))
            .build(),
        deploy_counter("self-destruct by another")
            .msg(
                OfficialMsg::new(From::Secp(1), counter, INVOKE).params(cbor_bytes(&calldata(
                    "destroy(address)",
                    vec![id_word(ids::SECP[1])],
                    vec![],
                ))),
            )
            .reach(Reach::Exit(1, REVERTED))
            .build(),
        deploy_counter("called from a BLS account")
            .msg(OfficialMsg::new(From::Bls(0), counter, INVOKE).params(cbor_bytes(&inc(b"bls"))))
            .reach(Reach::Exit(1, 0))
            .build(),
        deploy_counter("deploy twice")
            .msg(deploy(&counter_init(6)))
            .reach(Reach::Exit(1, 0))
            .build(),
        OfficialBuilder::new("fevm: Create2 from an account is refused")
            .msg(
                OfficialMsg::new(From::Secp(0), Address::new_id(EAM), CREATE2)
                    .params(create2_params(&counter_init(5), 1)),
            )
            .reach(Reach::Exit(0, 18))
            .build(),
        OfficialBuilder::new("fevm: deploy truncated init code")
            .msg(deploy(&counter_code()[..100]))
            .reach(Reach::Exit(0, BAD_JUMPDEST))
            .build(),
    ];
    // Contracts calling contracts: Counter is actor FIRST_NEW, Caller FIRST_NEW + 1.
    let caller = created(1);
    let with_caller = |name: &str| {
        deploy_counter(name)
            .msg(deploy(&caller_code()))
            .reach(Reach::Exit(1, 0))
    };
    let cw = id_word(ids::FIRST_NEW);
    s.extend([
        with_caller("a contract calls another")
            .msg(invoke(
                caller,
                calldata("callInc(address)", vec![cw.clone()], vec![]),
            ))
            .reach(Reach::Exit(2, 0))
            .reach(Reach::Events(2))
            .build(),
        with_caller("a static call that writes fails read-only")
            .msg(invoke(
                caller,
                calldata("staticInc(address)", vec![cw.clone()], vec![]),
            ))
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("a static call that reads")
            .msg(invoke(
                caller,
                calldata("staticCount(address)", vec![cw.clone()], vec![]),
            ))
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("forwarding value")
            .msg(invoke(caller, calldata("pay(address)", vec![cw.clone()], vec![])).value(5000))
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("a call with a gas limit the callee runs out of")
            .msg(invoke(
                caller,
                calldata(
                    "burnWithGas(address,uint256,uint256)",
                    vec![cw.clone(), word(10_000), word(100_000)],
                    vec![],
                ),
            ))
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("a call with a gas limit the callee stays within")
            .msg(invoke(
                caller,
                calldata(
                    "burnWithGas(address,uint256,uint256)",
                    vec![cw.clone(), word(2), word(10_000_000)],
                    vec![],
                ),
            ))
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("CREATE from a contract")
            .msg(invoke(
                caller,
                calldata("create(uint256)", vec![word(1)], vec![]),
            ))
            .reach(Reach::Exit(2, 0))
            .reach(Reach::Events(2))
            .build(),
        with_caller("CREATE2 from a contract")
            .msg(
                invoke(
                    caller,
                    calldata("create2(uint256,bytes32)", vec![word(1), word(77)], vec![]),
                )
                .value(10),
            )
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("precompiles")
            .msg(invoke(
                caller,
                calldata(
                    "precompiles(bytes32,uint8,bytes32,bytes32,bytes)",
                    vec![word(1), word(27), word(2), word(3), word(160)],
                    tail(b"the data"),
                ),
            ))
            .reach(Reach::Exit(2, 0))
            .build(),
        with_caller("the resolve-address precompile")
            .msg(invoke(
                caller,
                calldata(
                    "resolve(bytes)",
                    vec![word(32)],
                    tail(&Address::new_id(ids::SECP[0]).to_bytes()),
                ),
            ))
            .reach(Reach::Exit(2, 0))
            .build(),
    ]);
    // An Ethereum account: a placeholder made by a value send, then its own messages.
    let eth = f410(0x42);
    s.extend([
        OfficialBuilder::new("fevm: a placeholder sends and becomes an EthAccount")
            .msg(OfficialMsg::new(From::Secp(0), eth, 0).value_whole(10))
            .msg(OfficialMsg::new(From::Addr(eth), Address::new_id(ids::SECP[0]), 0).value(1))
            .msg(OfficialMsg::new(From::Addr(eth), Address::new_id(ids::SECP[0]), 0).value(2))
            .reach(Reach::Exit(1, 0))
            .reach(Reach::Exit(2, 0))
            .build(),
        OfficialBuilder::new("fevm: CreateExternal from an EthAccount, then a call")
            .msg(OfficialMsg::new(From::Secp(0), eth, 0).value_whole(10))
            .msg(
                OfficialMsg::new(From::Addr(eth), Address::new_id(EAM), CREATE_EXTERNAL)
                    .params(cbor_bytes(&counter_init(9))),
            )
            .msg(
                OfficialMsg::new(From::Addr(eth), created(1), INVOKE)
                    .params(cbor_bytes(&inc(b"eth"))),
            )
            .reach(Reach::Exit(1, 0))
            .reach(Reach::Exit(2, 0))
            .reach(Reach::Events(2))
            .build(),
        OfficialBuilder::new("fevm: a test actor cannot deploy")
            .msg(
                OfficialMsg::new(
                    From::Addr(Address::new_id(ids::TEST[0])),
                    Address::new_id(EAM),
                    CREATE_EXTERNAL,
                )
                .params(cbor_bytes(&counter_init(9))),
            )
            .reach(Reach::Exit(0, 1))
            .build(),
        OfficialBuilder::new("fevm: a placeholder with a sequence is not a sender")
            .msg(OfficialMsg::new(From::Secp(0), eth, 0).value_whole(10))
            .msg(OfficialMsg::new(From::Addr(eth), Address::new_id(ids::SECP[0]), 0).sequence(1))
            .reach(Reach::Exit(1, 2))
            .build(),
    ]);
    s
}

/// Contract messages checked at their gas edge (see [`super::edges`]).
pub fn edge_scenarios() -> Vec<OfficialScenario> {
    let counter = created(0);
    let inc = calldata("inc(bytes)", vec![word(32)], tail(b"edge"));
    vec![
        OfficialBuilder::new("edge: deploying Counter")
            .msg(deploy(&counter_init(5)))
            .edge()
            .build(),
        deploy_counter("edge: an increment with an event")
            .msg(invoke(counter, inc))
            .edge()
            .build(),
        deploy_counter("edge: burning in a contract")
            .msg(invoke(
                counter,
                calldata("burn(uint256)", vec![word(3)], vec![]),
            ))
            .edge()
            .build(),
    ]
}
