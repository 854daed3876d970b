import { Migration } from '@mikro-orm/migrations';

/** The run engine's append-only tables get the same database guard as the catalog's versions. */
const APPEND_ONLY = ['run_event', 'stage_result'];

/** Append-only guards for the run timeline and the stage results (see Migration20261125172400). */
export class Migration20261125175400 extends Migration {
  override async up(): Promise<void> {
    for (const table of APPEND_ONLY) {
      this.addSql(`create trigger "${table}_append_only" before update or delete on "${table}" for each row execute function vmp_refuse_mutation();`);
      this.addSql(`create trigger "${table}_no_truncate" before truncate on "${table}" for each statement execute function vmp_refuse_mutation();`);
    }
  }

  override async down(): Promise<void> {
    for (const table of APPEND_ONLY) {
      this.addSql(`drop trigger if exists "${table}_append_only" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_no_truncate" on "${table}";`);
    }
  }
}
