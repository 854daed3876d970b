import { z } from 'zod';
import { NonRetryableToolError } from '../../contracts/tool-errors.js';
import { brandBrief } from '../agents/brand-brief.js';
import type { ToolDefinition } from '../tool.js';

/** The input of `brand.knowledge`. */
export const BrandKnowledgeInput = z.object({ query: z.string().min(1).max(1000), limit: z.number().int().min(1).max(20).default(5) });
/** The output of `brand.knowledge`: passages with where they come from and their score. */
export const BrandKnowledgeOutput = z.object({ results: z.array(z.object({ source: z.string(), text: z.string(), score: z.number() })) });

const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);

/**
 * `brand.knowledge@1.0.0`: retrieval over what the platform knows about the run's brand, campaign
 * and task (positioning, audience, differentiators, sample copy, objectives, segments, notes),
 * ranked by word overlap with the query. The knowledge base of indexed learnings extends it.
 * A `read` tool, for calls inside a run (it reads the run's pinned context).
 */
export function brandKnowledgeTool(loadContext: (tenantId: string, runId: string) => Promise<Record<string, unknown> | null>): ToolDefinition<z.output<typeof BrandKnowledgeInput>, z.output<typeof BrandKnowledgeOutput>> {
  return {
    name: 'brand.knowledge',
    version: '1.0.0',
    description: "Searches what is known about the run's brand, campaign and task (positioning, audience, differentiators, sample copy, objectives, segments, notes).",
    input: BrandKnowledgeInput,
    output: BrandKnowledgeOutput,
    sideEffect: 'read',
    policy: { timeoutMs: 10_000 },
    async execute(input, ctx) {
      if (!ctx.runId) throw new NonRetryableToolError('brand.knowledge searches the context of a run: call it inside a run', 'TOOL_NEEDS_RUN');
      const context = await loadContext(ctx.tenantId, ctx.runId);
      if (!context) throw new NonRetryableToolError(`run ${ctx.runId} has no context`, 'TOOL_NEEDS_RUN');
      const b = brandBrief(context);
      const passages: Array<[string, string]> = [
        ['positioning', b.positioning ?? ''], ['audience', b.audience ?? ''], ['sample copy', b.sampleCopy ?? ''], ['task notes', b.notes ?? ''],
        ...b.differentiators.map((d): [string, string] => ['differentiator', d]),
        ...b.objectives.map((o): [string, string] => ['objective', o]),
        ...b.segments.map((s): [string, string] => ['segment', s.description ? `${s.name}: ${s.description}` : s.name]),
      ];
      const q = words(input.query);
      const scored = passages.filter(([, t]) => t).map(([source, text]) => {
        const w = words(text);
        const overlap = [...q].filter((x) => w.has(x)).length;
        return { source, text, score: q.size ? Math.round((overlap / q.size) * 1000) / 1000 : 0 };
      });
      // Every passage is about the brand, so a query with no overlap still gets the most central ones.
      scored.sort((a, b2) => b2.score - a.score || passages.findIndex(([s]) => s === a.source) - passages.findIndex(([s]) => s === b2.source));
      return { output: { results: scored.slice(0, input.limit) } };
    },
  };
}
