import { Migration } from '@mikro-orm/migrations';

/**
 * Storage tuning of the hot run tables, measured with the W1 benchmark (bench/README.md):
 * - workflow_run is updated once per group commit a run takes part in. fillfactor 70 leaves room on
 *   each page so updates that change no indexed column are HOT (no index writes);
 *   toast_tuple_target 256 moves the plan (written once) out of line, so an update rewrites the
 *   small snapshot, not the plan.
 * - stage_run rows are updated when a stage finishes: same fillfactor.
 */
export class Migration20261125183000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "workflow_run" set (fillfactor = 70, toast_tuple_target = 256);');
    this.addSql('alter table "stage_run" set (fillfactor = 80);');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "workflow_run" reset (fillfactor, toast_tuple_target);');
    this.addSql('alter table "stage_run" reset (fillfactor);');
  }
}
