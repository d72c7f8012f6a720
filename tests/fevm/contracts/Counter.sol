// SPDX-License-Identifier: MIT OR Apache-2.0
// A contract with state, events, reverts, value and self-destruct: the FEVM scenarios of the
// differential suite deploy it through the EAM and call it from EthAccount and f1 senders.
pragma solidity 0.8.28;

contract Counter {
    uint256 public count;
    address public owner;

    event Incremented(address indexed by, uint256 indexed newCount, bytes note);
    event Received(address indexed from, uint256 amount);

    error TooHigh(uint256 count, uint256 limit);

    constructor(uint256 start) payable {
        count = start;
        owner = msg.sender;
    }

    // Writes storage and emits an event with two indexed topics and data.
    function inc(bytes calldata note) external returns (uint256) {
        count += 1;
        emit Incremented(msg.sender, count, note);
        return count;
    }

    // Reverts with a custom error once the count passes `limit`.
    function incUpTo(uint256 limit) external returns (uint256) {
        if (count >= limit) {
            revert TooHigh(count, limit);
        }
        count += 1;
        return count;
    }

    // Reverts with a reason string.
    function fail(string calldata why) external pure {
        revert(why);
    }

    // Burns gas: `rounds` storage writes.
    function burn(uint256 rounds) external returns (uint256 acc) {
        for (uint256 i = 0; i < rounds; i++) {
            acc = uint256(keccak256(abi.encode(acc, i)));
            count = acc;
        }
    }

    receive() external payable {
        emit Received(msg.sender, msg.value);
    }

    // Sends the whole balance to `to` and ends the contract.
    function destroy(address payable to) external {
        require(msg.sender == owner, "not the owner");
        selfdestruct(to);
    }
}
