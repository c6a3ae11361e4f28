// SPDX-License-Identifier: MIT
// Several payouts in one transaction, after Disperse (disperse.app,
// 0xD152f549545093347A162Dce210e7293f1452150 on Ethereum): native coin sent along with the call,
// tokens pulled from the caller, who has approved this contract. All or nothing: one failed
// payout reverts the whole batch. Tokens go through OpenZeppelin's SafeERC20, so tokens whose
// transfer returns no bool (USDT) work.
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract BatchTransfer {
    using SafeERC20 for IERC20;

    error LengthMismatch();
    error ValueMismatch(uint256 sent, uint256 total);
    error NativeTransferFailed(address recipient);

    /// Pays `amounts[i]` wei to `recipients[i]`; `msg.value` must be their exact sum.
    function sendNative(address payable[] calldata recipients, uint256[] calldata amounts) external payable {
        if (recipients.length != amounts.length) revert LengthMismatch();
        uint256 total = 0;
        for (uint256 i = 0; i < recipients.length; i++) {
            total += amounts[i];
        }
        if (total != msg.value) revert ValueMismatch(msg.value, total);
        for (uint256 i = 0; i < recipients.length; i++) {
            (bool ok,) = recipients[i].call{value: amounts[i]}("");
            if (!ok) revert NativeTransferFailed(recipients[i]);
        }
    }

    /// Pays `amounts[i]` of `token` from the caller straight to `recipients[i]` (one Transfer log
    /// from the caller to each recipient, as a direct transfer would emit).
    function sendToken(IERC20 token, address[] calldata recipients, uint256[] calldata amounts) external {
        if (recipients.length != amounts.length) revert LengthMismatch();
        for (uint256 i = 0; i < recipients.length; i++) {
            token.safeTransferFrom(msg.sender, recipients[i], amounts[i]);
        }
    }
}
