// SPDX-License-Identifier: MIT OR Apache-2.0
// Work that spends its gas in the EVM interpreter, for the EVM-heavy benchmark: hashing in a
// loop, sorting an array in memory, writing fresh storage, token transfers with their events,
// and calls into another contract in a loop. Each function's work grows with `n`.
pragma solidity 0.8.28;

contract Heavy {
    mapping(uint256 => uint256) public slots;
    mapping(address => uint256) public balanceOf;
    uint256 public pings;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor() {
        balanceOf[msg.sender] = 1e30;
    }

    // A keccak-256 chain of n links.
    function keccakLoop(uint256 n) external pure returns (bytes32 h) {
        for (uint256 i = 0; i < n; i++) {
            h = keccak256(abi.encodePacked(h, i));
        }
    }

    // n pseudo-random words sorted in memory (insertion sort), folded into a checksum.
    function sortArray(uint256 n) external pure returns (uint256 check) {
        uint256[] memory a = new uint256[](n);
        uint256 x = 0x9e3779b97f4a7c15;
        for (uint256 i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[i] = x % 1000003;
        }
        for (uint256 i = 1; i < n; i++) {
            uint256 v = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                check = check * 31 + a[i];
            }
        }
    }

    // n fresh storage slots written from `start`.
    function storageWrites(uint256 start, uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            slots[start + i] = i + 1;
        }
    }

    // n transfers of one token unit from the sender to `to`, each with its event.
    function transfers(address to, uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            transfer(to, 1);
        }
    }

    function transfer(address to, uint256 value) public returns (bool) {
        uint256 b = balanceOf[msg.sender];
        require(b >= value, "balance");
        balanceOf[msg.sender] = b - value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }

    function ping(uint256 i) external returns (uint256) {
        pings += i;
        return pings;
    }

    // n calls into `other`'s ping.
    function callLoop(address other, uint256 n) external returns (uint256 s) {
        for (uint256 i = 0; i < n; i++) {
            s += Heavy(other).ping(i);
        }
    }
}
