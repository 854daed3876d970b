import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { RunAccepted, RunResource } from '../../contracts/http/runs.js';
import { RUN_MODES, RUN_TIERS, TERMINAL_RUN_STATUSES, type RunMode, type RunStatus, type RunTier } from '../../domain/run.js';
import { ApiClient, ApiError, CliSetupError, CliUsageError, formatApiError, isApiError, resolveApiTarget } from './api-client.js';

/**
 * `npm run cli -- run …`: start, follow, show and approve runs through the HTTP API of a running
 * platform (see api-client.ts for how the URL and the key are found).
 *
 *   run start <taskId> [--template <id>] [--mode supervised|autopilot] [--tier <tier>] [--follow] [--approve] [--timeout <s>]
 *   run show <runId> [--json]
 *   run approve <runId> [--comment <text>]
 *
 * `--follow` polls GET /v2/runs/:id every 500 ms and prints one line per stage change (time, stage,
 * status, attempt, the run's cost so far); it says when the run waits for approval (and approves it
 * with `--approve`), and exits 0 when the run completed, 1 when it failed or was cancelled.
 * Colours only on a terminal (never when NO_COLOR is set or output is piped, as in CI logs).
 */

/** A run as GET /v2/runs/:id answers it. */
export type RunView = z.output<typeof RunResource>;
/** A command's answer. */
export type RunAcceptedView = z.output<typeof RunAccepted>;
type StageView = RunView['stages'][number];

/** Where the command writes. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** ANSI colours. */
  color: boolean;
}

/** stdout/stderr; colours when stdout is a terminal and NO_COLOR is unset. */
export function terminalIO(env: NodeJS.ProcessEnv = process.env): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    color: process.stdout.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb',
  };
}

/** The usage text of the `run` commands (also part of the CLI's usage). */
export const RUN_USAGE = `  run start <taskId> [--template <id>] [--mode supervised|autopilot] [--tier ${RUN_TIERS.join('|')}]
            [--follow] [--approve] [--timeout <seconds>]
                                                         start a run of a task through the API; --follow prints its
                                                         progress until it ends (exit 0 completed, 1 failed/cancelled),
                                                         --approve approves it when it waits for approval
  run show <runId> [--json]                              a run's status, stages and cost
  run approve <runId> [--comment <text>]                 approve a run waiting for approval
      (run commands talk to a running server: --url or VMP_URL, default http://127.0.0.1:$PORT;
       key: --key, VMP_API_KEY or $DATA_DIR/demo-admin.key)
`;

/** The exit code of a finished run: 0 completed, 1 failed or cancelled. */
export function runExitCode(status: RunStatus): number {
  return status === 'completed' ? 0 : 1;
}

/** True for completed, failed and cancelled. */
export const isTerminal = (status: RunStatus): boolean => TERMINAL_RUN_STATUSES.includes(status);

/** The run's cost so far: the run's `costUsd`, or the sum of its stages' when the run has none. */
export function runCostUsd(run: Pick<RunView, 'stages'> & { costUsd?: number | null }): number {
  if (typeof run.costUsd === 'number') return run.costUsd;
  return run.stages.reduce((sum, s) => sum + (typeof s.costUsd === 'number' ? s.costUsd : 0), 0);
}

const COLORS: Record<string, string> = {
  completed: '32', succeeded: '32', failed: '31', cancelled: '31', waiting_approval: '33', paused: '33', retry_wait: '33', running: '36', queued: '90',
  pending: '90', skipped: '90',
};
const paint = (io: CliIO, status: string, text: string) => (io.color && COLORS[status] ? `\u001b[${COLORS[status]}m${text}\u001b[0m` : text);
const dim = (io: CliIO, text: string) => (io.color ? `\u001b[2m${text}\u001b[0m` : text);

/** `14:03:07` in local time. */
const clock = (d = new Date()) => d.toTimeString().slice(0, 8);
const usd = (n: number) => `$${n.toFixed(4)}`;
const stageName = (s: Pick<StageView, 'stageId' | 'round'>) => (s.round > 0 ? `${s.stageId} r${s.round}` : s.stageId);
const attempt = (s: Pick<StageView, 'attempt'>) => `attempt ${(s.attempt > 0 ? String(s.attempt) : '-').padEnd(2)}`;

