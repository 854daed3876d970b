import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { COMMON_ERRORS, IdParams } from '../../../contracts/http/common.js';
import { MACHINE_NAMES, MachineGraph, RunMachineView } from '../../../contracts/http/machines.js';
import { notFound } from '../../../domain/errors.js';
import { WorkflowRun } from '../../../persistence/entities/workflow-run.entity.js';
import { machineGraph, runMachineView } from '../../machine-graph.js';

/**
 * The statecharts for the Studio: each machine as nodes and edges (from the definitions), and a
 * run's active states and live StageRuns in them (from its persisted snapshot; tenant-scoped).
 */
export async function machineRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['machines'];

  for (const name of MACHINE_NAMES) {
    r.get(`/machines/${name}`, {
      schema: { tags, summary: `The ${name} statechart: state nodes and transitions`, response: { 200: MachineGraph, ...COMMON_ERRORS } },
    }, async () => machineGraph(name));
  }

  r.get('/runs/:id/machine', {
    schema: {
      tags: ['runs', ...tags], summary: "A run's statechart with its active states and its live StageRuns' states",
      params: IdParams, response: { 200: RunMachineView, ...COMMON_ERRORS },
    },
  }, async (request) => {
    const run = await request.scope.em.findOne(WorkflowRun, { id: request.params.id }, { fields: ['id', 'status', 'version', 'snapshot'] as never });
    if (!run) throw notFound('workflow_run', request.params.id);
    return runMachineView(run);
  });
}
