import { Migration } from '@mikro-orm/migrations';

/**
 * A succeeded StageRun is its last attempt's outcome: `stage_result` gets the StageRun's queue time,
 * and `stage_run` keeps only StageRuns that ended without success (failed, cancelled). One row fewer
 * per stage on the hot path (bench/README.md).
 */
export class Migration20261125192000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "stage_result" add column "queued_at" timestamptz null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "stage_result" drop column "queued_at";');
  }
}
