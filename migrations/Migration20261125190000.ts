import { Migration } from '@mikro-orm/migrations';

/**
 * `vmp_expect_rows(actual, expected)`: raises a serialization failure (SQLSTATE 40001) unless
 * `actual = expected`. The run host's group commit is one statement; this is how it aborts, atomically,
 * when a run was not at the version it read or is not owned by the host any more.
 */
export class Migration20261125190000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function vmp_expect_rows(actual bigint, expected int) returns bigint language plpgsql as $$
begin
  if actual <> expected then
    raise exception 'stale writer: % of % runs were at the expected version and owned by this host', actual, expected
      using errcode = '40001';
  end if;
  return actual;
end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vmp_expect_rows(bigint, int);');
  }
}
