// vPBX model (issue 6, seed-part2 §1.1–1.4, §1.27): terminals, users, extensions; the tables the SIP side writes
// and the API shows read-only (registrations, active calls, call registry); the directory version the in-memory
// SIP directory watches (src/store/directory).
//
// Delete rules: a client's terminals, users and extensions cascade with it; between them references restrict
// (deleting a terminal still used by a user → 409 "referenced by users"), except a user's screen extension,
// which is a display preference and is cleared when the extension goes. Runtime rows (registrations, calls)
// cascade with their client; registrations also with their terminal.
// Route targets of extensions: one typed nullable column per target kind, exactly the chosen one set
// (constraint extensions_route_target_check mirrors src/domain/vpbx/route-target.ts). Targets whose tables do not
// exist yet (IVRs, hunt groups, …) get their foreign keys in the migrations that create those tables.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table terminals (
      id serial primary key,
      client_id integer not null references clients(id) on delete cascade,
      brand_id integer not null references brands(id) on delete cascade,
      name text not null,
      password_enc text not null,
      ha1_md5 text not null,
      ha1_sha256 text not null,
      ha1_realm text not null,
      allowed_codecs text[] not null default '{PCMU,PCMA}',
      caller_id_update_method text not null default 'INVITE' check (caller_id_update_method in ('INVITE', 'UPDATE')),
      terminal_model_id integer,
      mac text check (mac ~ '^[0-9a-f]{12}$'),
      t38_passthrough boolean not null default false,
      rtp_encryption boolean not null default false,
      created_at timestamptz not null default now(),
      constraint terminals_client_name_key unique (client_id, name),
      constraint terminals_brand_mac_key unique (brand_id, mac)
    )`.execute(db);

  await sql`
    create table users (
      id serial primary key,
      client_id integer not null references clients(id) on delete cascade,
      name text not null,
      lastname text,
      email text not null constraint users_email_key unique,
      language_id integer references languages(id),
      timezone_id integer references timezones(id),
      numeric_transformation_set_id integer,
      location_id integer,
      active boolean not null default true,
      password_hash text,
      qr_code boolean not null default false,
      terminal_id integer constraint users_terminal_key unique references terminals(id),
      screen_extension_id integer,
      outgoing_ddi_id integer,
      outgoing_ddi_rule_id integer,
      call_acl_id integer,
      do_not_disturb boolean not null default false,
      call_waiting_limit integer not null default 0 check (call_waiting_limit >= 0),
      calls_from_non_granted_ips integer not null default 0 check (calls_from_non_granted_ips between 0 and 3),
      multi_contact boolean not null default true,
      reject_method text not null default 'default' check (reject_method in ('default', 'reject-all', 'reject-current')),
      is_boss boolean not null default false,
      boss_assistant_id integer references users(id) on delete set null,
      boss_whitelist_id integer,
      created_at timestamptz not null default now(),
      constraint users_boss_assistant_check check (boss_assistant_id is null or boss_assistant_id <> id)
    )`.execute(db);
  await sql`create index users_client_idx on users (client_id)`.execute(db);

  await sql`
    create table extensions (
      id serial primary key,
      client_id integer not null references clients(id) on delete cascade,
      number text not null check (number ~ '^[0-9]{2,20}$'),
      route_type text not null default 'unassigned' check (route_type in
        ('unassigned', 'user', 'ivr', 'huntGroup', 'friend', 'queue', 'conditionalRoute', 'number', 'conferenceRoom', 'voicemail')),
      user_id integer references users(id),
      ivr_id integer,
      hunt_group_id integer,
      friend_id integer,
      queue_id integer,
      conditional_route_id integer,
      conference_room_id integer,
      voicemail_id integer,
      number_value text,
      created_at timestamptz not null default now(),
      constraint extensions_client_number_key unique (client_id, number),
      constraint extensions_route_target_check check (
        (route_type = 'user') = (user_id is not null) and
        (route_type = 'ivr') = (ivr_id is not null) and
        (route_type = 'huntGroup') = (hunt_group_id is not null) and
        (route_type = 'friend') = (friend_id is not null) and
        (route_type = 'queue') = (queue_id is not null) and
        (route_type = 'conditionalRoute') = (conditional_route_id is not null) and
        (route_type = 'conferenceRoom') = (conference_room_id is not null) and
        (route_type = 'voicemail') = (voicemail_id is not null) and
        (route_type = 'number') = (number_value is not null))
    )`.execute(db);
  await sql`create index extensions_user_idx on extensions (user_id) where user_id is not null`.execute(db);
  await sql`
    alter table users add constraint users_screen_extension_fkey
      foreign key (screen_extension_id) references extensions(id) on delete set null`.execute(db);

  await sql`
    create table registrations (
      id serial primary key,
      client_id integer not null references clients(id) on delete cascade,
      terminal_id integer references terminals(id) on delete cascade,
      user_id integer references users(id) on delete set null,
      aor text not null,
      contact text not null,
      expires_at timestamptz not null,
      user_agent text,
      received text,
      call_id text,
      cseq integer,
      instance_id text,
      node text,
      registered_at timestamptz not null default now(),
      constraint registrations_aor_contact_key unique (aor, contact)
    )`.execute(db);
  await sql`create index registrations_client_idx on registrations (client_id)`.execute(db);
  await sql`create index registrations_expires_idx on registrations (expires_at)`.execute(db);

  await sql`
    create table active_calls (
      id bigserial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      client_id integer not null references clients(id) on delete cascade,
      user_id integer references users(id) on delete set null,
      call_id text not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      state text not null check (state in ('trying', 'early', 'confirmed')),
      owner_type text not null check (owner_type in ('user', 'friend', 'fax', 'retailAccount', 'residentialDevice', 'wholesale')),
      owner_id integer,
      owner_name text,
      party text,
      caller text,
      callee text,
      started_at timestamptz not null default now(),
      answered_at timestamptz,
      node text
    )`.execute(db);
  await sql`create index active_calls_client_idx on active_calls (client_id)`.execute(db);
  await sql`create index active_calls_call_idx on active_calls (call_id)`.execute(db);

  await sql`
    create table call_registry (
      id bigserial primary key,
      brand_id integer not null references brands(id) on delete cascade,
      client_id integer not null references clients(id) on delete cascade,
      user_id integer references users(id) on delete set null,
      call_id text not null,
      start_time timestamptz not null,
      duration integer not null default 0 check (duration >= 0),
      caller text not null,
      callee text not null,
      direction text not null check (direction in ('inbound', 'outbound')),
      disposition text not null check (disposition in ('answered', 'busy', 'noAnswer', 'rejected', 'failed', 'cancelled')),
      endpoint_type text check (endpoint_type in ('user', 'friend', 'fax', 'retailAccount', 'residentialDevice', 'wholesale')),
      endpoint_id integer,
      endpoint_name text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index call_registry_client_time_idx on call_registry (client_id, start_time)`.execute(db);
  await sql`create index call_registry_user_time_idx on call_registry (user_id, start_time) where user_id is not null`.execute(db);

  // One row: bumped in the transaction of every change the SIP directory depends on (directory/changes.ts).
  await sql`
    create table vpbx_directory_version (
      id integer primary key check (id = 1),
      version bigint not null
    )`.execute(db);
  await sql`insert into vpbx_directory_version (id, version) values (1, 0)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['vpbx_directory_version', 'call_registry', 'active_calls', 'registrations']) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
  await sql`alter table if exists users drop constraint if exists users_screen_extension_fkey`.execute(db);
  for (const t of ['extensions', 'users', 'terminals']) await sql`drop table if exists ${sql.table(t)}`.execute(db);
}
