/**
 * Sandbox-backed TON chain with toncenter-like block structure: externals are
 * queued and executed once per tick, then sealed into one workchain-0 shard
 * block and one masterchain block.
 *
 * @module
 */
import {
  Address,
  beginCell,
  Cell,
  external,
  internal,
  loadMessage,
  loadTransaction,
  type Message,
  SendMode,
  storeMessage,
  storeShardAccount,
  type Transaction,
} from "@ton/core";
import { type KeyPair, mnemonicToPrivateKey } from "@ton/crypto";
import { Blockchain, createShardAccount } from "@ton/sandbox";
import { WalletContractV5R1 } from "@ton/ton";
import {
  type BlockRef,
  type BlockStore,
  type ChainBlock,
  type ChainTx,
  emptyBlockStore,
  findBlock,
  FULL_SHARD,
  mergeShards,
  sealBlocks,
  sha256,
  splitShards,
} from "./blocks.ts";
import { dnsResolverInit } from "./dns_resolver.ts";
import {
  DEFAULT_JETTONS,
  deployJettonGenesis,
  type DevnetJetton,
  jettonCommentPayload,
  jettonContentCell,
  type JettonSpec,
  jettonTransferBody,
} from "./jettons.ts";

/** Account state read from the sandbox at the last sealed block. */
export interface AccountSnapshot {
  /** Account address. */
  address: Address;
  /** Balance in nanotons. */
  balance: bigint;
  /** toncenter's state naming. */
  state: "active" | "uninitialized" | "frozen";
  /** Code cell when active. */
  code: Cell | null;
  /** Data cell when active. */
  data: Cell | null;
  /** Frozen state hash when frozen. */
  frozenHash: Buffer | null;
  /** Last transaction lt, 0 when none. */
  lastLt: bigint;
  /** Last transaction hash, zeros when none. */
  lastHash: Buffer;
}

/** Outcome of emulating an external message without committing it. */
export type EmulationOutcome =
  | { accepted: true; tx: Transaction }
  | { accepted: false; error: string };

/** Options accepted by {@link TonChain.create}. */
export interface TonChainOptions {
  /** 24 mnemonic words of the faucet wallet. */
  faucetMnemonic: string[];
  /** Extra DNS names registered in the root resolver. */
  names?: Record<string, Address>;
  /** Seqno of the first masterchain block (default 1). */
  masterchainStartSeqno?: number;
  /** Seqno of the first shard block (default 1). */
  shardStartSeqno?: number;
  /** Faucet starting balance in nanotons (default 1e9 TON). */
  faucetBalance?: bigint;
  /** Jettons created at start, all minted to the faucet (default {@link DEFAULT_JETTONS}). */
  jettons?: readonly JettonSpec[];
}

/** Optional parts of a faucet jetton transfer. */
export interface FaucetJettonOptions {
  /** Text comment, sent as forward payload (op 0 + text). */
  comment?: string;
  /** Arbitrary forward payload (wins over `comment`). */
  forwardPayload?: Cell;
  /** true: payload in a ref, false: inline, unset: inline when it fits. */
  payloadInRef?: boolean;
  /** TON sent on with the transfer_notification; 0 sends none (default 0.01 TON). */
  forwardTonAmount?: bigint;
  /** Excess TON destination; null for none (default the faucet wallet). */
  responseDestination?: Address | null;
  /** query_id (default: the current unix time in ms, so transfers are told apart). */
  queryId?: bigint;
}

/** Default forward TON: enough for a visible notification, cheap enough to spam in tests. */
export const DEFAULT_JETTON_FORWARD_TON = 10_000_000n;

/**
 * TON the faucet attaches on top of the forward amount: covers both wallets'
 * gas, two forwards and the rent reserve (0.05 TON needed); the rest returns as excesses.
 */
const JETTON_TRANSFER_GAS = 100_000_000n;

