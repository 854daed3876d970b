import { Migration } from '@mikro-orm/migrations';

/** Tables whose rows may only ever be inserted. */
const APPEND_ONLY = ['brand_version', 'campaign_version', 'task_version', 'context_snapshot', 'audit_event'];

/**
 * Append-only guards enforced by the database itself: UPDATE, DELETE and TRUNCATE on version,
 * snapshot and audit tables raise an error, whatever the client. The one exception is a retention
 * purge: a transaction that runs `SET LOCAL vmp.retention_purge = 'on'` may DELETE (never UPDATE).
 */
export class Migration20261125172400 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function vmp_refuse_mutation() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and coalesce(current_setting('vmp.retention_purge', true), '') = 'on' then
    return old;
  end if;
  raise exception 'append-only: % on table % is not allowed', tg_op, tg_table_name
    using hint = 'rows of this table are immutable; write a new version instead';
end
$$;`);
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
    this.addSql('drop function if exists vmp_refuse_mutation();');
  }
}
