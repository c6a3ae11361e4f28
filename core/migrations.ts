/**
 * Versioned schema migrations, applied at start inside one transaction. Kept as TypeScript
 * strings so `deno compile` embeds them.
 */

import type { Db } from "./db.ts";

/**
 * Ordered migrations; never edit a released one, append a new version instead. Released SQL
 * keeps the chain-named words it was written with (version 1's column of signed bytes, renamed in
 * version 13): changing it would change what an existing database ran.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "core schema",
    sql: `
create sequence derivation_index_seq start 1;

create table addresses (
  id bigserial primary key,
  chain text not null,
  currency text not null,
  user_id text not null,
  address text not null,
  display text not null,
  derivation_index bigint not null,
  created_at timestamptz not null default now(),
  unique (chain, address),
  unique (chain, derivation_index)
);
create index addresses_user on addresses (user_id, id);

create table cursors (
  chain text primary key,
  height bigint not null,
  block_time bigint not null,
  state jsonb not null,
  updated_at timestamptz not null default now()
);

create table payloads (
  id bigserial primary key,
  chain text not null,
  payload_id text not null,
  wallet text not null,
  purpose text not null check (purpose in ('withdrawals', 'sweep')),
  boc text not null,
  valid_until bigint not null,
  out_keys text[] not null,
  status text not null check (status in ('sent', 'seen', 'expired')),
  broadcasts int not null default 0,
  last_broadcast_at timestamptz,
  tx_hash text,
  fee numeric(78, 0),
  seen_time bigint,
  created_at timestamptz not null default now(),
  unique (chain, payload_id)
);
create index payloads_open on payloads (chain, id) where status = 'sent';

create table withdrawals (
  id bigserial primary key,
  chain text not null,
  currency text not null,
  kind text not null check (kind in ('user', 'cold')),
  user_id text,
  query_id text,
  amount numeric(78, 0) not null,
  destination text not null,
  destination_input text not null,
  comment text,
  binary_comment text,
  status text not null check (status in ('pending', 'processing', 'processed', 'failed')),
  attempt int not null default 1,
  payload_ref bigint references payloads (id),
  out_key text,
  tx_hash text,
  failure_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (user_id, query_id)
);
create index withdrawals_queue on withdrawals (chain, id) where status = 'pending';
create index withdrawals_payload on withdrawals (payload_ref);
create index withdrawals_open on withdrawals (chain, currency, status)
  where status in ('pending', 'processing');

create table sweeps (
  id bigserial primary key,
  chain text not null,
  address_id bigint not null references addresses (id),
  currency text not null,
  kind text not null check (kind in ('auto', 'service')),
  memo text,
  status text not null check (status in ('requested', 'processing', 'done', 'expired', 'empty')),
  payload_ref bigint references payloads (id),
  amount numeric(78, 0),
  fee numeric(78, 0),
  tx_hash text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index sweeps_one_open on sweeps (address_id, currency)
  where status in ('requested', 'processing');
create index sweeps_payload on sweeps (payload_ref);

create table incomes (
  id bigserial primary key,
  chain text not null,
  currency text not null,
  address_id bigint not null references addresses (id),
  source_address text,
  amount numeric(78, 0) not null,
  comment text,
  binary_comment text,
  tx_hash text not null,
  event_index int not null,
  block_height bigint not null,
  block_time bigint not null,
  sweep_id bigint references sweeps (id),
  created_at timestamptz not null default now(),
  unique (chain, tx_hash, event_index)
);
create index incomes_address on incomes (address_id, block_time, id);
create index incomes_tx on incomes (tx_hash);
create index incomes_unswept on incomes (chain, address_id) where sweep_id is null;

create table alarms (
  id bigserial primary key,
  chain text not null,
  kind text not null,
  detail text not null,
  created_at timestamptz not null default now(),
  resolved_at timestamptz
);
create index alarms_open on alarms (chain) where resolved_at is null;
`,
  },
  {
    version: 2,
    name: "token wallets watched for deposits",
    sql: `
alter table addresses add column watch_address text;
create unique index addresses_watch on addresses (chain, watch_address)
  where watch_address is not null;
`,
  },
  {
    version: 3,
    name: "sweeps funded by the hot wallet",
    sql: `
alter table withdrawals drop constraint withdrawals_kind_check;
alter table withdrawals add constraint withdrawals_kind_check
  check (kind in ('user', 'cold', 'topup'));
alter table sweeps drop constraint sweeps_status_check;
alter table sweeps add constraint sweeps_status_check
  check (status in ('requested', 'funding', 'processing', 'done', 'expired', 'empty'));
alter table sweeps add column topup_ref bigint references withdrawals (id);
drop index sweeps_one_open;
create unique index sweeps_one_open on sweeps (address_id, currency)
  where status in ('requested', 'funding', 'processing');
`,
  },
  {
    version: 4,
    name: "transfer confirmations",
    sql: `
alter table withdrawals add column confirmed_tx_hash text;
create index withdrawals_out_key on withdrawals (chain, out_key) where out_key is not null;
`,
  },
  {
    version: 5,
    name: "unrecognized token transfers",
    sql: `
create table unrecognized_transfers (
  id bigserial primary key,
  chain text not null,
  address_id bigint not null references addresses (id),
  token text not null,
  source_address text,
  amount numeric(78, 0) not null,
  comment text,
  binary_comment text,
  tx_hash text not null,
  block_time bigint not null,
  created_at timestamptz not null default now(),
  unique (chain, tx_hash)
);
`,
  },
  {
    version: 6,
    name: "fee resources lent to deposits, deferred sweeps",
    sql: `
alter table withdrawals drop constraint withdrawals_kind_check;
alter table withdrawals add constraint withdrawals_kind_check
  check (kind in ('user', 'cold', 'topup', 'lend', 'reclaim'));
alter table withdrawals add column sweep_id bigint references sweeps (id);
create index withdrawals_sweep on withdrawals (sweep_id) where sweep_id is not null;
alter table sweeps add column not_before timestamptz;
`,
  },
  {
    version: 7,
    name: "block heights of sightings and unrecognized transfers, for fork rollbacks",
    sql: `
alter table payloads add column seen_height bigint;
alter table unrecognized_transfers add column block_height bigint;
`,
  },
  {
    version: 8,
    name: "merchant sites, invoices, the webhook outbox",
    sql: `
create table sites (
  id text primary key,
  name text not null,
  api_secret text not null,
  webhook_url text,
  require_strong_signature boolean not null default false,
  disabled_at timestamptz,
  secret_rotated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table withdrawals drop constraint withdrawals_kind_check;
alter table withdrawals add constraint withdrawals_kind_check
  check (kind in ('user', 'cold', 'topup', 'lend', 'reclaim', 'refund'));

alter table addresses add column purpose text not null default 'user'
  check (purpose in ('user', 'invoice', 'invoice_shared'));
create unique index addresses_invoice_shared on addresses (chain, currency)
  where purpose = 'invoice_shared';

create table invoices (
  id bigserial primary key,
  uuid uuid not null unique,
  site_id text not null references sites (id),
  order_id text not null,
  chain text not null,
  asset_code text not null,
  expected_amount numeric(78, 0) not null,
  expected_text text not null,
  address_id bigint not null references addresses (id),
  memo text,
  memo_key text,
  status text not null check (status in ('check', 'process', 'confirm_check', 'paid',
    'paid_over', 'wrong_amount', 'expired', 'cancel', 'fail', 'system_fail', 'refund_process',
    'refund_paid', 'refund_fail')),
  metadata jsonb,
  expires_at timestamptz not null,
  refund_withdrawal_id bigint references withdrawals (id),
  paid_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (site_id, order_id)
);
create unique index invoices_memo on invoices (address_id, memo_key) where memo_key is not null;
create index invoices_open on invoices (status) where status in ('check', 'process',
  'confirm_check', 'refund_process');
create index invoices_site on invoices (site_id, id);

create table invoice_payments (
  income_id bigint primary key references incomes (id),
  invoice_id bigint references invoices (id),
  late boolean not null,
  refund_withdrawal_id bigint references withdrawals (id),
  created_at timestamptz not null default now()
);
create index invoice_payments_invoice on invoice_payments (invoice_id);

create table outbox (
  id bigserial primary key,
  event_id uuid not null unique,
  site_id text references sites (id),
  stream text not null,
  type text not null,
  body text not null,
  status text not null check (status in ('pending', 'delivered', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
create index outbox_due on outbox (next_attempt_at, id) where status = 'pending';
create index outbox_stream on outbox (stream, id);
create index outbox_site on outbox (site_id, id);

create table webhook_deliveries (
  id bigserial primary key,
  outbox_id bigint not null references outbox (id),
  attempted_at timestamptz not null default now(),
  http_status int,
  error text,
  duration_ms int not null
);
create index webhook_deliveries_event on webhook_deliveries (outbox_id, id);

alter table incomes add column final_notified boolean not null default false;
create index incomes_unnotified on incomes (chain, block_height) where not final_notified;
alter table withdrawals add column notified_status text;
create index withdrawals_unnotified on withdrawals (id)
  where kind = 'user' and notified_status is distinct from status;
`,
  },
  {
    version: 9,
    name: "one-use merchant signatures; new sites require the strong scheme",
    sql: `
create table used_signatures (
  site_id text not null references sites (id),
  signature text not null,
  expires_at timestamptz not null,
  primary key (site_id, signature)
);
create index used_signatures_expiry on used_signatures (expires_at);
alter table sites alter column require_strong_signature set default true;
`,
  },
  {
    version: 10,
    name: "cancelled withdrawals",
    sql: `
alter table withdrawals drop constraint withdrawals_status_check;
alter table withdrawals add constraint withdrawals_status_check
  check (status in ('pending', 'processing', 'processed', 'failed', 'cancelled'));
`,
  },
  {
    version: 11,
    name: "checkout page return links",
    sql: `
alter table invoices add column success_url text;
alter table invoices add column cancel_url text;
`,
  },
  {
    version: 12,
    name: "unrecognized transfers keyed by event index, as incomes are",
    // One transaction can put several unrecognized values on our deposits (e.g. a native token
    // sent by internal transactions next to an unknown token's logs); unique by tx hash alone, all but
    // the first would be dropped.
    sql: `
alter table unrecognized_transfers add column event_index int not null default 0;
alter table unrecognized_transfers drop constraint unrecognized_transfers_chain_tx_hash_key;
alter table unrecognized_transfers add constraint unrecognized_transfers_chain_tx_event_key
  unique (chain, tx_hash, event_index);
`,
  },
  {
    version: 13,
    name: "alarms an operator resolves; alarm and unrecognized webhooks; recorded hot wallets",
    sql: `
alter table alarms add column context jsonb;
alter table alarms add column acknowledged_at timestamptz;
alter table alarms add column acknowledged_note text;
alter table alarms add column resolved_note text;
alter table alarms add column notified_state text;
alter table unrecognized_transfers add column notified boolean not null default false;
create index unrecognized_unnotified on unrecognized_transfers (id) where not notified;
create table hot_wallets (
  chain text primary key,
  address text not null,
  display text not null,
  recorded_at timestamptz not null default now()
);
`,
  },
  {
    version: 14,
    name: "opaque payloads whose lifecycle the plugin decides; replacements share a family",
    // The signed bytes are the plugin's own text (base64 for one chain, JSON for another), so
    // the column gets a neutral name. A payload may never expire on its own (account-nonce
    // chains), so its validity becomes optional; the nonce names what two payloads that can
    // never both land share, the family groups a payload with its replacements, and a dead
    // one records why (and, when a sibling landed, which one). Expired rows become dead ones
    // whose reason is their expiry.
    sql: `
alter table payloads rename column boc to data;
alter table payloads alter column valid_until drop not null;
alter table payloads add column nonce text;
alter table payloads add column family bigint references payloads (id);
update payloads set family = id;
alter table payloads alter column family set not null;
alter table payloads add column dead_reason text;
alter table payloads add column superseded_by bigint references payloads (id);
alter table payloads drop constraint payloads_status_check;
update payloads set status = 'dead', dead_reason = 'expired' where status = 'expired';
alter table payloads add constraint payloads_status_check
  check (status in ('sent', 'replaced', 'seen', 'dead'));
drop index payloads_open;
create index payloads_open on payloads (chain, id) where status in ('sent', 'replaced');
create index payloads_family on payloads (family);
`,
  },
  {
    version: 15,
    name: "chain-specific preparations of a sweep are plugin-tagged steps of one kind",
    // Top-ups, lends and reclaims were kinds of their own; they become preparations named by
    // the plugin's step tag (the chain's name and the old kind), with whether they spend the
    // hot wallet's balance (a top-up) or only lend resources, and the step that undoes them.
    sql: `
alter table withdrawals add column step text;
alter table withdrawals add column spends boolean not null default true;
alter table withdrawals add column undo_step text;
alter table withdrawals drop constraint withdrawals_kind_check;
update withdrawals set kind = 'prepare', step = chain || '.' || kind, spends = (kind = 'topup'),
  undo_step = case when kind = 'lend' then chain || '.reclaim' end
  where kind in ('topup', 'lend', 'reclaim');
alter table withdrawals add constraint withdrawals_kind_check
  check (kind in ('user', 'cold', 'prepare', 'refund'));
alter table withdrawals add constraint withdrawals_step_check
  check ((kind = 'prepare') = (step is not null));
`,
  },
  {
    version: 16,
    name: "incomes and unrecognized transfers by height: undoing a fork costs its blocks",
    // Without them a rollback counts and deletes its blocks' rows by reading the whole history.
    sql: `
create index incomes_height on incomes (chain, block_height);
create index unrecognized_height on unrecognized_transfers (chain, block_height);
`,
  },
  {
    version: 17,
    name: "an undo step names the preparation it undoes, at most one each",
    // The undo of a preparation (taking back what it lent, or what is left of what it sent)
    // is built on its own and may find nothing left to take back: the sender needs to know
    // which withdrawals are undos, and the index makes "never twice" the database's to keep.
    // Undos queued before this are paired with their sweep's preparations of the same step
    // in order.
    sql: `
alter table withdrawals add column undoes bigint references withdrawals (id);
alter table withdrawals add constraint withdrawals_undoes_check
  check (undoes is null or kind = 'prepare');
with l as (
  select id, sweep_id, undo_step,
    row_number() over (partition by sweep_id, undo_step order by id) as n
  from withdrawals where kind = 'prepare' and undo_step is not null and sweep_id is not null
), r as (
  select w.id, w.sweep_id, w.step,
    row_number() over (partition by w.sweep_id, w.step order by w.id) as n
  from withdrawals w
  where w.kind = 'prepare' and w.sweep_id is not null
    and exists (select 1 from withdrawals p where p.sweep_id = w.sweep_id
                  and p.kind = 'prepare' and p.undo_step = w.step)
)
update withdrawals w set undoes = l.id
from r join l on l.sweep_id = r.sweep_id and l.undo_step = r.step and l.n = r.n
where w.id = r.id;
create unique index withdrawals_undoes on withdrawals (undoes) where undoes is not null;
`,
  },
  {
    version: 18,
    name: "payloads by seen height and by successor: undoing a fork costs its blocks",
    // A rollback awaits again the payloads seen above the fork point, and revives the family
    // members they superseded; without these both read every payload ever sent.
    sql: `
create index payloads_seen_height on payloads (chain, seen_height) where status = 'seen';
create index payloads_superseded on payloads (superseded_by) where superseded_by is not null;
`,
  },
  {
    version: 19,
    name: "incomes carry their address's user: a user's history is one index range",
    // The history filters on the address's user and sorts by the income's time; with the user
    // on the address alone, every request joined and sorted all of the user's incomes. An
    // address never changes user, so the copy taken at insert stays true. The backfill is a
    // type change with USING, which rewrites the table once and rebuilds its indexes (15 s a
    // million incomes on a shared 2-core machine, no dead copies left); an UPDATE of every row
    // would write each one again and add an entry to each of the table's indexes for it (63 s
    // a million, the table twice its size until vacuumed). NOT NULL makes an insert that does
    // not set it (a processor of an older version still running) fail instead of leaving an
    // income out of its user's history. The index is built after the backfill, on the
    // rewritten table.
    sql: `
create function pg_temp.address_user(address_id bigint) returns text language sql stable
  as 'select user_id from addresses where id = address_id';
alter table incomes add column user_id text;
alter table incomes alter column user_id type text using pg_temp.address_user(address_id),
  alter column user_id set not null;
drop function pg_temp.address_user(bigint);
create index incomes_user_history on incomes (user_id, currency, block_time, id);
`,
  },
  {
    version: 20,
    name: "a deposit's native ledger by address: a sweep reads its deposit's rows only",
    // A native sweep of a plugin whose balances are accounted reads the deposit's ledger (see
    // store/deposit_ledger.ts): its sweeps, the payloads it signed and its unrecognized
    // transfers. Without these each sweep reads every sweep, payload and unrecognized transfer
    // ever stored. Indexes only: no row changes.
    sql: `
create index sweeps_address on sweeps (address_id, currency);
create index payloads_wallet on payloads (chain, wallet, seen_height) where status = 'seen';
create index unrecognized_address on unrecognized_transfers (address_id, token);
`,
  },
];

/**
 * Applies pending migrations in one transaction. A transaction-scoped advisory lock makes a
 * second instance starting at the same time wait, then find nothing left to do. `upTo` stops
 * after that version (tests of a migration fill the schema it starts from).
 */
export async function migrate(db: Db, upTo = Infinity): Promise<number[]> {
  return await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtextextended('processor:migrations', 0))");
    await tx.query(
      `create table if not exists schema_migrations (
        version int primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>("select version from schema_migrations"))
        .map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version) || migration.version > upTo) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}

// Extended-protocol queries take one statement each; our migrations hold no semicolons in
// literals, so splitting on them is safe.
function splitStatements(sql: string): string[] {
  return sql.split(";").map((s) => s.trim()).filter(Boolean);
}