/** Optional parts of a faucet transfer. */
export interface FaucetOptions {
  /** Text comment body. */
  comment?: string;
  /** Arbitrary body cell (wins over `comment`). */
  body?: Cell;
  /** Bounce flag of the internal message (default false). */
  bounce?: boolean;
}

type Pending =
  | { kind: "boc"; cell: Cell }
  | {
    kind: "faucet";
    to: Address;
    amount: bigint;
    opts: FaucetOptions;
    resolve: (hash: string) => void;
    reject: (err: Error) => void;
  };

/** PBKDF2 in mnemonicToPrivateKey is slow; tests start many devnets with one mnemonic. */
const keyCache = new Map<string, Promise<KeyPair>>();

function faucetKeyPair(words: string[]): Promise<KeyPair> {
  const id = words.join(" ");
  let key = keyCache.get(id);
  if (!key) {
    key = mnemonicToPrivateKey(words);
    keyCache.set(id, key);
    key.catch(() => keyCache.delete(id));
  }
  return key;
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The devnet chain: a sandbox plus block bookkeeping and indexes. */
export class TonChain {
  /** Underlying sandbox (exposed for tests). */
  readonly blockchain: Blockchain;
  /** Faucet wallet contract. */
  readonly faucetWallet: WalletContractV5R1;
  /** Root DNS resolver address. */
  readonly dnsRoot: Address;
  /** Virtual zerostate id reported as `init`. */
  readonly init: BlockRef;
  /** Jettons created at start, by symbol. */
  readonly jettons: Record<string, DevnetJetton> = {};

  /** Every jetton the faucet holds (genesis and fakes), by raw master address. */
  private readonly jettonsByMaster = new Map<string, DevnetJetton>();
  private fakeJettonCount = 0;

  private readonly faucetKey: KeyPair;
  private readonly store: BlockStore = emptyBlockStore();
  private queue: Pending[] = [];
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private lastUtime: number;
  private closed = false;

  private constructor(
    blockchain: Blockchain,
    faucetWallet: WalletContractV5R1,
    faucetKey: KeyPair,
    dnsRoot: Address,
  ) {
    this.blockchain = blockchain;
    this.faucetWallet = faucetWallet;
    this.faucetKey = faucetKey;
    this.dnsRoot = dnsRoot;
    this.lastUtime = blockchain.now ?? unixNow();
    this.init = {
      workchain: -1,
      shard: 0n,
      seqno: 0,
      rootHash: sha256("devnet-zerostate-root"),
      fileHash: sha256("devnet-zerostate-file"),
    };
  }

  /** Creates the sandbox, deploys faucet and DNS resolver, and seals the first blocks. */
  static async create(options: TonChainOptions): Promise<TonChain> {
    const blockchain = await Blockchain.create();
    // Contract debug output would flood the test logs.
    blockchain.verbosity = {
      print: false,
      blockchainLogs: false,
      vmLogs: "none",
      debugLogs: false,
    };
    blockchain.now = unixNow();

    const key = await faucetKeyPair(options.faucetMnemonic);
    const wallet = WalletContractV5R1.create({ workchain: 0, publicKey: key.publicKey });
    await blockchain.setShardAccount(
      wallet.address,
      createShardAccount({
        address: wallet.address,
        code: wallet.init.code,
        data: wallet.init.data,
        balance: options.faucetBalance ?? 1_000_000_000n * 1_000_000_000n,
        workchain: 0,
      }),
    );

    const dns = await dnsResolverInit({ "faucet.ton": wallet.address, ...options.names });
    await blockchain.setShardAccount(
      dns.address,
      createShardAccount({
        address: dns.address,
        code: dns.code,
        data: dns.data,
        balance: 1_000_000_000n,
        workchain: 0,
      }),
    );

    const chain = new TonChain(blockchain, wallet, key, dns.address);
    for (const spec of options.jettons ?? DEFAULT_JETTONS) {
      if (chain.jettons[spec.symbol]) throw new Error(`duplicate jetton symbol ${spec.symbol}`);
      const jetton = await deployJettonGenesis(blockchain, {
        ...spec,
        admin: wallet.address,
        holder: wallet.address,
      });
      chain.jettons[spec.symbol] = jetton;
      chain.jettonsByMaster.set(jetton.master.toRawString(), jetton);
    }
    sealBlocks(
      chain.store,
      [],
      blockchain.now,
      blockchain.lt,
      options.masterchainStartSeqno ?? 1,
      options.shardStartSeqno ?? 1,
    );
    return chain;
  }

  /** Runs `fn` exclusively with block production, so readers never see a half-built block. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Latest masterchain block. */
  lastMaster(): ChainBlock {
    return this.store.masterBlocks[this.store.masterBlocks.length - 1];
  }

  /** Latest shard block (of any shard). */
  lastShard(): ChainBlock {
    return this.store.shardBlocks[this.store.shardBlocks.length - 1];
  }

  /** Current heights: the masterchain, and the highest basechain shard block. */
  heights(): { masterchain: number; shard: number } {
    return {
      masterchain: this.lastMaster().id.seqno,
      shard: Math.max(...this.store.tops.map((b) => b.id.seqno)),
    };
  }

  /** The basechain's shards now, in shard order. */
  shardLayout(): bigint[] {
    return this.store.tops.map((b) => b.id.shard);
  }

  /**
   * Splits the basechain into its two halves (see {@link splitShards}).
   */
  splitShards(): void {
    splitShards(this.store);
  }

  /** Merges the two halves back: the next basechain block is the full shard's (`after_merge`). */
  mergeShards(): void {
    mergeShards(this.store);
  }

  /**
   * Holds a shard back: it keeps producing blocks, but masterchain blocks go on listing its
   * last committed one until {@link releaseShard}, which commits them all at once. Real
   * masterchain blocks commit 0, 1 or more blocks of a shard (recorded in `tests/fixtures/ton/toncenter_v2/testnet_aiotx_vcr/
   * monitoring_sequence_with_shard_gaps_mc27411722_onward.source.json`).
   */
  holdShard(shard: bigint): void {
    if (!this.store.tops.some((b) => b.id.shard === shard)) throw new Error(`no shard ${shard}`);
    this.store.held.add(shard);
  }

  /** Lets the masterchain commit a held shard's blocks again, from the next block. */
  releaseShard(shard: bigint): void {
    this.store.held.delete(shard);
  }

  /** Finds a block by workchain, seqno and shard (default the full shard). */
  block(workchain: number, seqno: number, shard: bigint = FULL_SHARD): ChainBlock | undefined {
    return findBlock(this.store, workchain, seqno, shard);
  }

  /** All blocks of a chain, oldest first (read-only use). */
  blocks(workchain: number): readonly ChainBlock[] {
    return workchain === -1
      ? this.store.masterBlocks
      : workchain === 0
      ? this.store.shardBlocks
      : [];
  }

  /** Transactions of an account, oldest first (read-only use). */
  accountTxs(address: Address): readonly ChainTx[] {
    return this.store.byAccount.get(address.toRawString()) ?? [];
  }

  /** Queues an external-in message for the next block. Throws on anything else. */
  enqueueExternal(cell: Cell): Message {
    const msg = loadMessage(cell.beginParse());
    if (msg.info.type !== "external-in") {
      throw new Error("message is not an inbound external message");
    }
    this.assertOpen();
    this.queue.push({ kind: "boc", cell });
    return msg;
  }

  /** Queues a faucet transfer; resolves with the faucet transaction hash (hex) once sealed. */
  faucet(to: Address, amount: bigint, opts: FaucetOptions = {}): Promise<string> {
    if (this.closed) return Promise.reject(new Error("TON devnet closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: "faucet", to, amount, opts, resolve, reject });
    });
  }

  /**
   * Queues a TEP-74 `transfer` of `amount` base units from the faucet to the
   * owner `to` (a real signed external to the faucet wallet, which messages
   * its jetton wallet); resolves with the faucet transaction hash once sealed.
   * `jetton` is a symbol or the master of any jetton the faucet holds (fakes too).
   */
  faucetJetton(
    jetton: string | Address,
    to: Address,
    amount: bigint,
    opts: FaucetJettonOptions = {},
  ): Promise<string> {
    const found = typeof jetton === "string"
      ? this.jettons[jetton]
      : this.jettonsByMaster.get(jetton.toRawString());
    if (!found) return Promise.reject(new Error(`unknown jetton ${jetton.toString()}`));
    const forwardTonAmount = opts.forwardTonAmount ?? DEFAULT_JETTON_FORWARD_TON;
    let body: Cell;
    try {
      body = jettonTransferBody({
        queryId: opts.queryId ?? BigInt(Date.now()),
        amount,
        destination: to,
        responseDestination: opts.responseDestination === undefined
          ? this.faucetWallet.address
          : opts.responseDestination,
        forwardTonAmount,
        forwardPayload: opts.forwardPayload ??
          (opts.comment === undefined ? null : jettonCommentPayload(opts.comment)),
        payloadInRef: opts.payloadInRef,
      });
    } catch (e) {
      // Callers await the result; a bad payload should reject, not throw synchronously.
      return Promise.reject(e);
    }
    return this.faucet(found.faucetWallet, forwardTonAmount + JETTON_TRANSFER_GAS, {
      body,
      bounce: true,
    });
  }

  /**
   * Deploys another master with the same code and metadata as `symbol` (a
   * different admin makes its address differ), its whole `supply` held by the
   * faucet: what a scammer does to fake a deposit. Send it with
   * {@link faucetJetton} using the returned master.
   */
  deployFakeJetton(symbol: string, supply = 1_000_000_000_000_000n): Promise<DevnetJetton> {
    this.assertOpen();
    const real = this.jettons[symbol];
    const decimals = real?.decimals ?? 9;
    const n = ++this.fakeJettonCount;
    return this.exclusive(async () => {
      const jetton = await deployJettonGenesis(this.blockchain, {
        symbol,
        decimals,
        supply,
        admin: new Address(0, sha256(`devnet-fake-jetton-admin:${n}`)),
        holder: this.faucetWallet.address,
        content: jettonContentCell({ symbol, decimals }),
      });
      this.jettonsByMaster.set(jetton.master.toRawString(), jetton);
      return jetton;
    });
  }

  /** Resolves after the next block is sealed. */
  waitForBlock(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("TON devnet closed"));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Executes queued messages and seals one shard block and one masterchain block. */
  produceBlock(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("TON devnet closed"));
    return this.exclusive(() => this.tick());
  }

  /** Reads an account's current (last sealed) state. */
  account(address: Address): Promise<AccountSnapshot> {
    return this.exclusive(async () => {
      const contract = await this.blockchain.getContract(address);
      const state = contract.accountState;
      const hash = contract.lastTransactionHash.toString(16).padStart(64, "0");
      return {
        address,
        balance: contract.balance,
        state: state?.type === "active"
          ? "active"
          : state?.type === "frozen"
          ? "frozen"
          : "uninitialized",
        code: state?.type === "active" ? state.state.code ?? null : null,
        data: state?.type === "active" ? state.state.data ?? null : null,
        frozenHash: state?.type === "frozen"
          ? Buffer.from(state.stateHash.toString(16).padStart(64, "0"), "hex")
          : null,
        lastLt: contract.lastTransactionLt,
        lastHash: Buffer.from(hash, "hex"),
      };
    });
  }

  /**
   * Runs an external message against the current state without committing it,
   * like a liteserver's pre-check of `sendMessage` or tonlib's fee estimation.
   */
  emulateExternal(cell: Cell, ignoreChksig = false): Promise<EmulationOutcome> {
    return this.exclusive(async () => {
      const msg = loadMessage(cell.beginParse());
      if (msg.info.type !== "external-in") {
        return { accepted: false, error: "message is not an inbound external message" };
      }
      const contract = await this.blockchain.getContract(msg.info.dest);
      const shardAccount = beginCell().store(storeShardAccount(contract.account)).endCell()
        .toBoc().toString("base64");
      const res = await this.blockchain.executor.runTransaction({
        config: this.blockchain.configBase64,
        libs: this.blockchain.libs ?? null,
        verbosity: "short",
        shardAccount,
        now: Math.max(this.lastUtime, unixNow()),
        lt: this.blockchain.lt + 1_000_000n,
        randomSeed: Buffer.alloc(32),
        ignoreChksig,
        debugEnabled: false,
        message: cell,
      });
      if (!res.result.success) {
        const code = res.result.vmResults?.vmExitCode;
        return {
          accepted: false,
          error: res.result.error + (code === undefined ? "" : ` (exitcode=${code})`),
        };
      }
      const tx = loadTransaction(Cell.fromBase64(res.result.transaction).beginParse());
      return { accepted: true, tx };
    });
  }

  /** Stops accepting work; pending faucet calls and waiters are rejected. */
  close(): Promise<void> {
    if (this.closed) return this.lock.then(() => undefined);
    this.closed = true;
    const err = new Error("TON devnet closed");
    for (const item of this.queue.splice(0)) {
      if (item.kind === "faucet") item.reject(err);
    }
    for (const w of this.waiters.splice(0)) w.reject(err);
    return this.lock.then(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("TON devnet closed");
  }

  private async faucetMessage(
    item: Extract<Pending, { kind: "faucet" }>,
    now: number,
  ): Promise<Cell> {
    // Seqno comes from the contract data (is_signature_allowed:1 seqno:32 ...),
    // since anyone holding the mnemonic may also sign externals via sendBoc.
    const contract = await this.blockchain.getContract(this.faucetWallet.address);
    const state = contract.accountState;
    if (state?.type !== "active" || !state.state.data) {
      throw new Error("faucet wallet is not active");
    }
    const seqno = state.state.data.beginParse().skip(1).loadUint(32);
    const body = this.faucetWallet.createTransfer({
      seqno,
      secretKey: this.faucetKey.secretKey,
      timeout: now + 60,
      sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
      messages: [
        internal({
          to: item.to,
          value: item.amount,
          bounce: item.opts.bounce ?? false,
          body: item.opts.body ?? item.opts.comment,
        }),
      ],
    });
    return beginCell().store(storeMessage(external({ to: this.faucetWallet.address, body })))
      .endCell();
  }

  private async tick(): Promise<void> {
    const now = Math.max(this.lastUtime, unixNow());
    this.lastUtime = now;
    this.blockchain.now = now;
    const startLt = this.blockchain.lt;

    const executed: Transaction[] = [];
    const settle: (() => void)[] = [];
    for (const item of this.queue.splice(0)) {
      try {
        const cell = item.kind === "faucet" ? await this.faucetMessage(item, now) : item.cell;
        const res = await this.blockchain.sendMessage(cell);
        executed.push(...res.transactions);
        if (item.kind === "faucet") {
          const hash = res.transactions[0].hash().toString("hex");
          settle.push(() => item.resolve(hash));
        }
      } catch (e) {
        // A rejected external leaves no trace on a real chain either.
        if (item.kind === "faucet") {
          const err = e instanceof Error ? e : new Error(String(e));
          settle.push(() => item.reject(err));
        }
      }
    }

    const prevShard = this.lastShard();
    const prevMaster = this.lastMaster();
    sealBlocks(
      this.store,
      executed,
      now,
      startLt > prevShard.endLt ? startLt : prevShard.endLt,
      prevMaster.id.seqno + 1,
      0,
    );
    for (const f of settle) f();
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}
