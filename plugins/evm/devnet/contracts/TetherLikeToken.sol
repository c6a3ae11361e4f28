// SPDX-License-Identifier: MIT
// The ERC-20 surface of Tether's USDT on Ethereum (TetherToken, 0xdAC17F958D2ee523a2206206994597C13D831ec7,
// Solidity 0.4.17, verified source on etherscan): `transfer`, `transferFrom` and `approve` return
// nothing, so a client that expects a `bool` return fails to decode; `approve` refuses to change a
// non-zero allowance to another non-zero value; the owner can pause the token and blacklist
// addresses, whose transfers then revert. Tether's fee (basisPointsRate, 0 on mainnet) and its
// upgrade path (deprecate/UpgradedStandardToken) are left out.
pragma solidity ^0.8.24;

contract TetherLikeToken {
    string public name;
    string public symbol;
    uint8 public decimals;
    uint256 public totalSupply;
    address public owner;
    bool public paused;

    mapping(address => uint256) private _balances;
    mapping(address => mapping(address => uint256)) private _allowed;
    mapping(address => bool) public isBlackListed;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issue(uint256 amount);
    event Pause();
    event Unpause();
    event AddedBlackList(address _user);
    event RemovedBlackList(address _user);

    modifier onlyOwner() {
        require(msg.sender == owner);
        _;
    }

    modifier whenNotPaused() {
        require(!paused);
        _;
    }

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address holder, uint256 supply) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
        totalSupply = supply;
        _balances[holder] = supply;
        emit Transfer(address(0), holder, supply);
    }

    function balanceOf(address who) public view returns (uint256) {
        return _balances[who];
    }

    function allowance(address holder, address spender) public view returns (uint256) {
        return _allowed[holder][spender];
    }

    function transfer(address to, uint256 value) public whenNotPaused {
        require(!isBlackListed[msg.sender]);
        _move(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) public whenNotPaused {
        require(!isBlackListed[from]);
        uint256 allowed = _allowed[from][msg.sender];
        // Tether leaves an allowance of MAX_UINT untouched.
        if (allowed < type(uint256).max) _allowed[from][msg.sender] = allowed - value;
        _move(from, to, value);
    }

    function approve(address spender, uint256 value) public {
        // Tether: "To change the approve amount you first have to reduce the addresses'
        // allowance to zero".
        require(!((value != 0) && (_allowed[msg.sender][spender] != 0)));
        _allowed[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function issue(uint256 amount) public onlyOwner {
        _balances[owner] += amount;
        totalSupply += amount;
        emit Issue(amount);
    }

    function pause() public onlyOwner {
        paused = true;
        emit Pause();
    }

    function unpause() public onlyOwner {
        paused = false;
        emit Unpause();
    }

    function addBlackList(address evil) public onlyOwner {
        isBlackListed[evil] = true;
        emit AddedBlackList(evil);
    }

    function removeBlackList(address clean) public onlyOwner {
        isBlackListed[clean] = false;
        emit RemovedBlackList(clean);
    }

    function _move(address from, address to, uint256 value) private {
        _balances[from] -= value;
        _balances[to] += value;
        emit Transfer(from, to, value);
    }
}
