import type { StageOutcome } from '../contracts/execution.js';
import type { JsonValue } from '../domain/canonical-json.js';

/**
 * The latest committed successful output of each stage of recent runs, so a downstream stage gets
 * its inputs without a database read. Filled from commits only (an output the run ignored never gets
 * in); bounded by run count, oldest run evicted first.
 */
export class OutputCache {
  private readonly runs = new Map<string, Map<string, { round: number; attempt: number; output: JsonValue }>>();

  constructor(private readonly maxRuns = 5000) {}

  /** Keeps a committed outcome if it succeeded and is the latest of its stage. */
  remember(outcome: StageOutcome): void {
    if (!outcome.ok) return;
    let run = this.runs.get(outcome.runId);
    if (!run) {
      if (this.runs.size >= this.maxRuns) this.runs.delete(this.runs.keys().next().value as string);
      run = new Map();
      this.runs.set(outcome.runId, run);
    }
    const prev = run.get(outcome.stageId);
    if (!prev || prev.round < outcome.round || (prev.round === outcome.round && prev.attempt <= outcome.attempt)) {
      run.set(outcome.stageId, { round: outcome.round, attempt: outcome.attempt, output: outcome.output as JsonValue });
    }
  }

  /** The outputs of these stages of a run, or null unless every one is known. */
  get(runId: string, stageIds: readonly string[]): Record<string, JsonValue> | null {
    const known = this.runs.get(runId);
    if (stageIds.length === 0) return {};
    if (!known || !stageIds.every((id) => known.has(id))) return null;
    return Object.fromEntries(stageIds.map((id) => [id, (known.get(id) as { output: JsonValue }).output]));
  }

  /** Forgets a run. */
  forget(runId: string): void {
    this.runs.delete(runId);
  }
}
