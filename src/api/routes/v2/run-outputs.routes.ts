import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COMMON_ERRORS, IdParams } from '../../../contracts/http/common.js';
import { notFound } from '../../../domain/errors.js';
import { WorkflowRun } from '../../../persistence/entities/workflow-run.entity.js';

/** GET /v2/runs/:id/outputs: the latest successful output of each stage. */
export const RunOutputsResource = z.object({
  runId: z.uuid(),
  items: z.array(z.object({ stageId: z.string(), round: z.number().int(), attempt: z.number().int(), kind: z.string(), costUsd: z.number(), output: z.unknown(), finishedAt: z.string() })),
});

/**
 * The work a run produced so far: the latest successful output of each stage (drafts, research,
 * and `$review`, the gate report with each deliverable's compliance issues and scores).
 */
export async function runOutputRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get('/runs/:id/outputs', {
    schema: {
      tags: ['runs'], summary: "The latest output of each stage of a run (drafts, the gate report)", params: IdParams,
      response: { 200: RunOutputsResource, ...COMMON_ERRORS },
    },
  }, async (request) => {
    const run = await request.scope.em.findOne(WorkflowRun, { id: request.params.id }, { fields: ['id'] });
    if (!run) throw notFound('run', request.params.id);
    const rows = await request.scope.em.getConnection().execute<Array<{ stage_id: string; round: number; attempt: number; kind: string; cost_usd: number; output: unknown; finished_at: Date }>>(
      `select distinct on (stage_id) stage_id, round, attempt, kind, cost_usd, output, finished_at
         from stage_result where run_id = ? and tenant_id = ? and ok order by stage_id, round desc, attempt desc`,
      [request.params.id, request.scope.tenantId],
    );
    rows.sort((a, b) => new Date(a.finished_at).getTime() - new Date(b.finished_at).getTime());
    return {
      runId: request.params.id,
      items: rows.map((r) => ({ stageId: r.stage_id, round: r.round, attempt: r.attempt, kind: r.kind, costUsd: Number(r.cost_usd), output: r.output, finishedAt: new Date(r.finished_at).toISOString() })),
    };
  });
}
