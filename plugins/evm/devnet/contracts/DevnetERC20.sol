// SPDX-License-Identifier: MIT
// A plain OpenZeppelin ERC-20 (as Circle's USDC and most tokens behave: transfer and
// transferFrom return bool, revert on failure), with the whole supply minted to `holder`.
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract DevnetERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address holder, uint256 supply)
        ERC20(name_, symbol_)
    {
        _decimals = decimals_;
        _mint(holder, supply);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
