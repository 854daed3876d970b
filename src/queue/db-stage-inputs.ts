import type { Knex } from '@mikro-orm/postgresql';
import type { StageOutcome } from '../contracts/execution.js';
import type { JsonValue } from '../domain/canonical-json.js';
import { PlatformError } from '../domain/errors.js';
import { findStageResult, loadContextSnapshot, loadUpstreamOutputs } from '../persistence/runs/run-reader.js';
import type { StageInputs } from './stage-executor.js';

/**
 * Stage inputs read from the database, with two caches: context snapshots (immutable, so safe to
 * keep) and the outputs this process saw committed (`remember`), so a stage usually reads its
 * upstream without a query.
 */
export class DbStageInputs implements StageInputs {
  private readonly contexts = new Map<string, { context: Record<string, unknown>; hash: string }>();
  private readonly outputs = new Map<string, Map<string, { round: number; attempt: number; output: JsonValue }>>();

  constructor(private readonly knex: () => Knex, private readonly maxRuns = 5000) {}

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
    if (stageIds.length === 0) return {};
    const known = this.outputs.get(runId);
    if (known && stageIds.every((id) => known.has(id))) {
      return Object.fromEntries(stageIds.map((id) => [id, (known.get(id) as { output: JsonValue }).output]));
    }
    return loadUpstreamOutputs(this.knex(), runId, stageIds);
  }

  recorded(key: string): Promise<StageOutcome | null> {
    return findStageResult(this.knex(), key);
  }

  /** Keeps a committed successful output for the stages downstream of it. */
  remember(outcome: StageOutcome): void {
    if (!outcome.ok) return;
    let run = this.outputs.get(outcome.runId);
    if (!run) {
      if (this.outputs.size >= this.maxRuns) this.outputs.delete(this.outputs.keys().next().value as string);
      run = new Map();
      this.outputs.set(outcome.runId, run);
    }
    const prev = run.get(outcome.stageId);
    if (!prev || prev.round < outcome.round || (prev.round === outcome.round && prev.attempt <= outcome.attempt)) {
      run.set(outcome.stageId, { round: outcome.round, attempt: outcome.attempt, output: outcome.output as JsonValue });
    }
  }

  /** Forgets a run's outputs (it finished). */
  forget(runId: string): void {
    this.outputs.delete(runId);
  }
}
