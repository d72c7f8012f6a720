// SPDX-License-Identifier: MIT OR Apache-2.0
// Calls other contracts and the precompiles: plain and static calls (a static call into a
// writing function is the read-only violation), value sends, CREATE and CREATE2 of Counter,
// and the Ethereum precompiles the FEVM provides.
pragma solidity 0.8.28;

import "./Counter.sol";

contract Caller {
    event Created(address where, bool viaCreate2);

    // CALL into Counter.inc; returns the new count.
    function callInc(address counter) external returns (uint256) {
        return Counter(payable(counter)).inc("via Caller");
    }

    // STATICCALL into a function that writes: the callee must fail read-only.
    function staticInc(address counter) external view returns (bool ok, bytes memory ret) {
        (ok, ret) = counter.staticcall(abi.encodeWithSelector(Counter.inc.selector, bytes("static")));
    }

    // STATICCALL into a view function: allowed.
    function staticCount(address counter) external view returns (uint256) {
        return Counter(payable(counter)).count();
    }

    // Forwards value with the call.
    function pay(address payable to) external payable returns (bool ok) {
        (ok, ) = to.call{value: msg.value}("");
    }

    // Calls with an explicit gas limit, which may run out inside the callee.
    function burnWithGas(address counter, uint256 rounds, uint256 gasLimit)
        external
        returns (bool ok)
    {
        (ok, ) = counter.call{gas: gasLimit}(abi.encodeWithSelector(Counter.burn.selector, rounds));
    }

    function create(uint256 start) external payable returns (address c) {
        c = address(new Counter{value: msg.value}(start));
        emit Created(c, false);
    }

    function create2(uint256 start, bytes32 salt) external payable returns (address c) {
        c = address(new Counter{value: msg.value, salt: salt}(start));
        emit Created(c, true);
    }

    // ecrecover (0x01), sha256 (0x02), ripemd160 (0x03), identity (0x04).
    function precompiles(bytes32 h, uint8 v, bytes32 r, bytes32 s, bytes calldata data)
        external
        view
        returns (address signer, bytes32 sha, bytes20 ripemd, bytes memory echoed)
    {
        signer = ecrecover(h, v, r, s);
        sha = sha256(data);
        ripemd = ripemd160(data);
        (bool ok, bytes memory out) = address(4).staticcall(data);
        require(ok, "identity failed");
        echoed = out;
    }

    // The FEVM's own precompile that resolves an f0/f1/f2/f3/f4 address (0xfe00...01).
    function resolve(bytes calldata filAddress) external view returns (bool ok, bytes memory id) {
        (ok, id) = address(0xFE00000000000000000000000000000000000001).staticcall(filAddress);
    }
}
