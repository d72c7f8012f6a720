// SPDX-License-Identifier: MIT OR Apache-2.0
// An OpenZeppelin ERC-20, with a reason string and a custom error of its own to read back.
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract Token is ERC20 {
    error NotEnough(uint256 have, uint256 want);

    constructor(uint256 supply) ERC20("Skyr Token", "SKY") {
        _mint(msg.sender, supply);
    }

    // Reverts with a custom error when the sender holds too little.
    function strictTransfer(address to, uint256 amount) external returns (bool) {
        uint256 have = balanceOf(msg.sender);
        if (have < amount) revert NotEnough(have, amount);
        return transfer(to, amount);
    }

    // Reverts with a reason string.
    function guarded(uint256 x) external pure returns (uint256) {
        require(x < 10, "x must be below 10");
        return x;
    }
}
