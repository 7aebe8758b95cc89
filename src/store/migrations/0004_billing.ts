// Billing (issue 5, seed-part1 §1.7, §1.13, §1.14, §1.29, §1.30, §2.8–2.12, §2.17, §2.23): carriers (minimal,
// completed by the routing issue), routing tags, destinations, destination rates and their rates, rating plans
// and their rows, rating profiles of clients and carriers, balances with their movements ledger and low-balance
// notifications, daily usage counters, the notification outbox, billable calls (what the rater needs of a CDR),
// rate-import jobs and the per-brand configuration version the in-memory rating caches watch.
//
// Money columns are bigint counts of 1/10000 of the currency unit; times are timestamptz (UTC sessions).
// Delete rules: sub-collections cascade (a destination rate's rates, a plan's rows); real references restrict,
// so deleting a destination rate still used by a plan fails with 409 "referenced by rating_plan_rows".
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table carriers (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      name text not null,
      description text,
      currency_id integer not null references currencies(id),
      calculate_cost boolean not null default false,
      constraint carriers_brand_name_key unique (brand_id, name)
    )`.execute(db);

  await sql`
    create table routing_tags (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      name text not null,
      tag text not null constraint routing_tags_tag_check check (tag ~ '^[0-9]{1,3}#$'),
      constraint routing_tags_brand_tag_key unique (brand_id, tag),
      constraint routing_tags_brand_name_key unique (brand_id, name)
    )`.execute(db);

  await sql`
    create table client_routing_tags (
      client_id integer not null references clients(id) on delete cascade,
      routing_tag_id integer not null references routing_tags(id),
      primary key (client_id, routing_tag_id)
    )`.execute(db);

  await sql`
    create table destinations (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      -- '+' and 1–15 digits. Written without a regular expression: the check runs per inserted row, and a
      -- 100 000-row rate import spent ~0.6 s of its destination insert in the regex (bench/rating/vs-copy.ts).
      prefix text not null constraint destinations_prefix_check
        check (left(prefix, 1) = '+' and length(prefix) between 2 and 16 and translate(substr(prefix, 2), '0123456789', '') = ''),
      name text not null,
      constraint destinations_brand_prefix_key unique (brand_id, prefix)
    )`.execute(db);

  await sql`
    create table destination_rates (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      name text not null,
      description text,
      currency_id integer not null references currencies(id),
      deductible_connection_fee boolean not null default false,
      constraint destination_rates_brand_name_key unique (brand_id, name)
    )`.execute(db);

  await sql`
    create table rates (
      id serial primary key,
      destination_rate_id integer not null references destination_rates(id) on delete cascade,
      destination_id integer not null references destinations(id),
      connection_charge bigint not null default 0 check (connection_charge >= 0),
      interval_start integer not null default 0 check (interval_start >= 0),
      per_minute_rate bigint not null check (per_minute_rate >= 0),
      charge_period integer not null default 1 check (charge_period >= 1),
      constraint rates_destination_rate_destination_key unique (destination_rate_id, destination_id)
    )`.execute(db);
  await sql`create index rates_destination_idx on rates (destination_id)`.execute(db);

  await sql`
    create table rating_plans (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      name text not null,
      description text,
      currency_id integer not null references currencies(id),
      constraint rating_plans_brand_name_key unique (brand_id, name)
    )`.execute(db);

  await sql`
    create table rating_plan_rows (
      id serial primary key,
      rating_plan_id integer not null references rating_plans(id) on delete cascade,
      destination_rate_id integer not null references destination_rates(id),
      weight integer not null default 1,
      timing jsonb not null default '"always"'
    )`.execute(db);
  await sql`create index rating_plan_rows_plan_idx on rating_plan_rows (rating_plan_id)`.execute(db);
  await sql`create index rating_plan_rows_destination_rate_idx on rating_plan_rows (destination_rate_id)`.execute(db);

  // Two tables rather than one with two nullable owners: each is scoped and validated on its own.
  await sql`
    create table client_rating_profiles (
      id serial primary key,
      client_id integer not null references clients(id) on delete cascade,
      rating_plan_id integer not null references rating_plans(id),
      activation_time timestamptz not null,
      routing_tag_id integer references routing_tags(id),
      constraint client_rating_profiles_activation_key unique nulls not distinct (client_id, activation_time, routing_tag_id)
    )`.execute(db);
  await sql`
    create table carrier_rating_profiles (
      id serial primary key,
      carrier_id integer not null references carriers(id) on delete cascade,
      rating_plan_id integer not null references rating_plans(id),
      activation_time timestamptz not null,
      constraint carrier_rating_profiles_activation_key unique (carrier_id, activation_time)
    )`.execute(db);

  // One balance per client or carrier, created on its first operation. `reserved` holds the live
  // reservations of prepaid calls in progress (src/billing/balance-store.ts): available = amount − reserved.
  await sql`
    create table balances (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      client_id integer constraint balances_client_key unique references clients(id) on delete cascade,
      carrier_id integer constraint balances_carrier_key unique references carriers(id) on delete cascade,
      amount bigint not null default 0,
      reserved bigint not null default 0 check (reserved >= 0),
      updated_at timestamptz not null default now(),
      constraint balances_owner_check check ((client_id is null) <> (carrier_id is null))
    )`.execute(db);

  await sql`
    create table balance_movements (
      id bigserial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      balance_id integer not null references balances(id) on delete cascade,
      client_id integer,
      carrier_id integer,
      kind text not null check (kind in ('increase', 'decrease', 'call', 'calls', 'rerate')),
      amount bigint not null,
      balance_after bigint not null,
      actor text not null,
      reason text,
      call_id text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index balance_movements_balance_idx on balance_movements (balance_id, id)`.execute(db);

  // `armed`: the balance is at or above the threshold, so the next fall below it notifies (once per crossing).
  await sql`
    create table balance_notifications (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      client_id integer references clients(id) on delete cascade,
      carrier_id integer references carriers(id) on delete cascade,
      threshold bigint not null,
      email text not null,
      notification_template_id integer references notification_templates(id),
      armed boolean not null default true,
      constraint balance_notifications_owner_check check ((client_id is null) <> (carrier_id is null))
    )`.execute(db);

  await sql`
    create table daily_usages (
      client_id integer not null references clients(id) on delete cascade,
      day date not null,
      amount bigint not null default 0,
      notified boolean not null default false,
      primary key (client_id, day)
    )`.execute(db);

  // Notifications are sent by a later issue; billing records what to send here.
  await sql`
    create table billing_outbox (
      id bigserial primary key,
      kind text not null check (kind in ('low_balance', 'max_daily_usage')),
      brand_id integer not null,
      client_id integer,
      carrier_id integer,
      email text,
      notification_template_id integer,
      payload jsonb not null default '{}',
      created_at timestamptz not null default now(),
      sent_at timestamptz
    )`.execute(db);

  // What the rater needs of a call record. No foreign keys to clients/carriers: the record outlives them.
  await sql`
    create table billable_calls (
      id bigserial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      client_id integer,
      carrier_id integer,
      call_id text not null,
      caller text,
      callee text not null,
      start_time timestamptz not null,
      duration_ms integer not null check (duration_ms >= 0),
      direction text not null check (direction in ('inbound', 'outbound')),
      routing_tag text,
      price bigint,
      cost bigint,
      rating_plan_id integer,
      carrier_rating_plan_id integer,
      destination_prefix text,
      destination_name text,
      rating_error text,
      rated_at timestamptz,
      invoice_id integer,
      client_debited bigint not null default 0,
      carrier_debited bigint not null default 0
    )`.execute(db);
  await sql`create index billable_calls_unrated_idx on billable_calls (id) where rated_at is null`.execute(db);
  await sql`create index billable_calls_brand_start_idx on billable_calls (brand_id, start_time)`.execute(db);

  await sql`
    create table rate_imports (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      destination_rate_id integer not null references destination_rates(id) on delete cascade,
      status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
      file_name text not null,
      file text not null,
      columns jsonb,
      skip_first_line boolean not null default false,
      progress integer not null default 0,
      total_lines integer not null default 0,
      error_count integer not null default 0,
      errors jsonb not null default '[]',
      result jsonb,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      worker text,
      heartbeat_at timestamptz
    )`.execute(db);
  await sql`create index rate_imports_queue_idx on rate_imports (id) where status in ('queued', 'running')`.execute(db);

  // Bumped in the same transaction as every change of rating configuration: rating caches on every node
  // compare it and rebuild the brand's catalog when it moved.
  await sql`
    create table billing_versions (
      brand_id integer primary key references brands(id) on delete cascade,
      version bigint not null default 0
    )`.execute(db);
}