/** One progress line: time, stage, status, attempt, run cost. */
export function progressLine(io: CliIO, stage: StageView, costUsd: number, at = new Date()): string {
  const status = stage.status.padEnd(16);
  const fallback = stage.usingFallback ? ' (fallback)' : '';
  const error = stage.lastError && (stage.status === 'failed' || stage.status === 'retry_wait') ? `  ${dim(io, stage.lastError.slice(0, 200))}` : '';
  return `${clock(at)}  ${stageName(stage).padEnd(18)} ${paint(io, stage.status, status)} ${attempt(stage)}${fallback}  cost ${usd(costUsd)}${error}`;
}

function runLine(io: CliIO, run: RunView, at = new Date()): string {
  const state = run.state === run.status ? '' : ` (${run.state})`;
  return `${clock(at)}  ${'run'.padEnd(18)} ${paint(io, run.status, run.status.padEnd(16))}${state}  cost ${usd(runCostUsd(run))}`;
}

/** What {@link startRun} sends. */
export interface StartRunInput {
  taskId: string;
  mode: RunMode;
  template?: string;
  tier?: RunTier;
}

/** POST /v2/runs. */
export function startRun(client: ApiClient, input: StartRunInput, idempotencyKey?: string): Promise<RunAcceptedView> {
  const body = { taskId: input.taskId, mode: input.mode, ...(input.template ? { template: input.template } : {}), ...(input.tier ? { tier: input.tier } : {}) };
  return client.command<RunAcceptedView>('/v2/runs', body, idempotencyKey ? { idempotencyKey } : {});
}

/** POST /v2/runs/:id/approve. */
export function approveRun(client: ApiClient, runId: string, note?: string, idempotencyKey?: string): Promise<RunAcceptedView> {
  return client.command<RunAcceptedView>(`/v2/runs/${encodeURIComponent(runId)}/approve`, note ? { note } : {}, idempotencyKey ? { idempotencyKey } : {});
}

/** GET /v2/runs/:id. */
export function getRun(client: ApiClient, runId: string): Promise<RunView> {
  return client.get<RunView>(`/v2/runs/${encodeURIComponent(runId)}`);
}

/** How {@link followRun} behaves. */
export interface FollowOptions {
  io: CliIO;
  /** Poll period; default 500 ms. */
  intervalMs?: number;
  /** Approve the run when it waits for approval. */
  approve?: boolean;
  approveNote?: string;
  /** Give up after this long (the run goes on); default: never. */
  timeoutMs?: number;
  /** Consecutive failed polls (server unreachable, 5xx) tolerated before giving up; default 20. */
  maxPollErrors?: number;
  signal?: AbortSignal;
}

/** Following stopped before the run ended (timeout, or the API kept failing). */
export class FollowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FollowError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/**
 * Polls a run until it ends, printing a line per stage change and per run status change; prints
 * when it waits for approval and, with `approve`, approves it. Returns the final run.
 */
