// SPDX-License-Identifier: MIT OR Apache-2.0
// `forge script --broadcast --skip-simulation`: deploys the OpenZeppelin ERC-20 and calls it,
// signed by Anvil's first dev key (the devnet's too).
pragma solidity 0.8.28;

import {Token} from "../src/Token.sol";

interface Vm {
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
}

contract Deploy {
    Vm constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external {
        vm.startBroadcast(0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80);
        Token token = new Token(1000);
        token.transfer(address(0x000000000000000000000000000000000000f0F0), 10);
        vm.stopBroadcast();
    }
}
