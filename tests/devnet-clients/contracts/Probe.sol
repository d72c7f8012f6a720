// SPDX-License-Identifier: MIT OR Apache-2.0
// What a contract sees of the chain and of the FEVM's own precompiles (devnet.md §8): block
// fields, code hashes, the 0xfe… precompiles (actor calls only by DELEGATECALL), value sent by
// `transfer` into a receive() that writes storage, and a contract that self-destructs.
pragma solidity 0.8.28;

contract Probe {
    event Env(
        uint256 number,
        uint256 timestamp,
        uint256 basefee,
        uint256 chainid,
        address coinbase,
        uint256 gaslimit,
        uint256 gasprice,
        bytes32 parentHash
    );

    uint256 public received;

    receive() external payable {
        received += msg.value;
    }

    function env() external {
        emit Env(
            block.number,
            block.timestamp,
            block.basefee,
            block.chainid,
            block.coinbase,
            block.gaslimit,
            tx.gasprice,
            blockhash(block.number - 1)
        );
    }

    function codehash(address a) external view returns (bytes32 h) {
        assembly {
            h := extcodehash(a)
        }
    }

    function codesize(address a) external view returns (uint256 s) {
        assembly {
            s := extcodesize(a)
        }
    }

    // resolve_address (0xfe…01): a Filecoin address's bytes to its actor ID.
    function resolve(bytes calldata filecoinAddress) external view returns (bool ok, bytes memory out) {
        (ok, out) = address(0xFE00000000000000000000000000000000000001).staticcall(filecoinAddress);
    }

    // call_actor_id (0xfe…05), by DELEGATECALL as it must be.
    function callActor(uint64 method, uint256 value, uint64 codec, bytes calldata params, uint64 id)
        external
        returns (bool ok, bytes memory out)
    {
        (ok, out) = address(0xfe00000000000000000000000000000000000005).delegatecall(
            abi.encode(method, value, uint64(0), codec, params, id)
        );
    }

    // The same by CALL, which the FEVM refuses.
    function callActorByCall(uint64 method, uint64 id) external returns (bool ok, bytes memory out) {
        (ok, out) = address(0xfe00000000000000000000000000000000000005).call(
            abi.encode(method, uint256(0), uint64(0), uint64(0), bytes(""), id)
        );
    }

    // Destroys `doomed`, then calls it again in the same transaction.
    function destroyThenPing(Doomed doomed, address payable heir) external returns (uint256) {
        doomed.destroy(heir);
        return doomed.ping();
    }

    // Sends with `transfer` (a 2300-gas stipend on Ethereum).
    function pay(address payable to) external payable {
        to.transfer(msg.value);
    }
}

contract Doomed {
    constructor() payable {}

    function ping() external pure returns (uint256) {
        return 42;
    }

    // Ends the contract, its balance to `to`.
    function destroy(address payable to) external {
        selfdestruct(to);
    }
}