export async function followRun(client: ApiClient, runId: string, opts: FollowOptions): Promise<RunView> {
  const { io } = opts;
  const interval = opts.intervalMs ?? 500;
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Infinity;
  const seen = new Map<string, string>();
  let lastStatus: RunStatus | null = null;
  let pollErrors = 0;
  let approvedAtVersion: number | null = null;
  let first = true;
  for (;;) {
    if (opts.signal?.aborted) throw new FollowError(`stopped following run ${runId}; it goes on: npm run cli -- run show ${runId}`);
    let run: RunView;
    try {
      run = await getRun(client, runId);
      pollErrors = 0;
    } catch (err) {
      const transient = isApiError(err) && (err.status === 0 || err.status >= 500);
      if (!transient || ++pollErrors > (opts.maxPollErrors ?? 20)) throw err;
      io.err(`${clock()}  (polling failed, retrying: ${err.message})`);
      await sleep(interval, opts.signal);
      continue;
    }
    if (first) {
      first = false;
      const mode = run.effectiveMode === run.requestedMode ? run.effectiveMode : `${run.effectiveMode} (asked ${run.requestedMode}: ${run.modeReason})`;
      io.out(`Following run ${run.id}: template ${run.template.name}@${run.template.version}, mode ${mode}, tier ${run.tier}`);
    }
    const cost = runCostUsd(run);
    for (const stage of run.stages) {
      const state = `${stage.status}/${stage.attempt}/${stage.usingFallback}`;
      const before = seen.get(stage.id);
      if (before === state) continue;
      seen.set(stage.id, state);
      if (before === undefined && stage.status === 'pending') continue;
      io.out(progressLine(io, stage, cost));
    }
    if (run.status !== lastStatus) {
      lastStatus = run.status;
      io.out(runLine(io, run));
      if (run.status === 'waiting_approval') {
        io.out(`Run ${run.id} is waiting for approval${run.gate ? ` (review: ${run.gate.passed ? 'passed' : 'not passed'}${run.gate.score !== undefined ? `, score ${run.gate.score}` : ''})` : ''}.`);
        if (!opts.approve) io.out(`  Approve it: npm run cli -- run approve ${run.id}   (or rerun with --approve)`);
      }
      if (run.status === 'paused') io.out(`Run ${run.id} is paused (its approval deadline passed): resume it with POST /v2/runs/${run.id}/resume.`);
    }
    if (run.status === 'waiting_approval' && opts.approve && approvedAtVersion !== run.version) {
      approvedAtVersion = run.version;
      try {
        const answer = await approveRun(client, run.id, opts.approveNote ?? 'approved from the CLI (--approve)', `cli-approve-${run.id}-v${run.version}`);
        io.out(`${clock()}  approved (--approve): run is ${answer.status}, version ${answer.version}`);
      } catch (err) {
        if (!isApiError(err) || err.status !== 409) throw err;
        io.err(`${clock()}  approve refused: ${err.message}`);
      }
    }
    if (isTerminal(run.status)) {
      const took = run.finishedAt ? ` in ${((Date.parse(run.finishedAt) - Date.parse(run.createdAt)) / 1000).toFixed(1)} s` : '';
      io.out(`Run ${run.id} ${paint(io, run.status, run.status)}${took}, cost ${usd(cost)}.`);
      if (run.diagnosis) io.out(`  ${run.diagnosis.reason}: ${run.diagnosis.message}`);
      return run;
    }
    if (Date.now() >= deadline) throw new FollowError(`gave up following run ${run.id} after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s (status ${run.status}); it goes on: npm run cli -- run show ${run.id}`);
    await sleep(interval, opts.signal);
  }
}

/** The lines `run show` prints. */
export function describeRun(io: CliIO, run: RunView): string[] {
  const lines = [
    `Run ${run.id}  ${paint(io, run.status, run.status)} (${run.state}), version ${run.version}`,
    `  task ${run.taskId}, template ${run.template.name}@${run.template.version}, mode ${run.effectiveMode}${run.effectiveMode !== run.requestedMode ? ` (asked ${run.requestedMode}: ${run.modeReason})` : ''}, tier ${run.tier}`,
    `  created ${run.createdAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}, round ${run.round}, cost ${usd(runCostUsd(run))}`,
  ];
  if (run.gate) lines.push(`  review: ${run.gate.passed ? 'passed' : 'not passed'}${run.gate.score !== undefined ? `, score ${run.gate.score}` : ''}${run.gate.notes ? ` (${run.gate.notes})` : ''}`);
  if (run.diagnosis) lines.push(`  ${run.diagnosis.reason}: ${run.diagnosis.message}`);
  lines.push('  stages:');
  for (const s of run.stages) {
    lines.push(`    ${stageName(s).padEnd(18)} ${paint(io, s.status, s.status.padEnd(16))} ${attempt(s)} ${s.kind.padEnd(18)} ${usd(s.costUsd)}${s.lastError ? `  ${dim(io, s.lastError.slice(0, 200))}` : ''}`);
  }
  if (run.status === 'waiting_approval') lines.push(`  waiting for approval: npm run cli -- run approve ${run.id}`);
  return lines;
}

