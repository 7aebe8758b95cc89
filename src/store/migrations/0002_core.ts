// Core tenant model: brands, administrators (+ privileges), clients, corporations, authorized sources, portal
// URLs, audit log, auth sessions. Constraint names are stable: the API maps them to field names
// (src/api/resources/*.ts `unique`), so rename them only together.
//
// Delete rules: sub-collections that mean nothing without their parent cascade (a brand's administrators and
// portals, a client's authorized sources and admins, an admin's privileges and sessions); real references
// restrict, so deleting a brand that still has clients fails with 409 "referenced by clients".
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table brands (
      id serial primary key,
      name text not null constraint brands_name_key unique,
      tin text,
      logo text,
      invoice_postal_address text,
      invoice_postal_code text,
      invoice_town text,
      invoice_province text,
      invoice_country_id integer references countries(id),
      invoice_registry_data text,
      domain text constraint brands_domain_key unique,
      recordings_limit_mb integer not null default 0 check (recordings_limit_mb >= 0),
      recordings_limit_email text,
      features text[] not null default '{}',
      max_calls integer not null default 0 check (max_calls >= 0),
      default_timezone_id integer not null references timezones(id),
      language_id integer not null references languages(id),
      currency_id integer not null references currencies(id),
      voicemail_notification_template_id integer,
      fax_notification_template_id integer,
      invoice_notification_template_id integer,
      call_csv_notification_template_id integer,
      max_daily_usage_notification_template_id integer,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table corporations (
      id serial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      name text not null,
      description text,
      constraint corporations_brand_name_key unique (brand_id, name)
    )`.execute(db);

  await sql`
    create table clients (
      id serial primary key,
      brand_id integer not null references brands(id),
      type text not null check (type in ('vpbx', 'residential', 'retail', 'wholesale')),
      name text not null,
      domain text constraint clients_domain_key unique,
      features text[] not null default '{}',
      billing_method text not null default 'postpaid' check (billing_method in ('postpaid', 'prepaid', 'pseudoprepaid', 'none')),
      corporation_id integer references corporations(id),
      language_id integer not null references languages(id),
      default_timezone_id integer not null references timezones(id),
      currency_id integer not null references currencies(id),
      country_id integer references countries(id),
      numeric_transformation_set_id integer,
      max_calls integer not null default 0 check (max_calls >= 0),
      max_daily_usage bigint check (max_daily_usage >= 0),
      email text,
      ip_filter boolean not null default false,
      outgoing_ddi_id integer,
      tin text,
      postal_address text,
      postal_code text,
      town text,
      province text,
      invoice_country_id integer references countries(id),
      registry_data text,
      display_billing_details boolean not null default true,
      media_relay_set_id integer,
      distribute_method text check (distribute_method in ('hash', 'rr', 'static')),
      application_server_id integer,
      on_demand_record text check (on_demand_record in ('disabled', 'dtmf', 'sipinfo')),
      on_demand_record_code text,
      allow_recording_removal boolean not null default false,
      voicemail_notification_template_id integer,
      fax_notification_template_id integer,
      invoice_notification_template_id integer,
      call_csv_notification_template_id integer,
      max_daily_usage_notification_template_id integer,
      created_at timestamptz not null default now(),
      constraint clients_brand_name_key unique (brand_id, name)
    )`.execute(db);
  await sql`create index clients_brand_idx on clients (brand_id)`.execute(db);

  await sql`
    create table administrators (
      id serial primary key,
      level text not null check (level in ('platform', 'brand', 'client')),
      username text not null,
      password_hash text not null,
      name text,
      lastname text,
      email text,
      timezone_id integer references timezones(id),
      active boolean not null default true,
      restricted boolean not null default false,
      brand_id integer references brands(id) on delete cascade,
      client_id integer references clients(id) on delete cascade,
      created_at timestamptz not null default now(),
      constraint administrators_level_owner_check check (
        (level = 'platform' and brand_id is null and client_id is null) or
        (level = 'brand' and brand_id is not null and client_id is null) or
        (level = 'client' and brand_id is not null and client_id is not null))
    )`.execute(db);
  // Platform admins are unique among platform admins; brand and client admins share one namespace per brand
  // (seed-part1 §1.1, L1029: a portal URL reveals the brand, not the client).
  await sql`create unique index administrators_platform_username_key on administrators (username) where brand_id is null`.execute(db);
  await sql`create unique index administrators_brand_username_key on administrators (brand_id, username) where brand_id is not null`.execute(db);

  await sql`
    create table administrator_privileges (
      id serial primary key,
      administrator_id integer not null references administrators(id) on delete cascade,
      resource text not null,
      can_create boolean not null default false,
      can_read boolean not null default true,
      can_update boolean not null default false,
      can_delete boolean not null default false,
      constraint administrator_privileges_admin_resource_key unique (administrator_id, resource)
    )`.execute(db);

  await sql`
    create table authorized_sources (
      id serial primary key,
      client_id integer not null references clients(id) on delete cascade,
      ip text not null,
      description text,
      constraint authorized_sources_client_ip_key unique (client_id, ip)
    )`.execute(db);

  await sql`
    create table portal_urls (
      id serial primary key,
      kind text not null check (kind in ('platform', 'brand', 'client', 'user')),
      url text not null constraint portal_urls_url_key unique,
      brand_id integer references brands(id) on delete cascade,
      client_id integer references clients(id) on delete cascade,
      name text,
      logo text,
      theme text,
      title text,
      constraint portal_urls_owner_check check (
        (kind = 'platform' and brand_id is null and client_id is null) or
        (kind = 'brand' and brand_id is not null and client_id is null) or
        (kind in ('client', 'user') and brand_id is not null))
    )`.execute(db);

  // No foreign keys: the log outlives the rows and actors it describes.
  await sql`
    create table audit_log (
      id bigserial primary key,
      at timestamptz not null default now(),
      level text not null,
      admin_id integer,
      username text,
      chain jsonb not null default '[]',
      brand_id integer,
      client_id integer,
      resource text not null,
      row_id text,
      action text not null,
      before jsonb,
      after jsonb
    )`.execute(db);
  await sql`create index audit_log_brand_idx on audit_log (brand_id, at)`.execute(db);

  await sql`
    create table auth_sessions (
      id text primary key,
      admin_id integer references administrators(id) on delete cascade,
      user_id integer,
      level text not null,
      context jsonb not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz
    )`.execute(db);
  await sql`
    create table refresh_tokens (
      token_hash text primary key,
      session_id text not null references auth_sessions(id) on delete cascade,
      expires_at timestamptz not null,
      used_at timestamptz
    )`.execute(db);
}
