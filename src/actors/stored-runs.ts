import type { Knex } from '@mikro-orm/postgresql';
import { PlatformError } from '../domain/errors.js';
import { isTerminalRunStatus } from '../domain/run.js';
import { claimRuns, loadEventIds, loadOutbox, loadRuns, runOwner } from '../persistence/runs/run-reader.js';
import type { Delivery } from './batch-builder.js';
import { LiveRun, type Applied, type Submission } from './live-run.js';
import type { MachineRuntime } from './machine-runtime.js';
import { redeliveryFor } from './redelivery.js';

/**
 * Runs the host reads back from the database: restored from their snapshots (rehydration, or a run
 * this host claims on its next event), or answered for when they are finished.
 */

/**
 * Makes a stored run this host's to restore (claiming it when it is ownerless or its owner's lease
 * lapsed); false when it is finished (terminal) or does not exist. RUN_BUSY when a live host owns it.
 */
export async function claimStoredRun(knex: Knex, hostId: string, leaseMs: number, runId: string): Promise<boolean> {
  const info = await runOwner(knex, runId);
  if (!info || isTerminalRunStatus(info.status)) return false;
  if (info.owner !== hostId) {
    if (info.owner && info.ownerAlive) throw new PlatformError('RUN_BUSY', `run ${runId} is owned by run host ${info.owner}`, { owner: info.owner });
    const claimed = await claimRuns(knex, hostId, leaseMs, [runId]);
    if (claimed.length === 0) throw new PlatformError('RUN_BUSY', `run ${runId} could not be claimed by this host`);
  }
  return true;
}

/**
 * Restores stored runs (already owned by `hostId`) as live runs, skipping those `skip` names (held
 * already), with what their snapshots still wait on (attempts in flight, armed timers) to re-deliver.
 */
export async function restoreRuns(
  knex: Knex, runtime: MachineRuntime, hostId: string, ids: string[], skip: (runId: string) => boolean,
): Promise<{ runs: LiveRun[]; delivery: Delivery }> {
  const [stored, seen, outbox] = await Promise.all([loadRuns(knex, ids, hostId), loadEventIds(knex, ids), loadOutbox(knex, ids)]);
  const runs: LiveRun[] = [];
  const delivery: Delivery = { jobs: [], timers: [], aborts: [] };
  for (const s of stored) {
    if (skip(s.id)) continue;
    const actor = runtime.restore(s.id, s.snapshot, s.plan);
    const run = new LiveRun(s.id, s.tenantId, s.contextSnapshotId, s.plan, actor, s.version, s.eventSeq, seen.get(s.id) ?? new Set());
    runs.push(run);
    const again = redeliveryFor(run, runtime, outbox.filter((o) => o.runId === s.id), hostId);
    delivery.jobs.push(...again.jobs);
    delivery.timers.push(...again.timers);
  }
  return { runs, delivery };
}

/** The answer for a submission to a run that is finished (or unknown). */
export async function answerForFinished(knex: Knex, runId: string, submission: Submission): Promise<Applied> {
  const info = await runOwner(knex, runId);
  if (!info) throw new PlatformError('NOT_FOUND', `workflow_run ${runId} was not found`, { kind: 'workflow_run', id: runId });
  if (submission.expectedVersion !== undefined && submission.expectedVersion !== info.version) {
    throw new PlatformError('VERSION_CONFLICT', `run ${runId} is at version ${info.version}, not ${submission.expectedVersion}`, {
      currentVersion: info.version, expectedVersion: submission.expectedVersion, status: info.status,
    });
  }
  if (submission.mustApply) {
    throw new PlatformError('INVALID_STATE', `run ${runId} is ${info.status}: it does not accept ${submission.event.type}`, { status: info.status });
  }
  return { runId, version: info.version, status: info.status, state: info.status, duplicate: true };
}