const OPTIONS = {
  url: { type: 'string' }, key: { type: 'string' }, template: { type: 'string' }, mode: { type: 'string' }, tier: { type: 'string' },
  follow: { type: 'boolean' }, approve: { type: 'boolean' }, comment: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' },
  interval: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `run <action> …` (argv after `run`). Returns the exit code: 0 ok (a followed run completed),
 * 1 failed (API error, run failed or cancelled), 2 bad usage.
 */
export async function runCommand(argv: string[], io: CliIO = terminalIO(), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
    } catch (err) {
      throw new CliUsageError(err instanceof Error ? err.message : String(err));
    }
    const { positionals, values } = parsed;
    const [action, id, ...extra] = positionals;
    if (values.help || !action) {
      io.out(`Usage: npm run cli -- <command>\n\n${RUN_USAGE}`);
      return 0;
    }
    if (!['start', 'show', 'approve'].includes(action)) throw new CliUsageError(`unknown command "run ${action}"`);
    if (!id) throw new CliUsageError(`run ${action} needs ${action === 'start' ? 'a task id' : 'a run id'}`);
    if (extra.length > 0) throw new CliUsageError(`unexpected arguments: ${extra.join(' ')}`);
    const client = new ApiClient(resolveApiTarget({ ...(values.url ? { url: values.url } : {}), ...(values.key ? { key: values.key } : {}) }, env));

    switch (action) {
      case 'show': {
        const run = await getRun(client, id);
        if (values.json) io.out(JSON.stringify(run, null, 2));
        else for (const line of describeRun(io, run)) io.out(line);
        return 0;
      }
      case 'approve': {
        const answer = await approveRun(client, id, values.comment);
        io.out(`Approved run ${answer.id}: it is ${answer.status} (version ${answer.version}).`);
        return 0;
      }
      default: {
        const mode = values.mode ?? 'supervised';
        if (!(RUN_MODES as readonly string[]).includes(mode)) throw new CliUsageError(`--mode must be one of: ${RUN_MODES.join(', ')}`);
        if (values.tier && !(RUN_TIERS as readonly string[]).includes(values.tier)) throw new CliUsageError(`--tier must be one of: ${RUN_TIERS.join(', ')}`);
        const timeoutMs = seconds(values.timeout, '--timeout');
        const intervalMs = Math.max(50, seconds(values.interval, '--interval') ?? 500);
        if (values.approve && !values.follow) throw new CliUsageError('--approve needs --follow');
        const started = await startRun(client, {
          taskId: id, mode: mode as RunMode, ...(values.template ? { template: values.template } : {}), ...(values.tier ? { tier: values.tier as RunTier } : {}),
        });
        io.out(`Started run ${started.id} (${started.status}).`);
        if (!values.follow) {
          io.out(`  Follow it: npm run cli -- run show ${started.id}   (or start with --follow)`);
          return 0;
        }
        const run = await followRun(client, started.id, {
          io, intervalMs, approve: values.approve === true, ...(values.comment ? { approveNote: values.comment } : {}), ...(timeoutMs ? { timeoutMs } : {}),
        });
        return runExitCode(run.status);
      }
    }
  } catch (err) {
    return reportError(io, err);
  }
}

function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliUsageError(`${flag} must be a number of seconds (got ${value})`);
  return Math.round(n * 1000);
}

/** Prints an error the way terminal users need it; returns the exit code (2 usage, 1 otherwise). */
export function reportError(io: CliIO, err: unknown): number {
  if (err instanceof CliUsageError) {
    io.err(`${err.message}\n\nUsage: npm run cli -- <command>\n\n${RUN_USAGE}`);
    return 2;
  }
  if (err instanceof ApiError) io.err(formatApiError(err));
  else if (err instanceof FollowError || err instanceof CliSetupError) io.err(err.message);
  else io.err(`Failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
}
