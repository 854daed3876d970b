import { contentHash } from '../domain/canonical-json.js';
import { PlatformError, notFound } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import type { RunMode, RunTier } from '../domain/run.js';
import type { RunEvent } from '../machines/events.js';
import { planRun } from '../planner/planner.js';
import type { TemplateRegistry } from '../planner/template-registry.js';
import { CommandRecord } from '../persistence/entities/run-records.entity.js';
import { WorkflowRun } from '../persistence/entities/workflow-run.entity.js';
import { getBrand } from '../persistence/repositories/brand.repository.js';
import { snapshotTaskContext } from '../persistence/repositories/context.repository.js';
import { getTask } from '../persistence/repositories/task.repository.js';
import type { Scope } from '../persistence/scope.js';
import type { Applied, EventActor } from './live-run.js';
import type { RunHost } from './run-host.js';

/** The idempotency of one command request. */
export interface Idempotency {
  /** The caller's `Idempotency-Key`. */
  key: string;
  /** Hash of what the request asked (method, path, body): a reused key must ask the same. */
  requestHash: string;
}

/** The answer to a command: its HTTP status and body (stored for replays). */
export interface CommandAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  /** True when this answer is the stored answer of an earlier identical request. */
  replayed: boolean;
}

/** POST /v2/runs */
export interface StartRun {
  taskId: string;
  mode: RunMode;
  tier?: RunTier | undefined;
  template?: string | undefined;
}

/** The command endpoints on a run. */
export type RunCommand =
  | { type: 'APPROVE'; note?: string | undefined }
  | { type: 'REQUEST_REWORK'; feedback: string; stages?: string[] | undefined }
  | { type: 'CANCEL'; reason: string }
  | { type: 'RESUME' };

const COMMAND_NAMES: Record<RunCommand['type'], string> = {
  APPROVE: 'approve', REQUEST_REWORK: 'request_rework', CANCEL: 'cancel', RESUME: 'resume',
};

/** Hash of a command request, for idempotency: method and path and body. */
export function requestHash(method: string, path: string, body: unknown): string {
  return contentHash({ method, path, body: body ?? null });
}

const answerOf = (applied: Applied, statusCode = 202) => ({
  statusCode,
  body: { id: applied.runId, status: applied.status, state: applied.state, version: applied.version },
});

/**
 * The run commands of the API: start a run for a task, approve, request rework, cancel, resume.
 * Each is idempotent per `Idempotency-Key` (the first answer is stored in the same commit that
 * applied the command; a replay gets it back; the same key with another request is refused), may
 * carry the run version it expects (409 when stale), and is refused with 409 when the run's state
 * does not accept it.
 */
export class RunService {
  /** Requests in progress per tenant and key in this process: a concurrent replay waits for the first. */
  private readonly inProgress = new Map<string, Promise<CommandAnswer | undefined>>();

  constructor(
    private readonly host: RunHost,
    private readonly templates: TemplateRegistry,
    /** The template of a run that names none, from the task's deliverable type. */
    private readonly defaultTemplate: (deliverableType: string | undefined) => string = () => 'campaign-content',
  ) {}

  /**
   * Starts a run: resolves and pins the task's context snapshot, plans the DAG from the template,
   * decides the effective mode (a brand that requires approval makes autopilot supervised; the
   * reason is recorded) and creates the run, answering 202 once its first step is committed.
   */
  start(scope: Scope, body: StartRun, idem: Idempotency, actor: EventActor, requestId?: string): Promise<CommandAnswer> {
    return this.once(scope, idem, async () => {
      const task = await getTask(scope, body.taskId);
      const brand = await getBrand(scope, task.head.brand.id);
      const { snapshot } = await snapshotTaskContext(scope, body.taskId);
      const deliverableType = typeof snapshot.context.deliverableType === 'string' ? snapshot.context.deliverableType : undefined;
      const template = this.templates.resolve(body.template ?? this.defaultTemplate(deliverableType));
      const plan = planRun(template, snapshot.context);
      const requireApproval = brand.version.data.governance.requireApproval;
      const effectiveMode: RunMode = requireApproval ? 'supervised' : body.mode;
      const modeReason = requireApproval && body.mode === 'autopilot'
        ? `brand ${brand.head.id} (version ${brand.head.currentVersion}) requires human approval`
        : 'as requested';
      const applied = await this.host.createRun({
        id: uuidv7(), tenantId: scope.tenantId, taskId: body.taskId, contextSnapshotId: snapshot.id, plan,
        requestedMode: body.mode, effectiveMode, modeReason, tier: body.tier ?? 'standard', actor,
        ...(requestId ? { requestId } : {}),
        command: { key: idem.key, command: 'start', requestHash: idem.requestHash, respond: (a) => answerOf(a) },
      });
      return { ...answerOf(applied), replayed: false };
    });
  }

  /** Sends a command to a run of the scope's tenant (404 for any other run). */
  command(scope: Scope, runId: string, cmd: RunCommand, idem: Idempotency, actor: EventActor, expectedVersion?: number, requestId?: string): Promise<CommandAnswer> {
    return this.once(scope, idem, async () => {
      const run = await scope.em.findOne(WorkflowRun, { id: runId });
      if (!run) throw notFound('workflow_run', runId);
      if (cmd.type === 'REQUEST_REWORK' && cmd.stages) {
        const known = new Set(run.plan.stages.map((s) => s.id));
        const unknown = cmd.stages.filter((s) => !known.has(s));
        if (unknown.length > 0) {
          throw new PlatformError('INVALID_REFERENCE', `stages not in this run's plan: ${unknown.join(', ')}; the plan has ${[...known].join(', ')}`, {
            field: 'stages', unknown, known: [...known],
          });
        }
      }
      const name = COMMAND_NAMES[cmd.type];
      const { type, ...rest } = cmd;
      const applied = await this.host.submit(runId, {
        event: { type, ...rest } as Omit<RunEvent, 'at'> as never,
        eventId: `cmd:${idem.key}`,
        actor,
        mustApply: true,
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
        ...(requestId ? { requestId } : {}),
        command: { key: idem.key, command: name, requestHash: idem.requestHash, respond: (a) => answerOf(a) },
      });
      return { ...answerOf(applied), replayed: false };
    });
  }

  /**
   * Runs `fn` once per idempotency key: a stored answer is replayed, another request under the key
   * refused. Requests with one key are chained in this process (registered before anything is
   * awaited), so concurrent duplicates wait for the first and then get its stored answer.
   */
  private once(scope: Scope, idem: Idempotency, fn: () => Promise<CommandAnswer>): Promise<CommandAnswer> {
    const lockKey = `${scope.tenantId}\u0000${idem.key}`;
    const previous = this.inProgress.get(lockKey) ?? Promise.resolve(undefined);
    const mine = previous.catch(() => undefined).then(async (): Promise<CommandAnswer> => {
      const stored = await scope.em.fork().findOne(CommandRecord, { key: idem.key }, { filters: { tenant: { tenantId: scope.tenantId } } });
      if (!stored) return fn();
      if (stored.requestHash !== idem.requestHash) {
        throw new PlatformError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${idem.key} was used for a different request (${stored.command} on run ${stored.runId}); use a new key`, {
          command: stored.command, runId: stored.runId,
        });
      }
      return { statusCode: stored.statusCode, body: stored.response, replayed: true };
    });
    this.inProgress.set(lockKey, mine);
    const release = () => {
      if (this.inProgress.get(lockKey) === mine) this.inProgress.delete(lockKey);
    };
    mine.then(release, release);
    return mine;
  }
}
