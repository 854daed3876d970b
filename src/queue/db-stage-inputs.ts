import type { Knex } from '@mikro-orm/postgresql';
import type { StageOutcome } from '../contracts/execution.js';
import type { JsonValue } from '../domain/canonical-json.js';
import { PlatformError } from '../domain/errors.js';
import { findStageResult, loadContextSnapshot, loadUpstreamOutputs } from '../persistence/runs/run-reader.js';
import { OutputCache } from './output-cache.js';
import type { StageInputs } from './stage-executor.js';

/**
 * Stage inputs read from the database, with two caches: context snapshots (immutable, so safe to
 * keep) and the outputs this process saw committed (`remember`), so a stage usually reads its
 * upstream without a query.
 */
export class DbStageInputs implements StageInputs {
  private readonly contexts = new Map<string, { context: Record<string, unknown>; hash: string }>();
  private readonly outputs: OutputCache;

  constructor(private readonly knex: () => Knex, maxRuns = 5000) {
    this.outputs = new OutputCache(maxRuns);
  }

  async context(snapshotId: string) {
    const cached = this.contexts.get(snapshotId);
    if (cached) return cached;
    const loaded = await loadContextSnapshot(this.knex(), snapshotId);
    if (!loaded) throw new PlatformError('NOT_FOUND', `context snapshot ${snapshotId} was not found`);
    if (this.contexts.size >= 1000) this.contexts.delete(this.contexts.keys().next().value as string);
    this.contexts.set(snapshotId, loaded);
    return loaded;
  }

  async upstream(runId: string, stageIds: string[]): Promise<Record<string, JsonValue>> {
    return this.outputs.get(runId, stageIds) ?? loadUpstreamOutputs(this.knex(), runId, stageIds);
  }

  recorded(key: string): Promise<StageOutcome | null> {
    return findStageResult(this.knex(), key);
  }

  /** Keeps a committed successful output for the stages downstream of it. */
  remember(outcome: StageOutcome): void {
    this.outputs.remember(outcome);
  }

  /** Forgets a run's outputs (it finished). */
  forget(runId: string): void {
    this.outputs.forget(runId);
  }
}
