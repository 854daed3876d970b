import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125172354 } from './Migration20261125172354.js';
import { Migration20261125172400 } from './Migration20261125172400.js';
import { Migration20261125175348 } from './Migration20261125175348.js';
import { Migration20261125175400 } from './Migration20261125175400.js';
import { Migration20261125183000 } from './Migration20261125183000.js';
import { Migration20261125190000 } from './Migration20261125190000.js';
import { Migration20261125191000 } from './Migration20261125191000.js';
import { Migration20261125192000 } from './Migration20261125192000.js';
import { Migration20261125193151 } from './Migration20261125193151.js';
import { Migration20261125204200 } from './Migration20261125204200.js';
import { Migration20261125221154 } from './Migration20261125221154.js';

/**
 * Every migration, in order. Migrations are append-only: never edit one that has landed, add a new
 * one (`npm run db:migration:create`) and list it here. Listing them explicitly (instead of a file
 * glob) makes the same list work under tsx, vitest and compiled JavaScript.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261125172354_initial_schema', class: Migration20261125172354 },
  { name: 'Migration20261125172400_append_only_guards', class: Migration20261125172400 },
  { name: 'Migration20261125175348_run_engine', class: Migration20261125175348 },
  { name: 'Migration20261125175400_run_append_only_guards', class: Migration20261125175400 },
  { name: 'Migration20261125183000_run_storage_tuning', class: Migration20261125183000 },
  { name: 'Migration20261125190000_group_commit_guard', class: Migration20261125190000 },
  { name: 'Migration20261125191000_outbox_in_timeline', class: Migration20261125191000 },
  { name: 'Migration20261125192000_succeeded_stages_from_results', class: Migration20261125192000 },
  { name: 'Migration20261125193151_tools_and_artifacts', class: Migration20261125193151 },
  { name: 'Migration20261125204200_knowledge', class: Migration20261125204200 },
  { name: 'Migration20261125221154_knowledge_embedder_index', class: Migration20261125221154 },
];
