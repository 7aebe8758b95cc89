// The Kysely database type: the union of every table group. Each group lives in its own file, owned by the
// module that migrates it (see ../migrations). Column names are camelCase here; the store maps them to
// snake_case in SQL with Kysely's CamelCasePlugin.
import type { ReferenceTables } from './reference.ts';
import type { CoreTables } from './core.ts';
import type { InfrastructureTables } from './infrastructure.ts';
import type { BillingTables } from './billing.ts';
import type { VpbxTables } from './vpbx.ts';

export interface Database extends ReferenceTables, CoreTables, InfrastructureTables, BillingTables, VpbxTables {}
