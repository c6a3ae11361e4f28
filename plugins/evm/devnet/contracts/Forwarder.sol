// SPDX-License-Identifier: MIT
// Passes the coin it is called with on to a recipient, by a call of its own: the payee receives it
// as an internal transfer (no transaction of its own, no log), as a smart wallet's or an
// exchange's payout contract pays. A test lever for scanning without and with call tracing.
pragma solidity ^0.8.24;

contract Forwarder {
    error ForwardFailed(address recipient);

    /// Sends all of `msg.value` on to `recipient`.
    function forward(address payable recipient) external payable {
        (bool ok,) = recipient.call{value: msg.value}("");
        if (!ok) revert ForwardFailed(recipient);
    }
}
