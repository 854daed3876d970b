import { StageError, type ArtifactRef, type StageHandler } from '../../contracts/execution.js';
import { contentHash } from '../../domain/canonical-json.js';
import type { Orm } from '../../persistence/orm.js';
import { saveArtifactVersion } from '../../persistence/repositories/artifact.repository.js';
import type { RunFacts } from '../../persistence/runs/run-facts.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { isAgentOutput, type AgentOutput } from '../agents/agent.handlers.js';
import { brandBrief } from '../agents/brand-brief.js';

/** What consolidation needs. */
export interface ConsolidateDeps {
  orm: Orm;
  store: ArtifactStore;
  facts(runId: string): Promise<RunFacts | null>;
}

/** The Markdown document of a deliverable. */
function render(title: string, d: AgentOutput): string {
  return `# ${title}${d.channel ? ` (${d.channel})` : ''}\n\n${d.content.trim()}\n`;
}

/**
 * Consolidation (`consolidate.artifacts`): every approved deliverable becomes a new version of its
 * task's artifact (slot `<deliverableType>/<channel>`), its content in the artifact store
 * (content-addressed) and its lineage recorded: run, stage, context snapshot and hash, template,
 * providers and models, tool versions, and whether the offline provider wrote it. Idempotent: a
 * repeated attempt records no new version.
 */
export function consolidateHandler(deps: ConsolidateDeps): StageHandler {
  return {
    kind: 'consolidate.artifacts',
    description: 'Stores every approved deliverable as a versioned artifact with its lineage.',
    async run(input) {
      const facts = await deps.facts(input.runId);
      if (!facts) throw new StageError(`run ${input.runId} was not found`, false);
      const b = brandBrief(input.context);
      const agents = Object.entries(input.upstream).flatMap(([id, o]) => (isAgentOutput(o) ? [[id, o] as const] : []));
      const deliverables = agents.filter(([, o]) => o.deliverable);
      if (deliverables.length === 0) throw new StageError('nothing to consolidate: no stage produced a deliverable', false);
      const providers = [...new Map(agents.map(([, o]) => [`${o.provider}:${o.model}`, { provider: o.provider, model: o.model }])).values()];
      const tools = [...new Set(agents.flatMap(([, o]) => o.tools))].sort();
      const refs: ArtifactRef[] = [];
      const written: Array<{ id: string; slot: string; version: number; sha256: string; size: number; created: boolean }> = [];
      for (const [stageId, d] of deliverables) {
        const slot = `${b.deliverableType}/${d.channel ?? 'main'}`;
        const stored = await deps.store.put(Buffer.from(render(b.task, d), 'utf8'), 'text/markdown; charset=utf-8');
        const { artifact, version, created } = await saveArtifactVersion(deps.orm, {
          tenantId: input.tenantId, projectId: facts.projectId, ...facts.refs, slot, kind: b.deliverableType, channel: d.channel,
          runId: input.runId, sourceKey: `${input.runId}:${slot}`, stored,
          lineage: {
            runId: input.runId, stageId, contextSnapshotId: facts.contextSnapshotId, contextHash: input.contextHash, template: facts.template,
            providers, tools, offline: agents.some(([, o]) => o.offline), sources: agents.map(([id, o]) => ({ stageId: id, key: contentHash(o) })),
          },
        });
        refs.push({ id: artifact.id, version: version.version, kind: b.deliverableType });
        written.push({ id: artifact.id, slot, version: version.version, sha256: version.sha256, size: version.size, created });
      }
      return { output: { store: deps.store.location, artifacts: written }, artifacts: refs };
    },
  };
}
