import { notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { PlatformError } from '../../domain/errors.js';
import type { RunStatus } from '../../domain/run.js';
import { ContextSnapshot } from '../entities/context-snapshot.entity.js';
import { RunEvent, StageResult } from '../entities/run-records.entity.js';
import { StageRun, WorkflowRun } from '../entities/workflow-run.entity.js';
import { decodeCursor, decodeVersionCursor, encodeVersionCursor, toPage, type Page, type PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';

/** Tenant-scoped reads of runs for the API (through the ORM, so the tenant filter applies). */

/** A run with its ended StageRuns, its attempts' outcomes (without outputs) and the hash of its pinned context. */
export interface RunDetail {
  run: WorkflowRun;
  stages: StageRun[];
  attempts: StageResult[];
  contextHash: string;
}

/** One run of the tenant with its StageRuns; 404 otherwise. */
export async function getRunDetail(scope: Scope, id: string): Promise<RunDetail> {
  const run = await scope.em.findOne(WorkflowRun, { id });
  if (!run) throw notFound('workflow_run', id);
  const [stages, attempts, snapshot] = await Promise.all([
    scope.em.find(StageRun, { run: id }, { orderBy: { round: 'asc', stageId: 'asc' } }),
    scope.em.find(StageResult, { run: id }, { orderBy: { attempt: 'asc' }, exclude: ['output'] as never }),
    scope.em.findOne(ContextSnapshot, { id: run.contextSnapshot.id }),
  ]);
  return { run, stages, attempts, contextHash: snapshot?.hash ?? '' };
}

/** The tenant's runs, newest first, optionally by status and task. */
export async function listRuns(scope: Scope, filter: { status?: RunStatus | undefined; taskId?: string | undefined }, page: PageRequest): Promise<Page<WorkflowRun>> {
  const rows = await scope.em.find(
    WorkflowRun,
    {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.taskId ? { task: filter.taskId } : {}),
      ...(page.cursor ? { id: { $lt: decodeCursor(page.cursor) } } : {}),
    },
    { orderBy: { id: 'desc' }, limit: page.limit + 1, exclude: ['snapshot', 'plan'] as never },
  );
  return toPage(rows, page.limit);
}

/** A run's timeline (every processed event, with the run and stage transitions it caused), oldest first. */
export async function runTimeline(scope: Scope, runId: string, page: PageRequest): Promise<Page<RunEvent>> {
  if (!isUuid(runId)) throw new PlatformError('VALIDATION_FAILED', 'params.id: must be a UUID');
  const run = await scope.em.findOne(WorkflowRun, { id: runId }, { fields: ['id'] as never });
  if (!run) throw notFound('workflow_run', runId);
  const after = page.cursor ? decodeVersionCursor(page.cursor) : 0;
  const rows = await scope.em.find(RunEvent, { run: runId, seq: { $gt: after } }, { orderBy: { seq: 'asc' }, limit: page.limit + 1 });
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeVersionCursor(last.seq) : null };
}
