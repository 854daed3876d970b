import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestHash, type CommandAnswer, type RunCommand, type RunService } from '../../../actors/run-service.js';
import { COMMON_ERRORS, ErrorBody, IdParams, PageQuery, pageOf } from '../../../contracts/http/common.js';
import {
  ApproveBody, CancelBody, CommandHeaders, ReworkBody, ResumeBody, RunAccepted, RunListQuery, RunResource, RunSummaryResource, StartRunBody,
  TemplateResource, TimelineEntry,
} from '../../../contracts/http/runs.js';
import type { Role } from '../../../domain/roles.js';
import type { TemplateRegistry } from '../../../planner/template-registry.js';
import { getRunDetail, listRuns, runTimeline } from '../../../persistence/runs/run-queries.js';
import { parseIfMatch, setVersionTag } from '../../if-match.js';
import { presentPage } from '../../presenters.js';
import { presentRun, presentRunSummary, presentTemplate, presentTimelineEntry } from '../../run-presenters.js';

/** What the run routes need. */
export interface RunRoutesOptions {
  runs: RunService;
  templates: TemplateRegistry;
}

const COMMAND_ERRORS = { ...COMMON_ERRORS, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody } as const;

function send(reply: FastifyReply, answer: CommandAnswer) {
  if (answer.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(answer.statusCode).send(answer.body);
}

function idem(request: FastifyRequest, body: unknown) {
  const headers = request.headers as Record<string, string | undefined>;
  return { key: headers['idempotency-key'] as string, requestHash: requestHash(request.method, request.routeOptions.url ?? request.url, { params: request.params, body }) };
}

const actorOf = (request: FastifyRequest) => ({ type: 'api_key' as const, id: request.auth?.keyId ?? null });

/**
 * Runs: start one for a task, read it (status, stages, cost, timeline), and drive it: approve,
 * request rework, cancel, resume. Every command needs an `Idempotency-Key` and may carry
 * `If-Match: "<version>"`; answers are 202 with the run's status and version once committed.
 */
export async function runRoutes(app: FastifyInstance, opts: RunRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['runs'];

  r.post('/runs', {
    config: { role: 'operator' },
    schema: {
      tags, summary: 'Start a run for a task', headers: CommandHeaders, body: StartRunBody,
      description: 'Resolves and pins the task context, plans the DAG from the workflow template and starts the run. A brand that requires approval turns autopilot into supervised (see `modeReason`).',
      response: { 202: RunAccepted, ...COMMAND_ERRORS },
    },
  }, async (request, reply) => {
    const answer = await opts.runs.start(request.scope, request.body, idem(request, request.body), actorOf(request), request.id);
    if (answer.body.id) reply.header('location', `/v2/runs/${String(answer.body.id)}`);
    return send(reply, answer);
  });

  r.get('/runs', {
    schema: { tags, summary: 'List runs, newest first', querystring: RunListQuery.extend(PageQuery.shape), response: { 200: pageOf(RunSummaryResource), ...COMMON_ERRORS } },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query;
    return presentPage(await listRuns(request.scope, filter, { limit, cursor }), presentRunSummary);
  });

  r.get('/runs/:id', {
    schema: { tags, summary: 'A run: status, version, modes, stages, cost, context hash, template', params: IdParams, response: { 200: RunResource, ...COMMON_ERRORS } },
  }, async (request, reply) => {
    const detail = await getRunDetail(request.scope, request.params.id);
    setVersionTag(reply, detail.run.version);
    return presentRun(detail);
  });

  r.get('/runs/:id/timeline', {
    schema: { tags, summary: 'Every event of a run and the transitions it caused, oldest first', params: IdParams, querystring: PageQuery, response: { 200: pageOf(TimelineEntry), ...COMMON_ERRORS } },
  }, async (request) => presentPage(await runTimeline(request.scope, request.params.id, request.query), presentTimelineEntry));

  const command = <S extends z.ZodType>(path: string, role: Role, summary: string, body: S, toCommand: (b: z.output<S>) => RunCommand) => {
    r.post(`/runs/:id/${path}`, {
      config: { role },
      schema: { tags, summary, params: IdParams, headers: CommandHeaders, body, response: { 202: RunAccepted, ...COMMAND_ERRORS } },
    }, async (request, reply) => {
      const headers = request.headers as Record<string, string | undefined>;
      const expected = headers['if-match'] === undefined ? undefined : parseIfMatch(headers['if-match']);
      const answer = await opts.runs.command(
        request.scope, request.params.id, toCommand(request.body as z.output<S>), idem(request, request.body), actorOf(request), expected, request.id,
      );
      return send(reply, answer);
    });
  };
  command('approve', 'reviewer', 'Approve a run waiting for approval', ApproveBody, (b) => ({ type: 'APPROVE', note: b?.note }));
  command('request-rework', 'reviewer', 'Send a run back with feedback: re-runs the named stages (default: content stages) and their dependents', ReworkBody, (b) => ({ type: 'REQUEST_REWORK', feedback: b.feedback, stages: b.stages }));
  command('cancel', 'operator', 'Cancel a run (stages in flight are aborted)', CancelBody, (b) => ({ type: 'CANCEL', reason: b.reason }));
  command('resume', 'operator', 'Resume a paused run (it waits for approval again, with a new deadline)', ResumeBody, () => ({ type: 'RESUME' }));

  r.get('/templates', {
    schema: { tags: ['templates'], summary: 'The workflow templates runs can be planned from', response: { 200: z.object({ items: z.array(TemplateResource) }), ...COMMON_ERRORS } },
  }, async () => ({ items: opts.templates.list().map(presentTemplate) }));
}
