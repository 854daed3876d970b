import pg from 'pg';
import { StageError, type StageHandler } from '../../../src/contracts/execution.js';

/**
 * A test handler with a side effect in an external system (a table): every execution is logged in
 * `test_execution_log`, and its effect is recorded once per idempotency key in `test_side_effect`
 * (`ON CONFLICT DO NOTHING`, as a handler calling an idempotent API would). It takes 20–120 ms so a
 * crash lands while attempts are in flight.
 */
export function recordingHandler(databaseUrl: string): StageHandler {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
  return {
    kind: 'test.record',
    description: 'records its execution and its side effect (once per idempotency key)',
    async run(input) {
      await pool.query('insert into test_execution_log (key, pid) values ($1, $2)', [input.key, process.pid]);
      const wait = 20 + (parseInt(input.key.slice(-6).replace(/[^0-9a-f]/g, '0'), 16) % 100);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, wait);
        input.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new StageError('aborted', true));
        }, { once: true });
      });
      await pool.query(
        'insert into test_side_effect (key, run_id, stage_id, attempt) values ($1, $2, $3, $4) on conflict (key) do nothing',
        [input.key, input.runId, input.stageId, input.attempt],
      );
      return { output: { recorded: input.key, stage: input.stageId } };
    },
  };
}

/** The side-effect tables, created by the test before the platform starts. */
export const RECORDING_TABLES = `
  create table if not exists test_side_effect (key text primary key, run_id uuid not null, stage_id text not null, attempt int not null, at timestamptz not null default now());
  create table if not exists test_execution_log (key text not null, pid int not null, at timestamptz not null default now());
`;

/** A template whose six stages all record (brief -> three in parallel -> draft -> polish). */
export const recordingTemplate = {
  name: 'crash-test',
  version: 1,
  stages: [
    { id: 'brief', kind: 'test.record' },
    { id: 'research', kind: 'test.record', dependsOn: ['brief'] },
    { id: 'audience', kind: 'test.record', dependsOn: ['brief'] },
    { id: 'competitors', kind: 'test.record', dependsOn: ['brief'] },
    { id: 'draft', kind: 'test.record', dependsOn: ['research', 'audience', 'competitors'], content: true },
    { id: 'polish', kind: 'test.record', dependsOn: ['draft'] },
  ],
  review: { kind: 'test.record' },
  consolidate: { kind: 'test.record' },
  learn: { kind: 'test.record' },
};
