import { contentHash } from '../domain/canonical-json.js';
import { FIELD_PATHS } from '../domain/context-fields.js';
import { PlatformError } from '../domain/errors.js';
import type { PlannedStage, RunPlan } from '../domain/run.js';
import { findDependencyCycle } from '../domain/task.js';
import { parseOrThrow } from '../domain/validation.js';
import { conditionPaths, evaluateCondition } from './condition.js';
import { WorkflowTemplateSchema, type StageTemplate, type WorkflowTemplate } from './template.js';

/** Which handler kinds exist (the handler registry answers this). */
export type KnownKinds = (kind: string) => boolean;

/** Whether a tool reference (`name@range`) resolves in the tool registry. */
export type KnownTools = (ref: string) => boolean;

/** The tool references of a stage's `params.tools` (`"name@range"` or `{ "ref", "fallback" }`), each with where it is. */
export function toolRefsOf(params: Record<string, unknown>): Array<{ ref: unknown; what: string }> {
  const tools = params.tools;
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) return [{ ref: tools, what: 'params.tools (must be a list)' }];
  return tools.flatMap((t, i) => {
    if (typeof t === 'string') return [{ ref: t, what: `tool ${t}` }];
    const o = (t ?? {}) as { ref?: unknown; fallback?: unknown };
    return [{ ref: o.ref, what: `tool ${String(o.ref)}` }, ...(o.fallback !== undefined ? [{ ref: o.fallback, what: `fallback tool ${String(o.fallback)} (params.tools[${i}])` }] : [])];
  });
}

/** A condition may read a context field or anything inside one (`specs.format`). */
function isKnownPath(path: string): boolean {
  return FIELD_PATHS.some((f) => path === f || path.startsWith(`${f}.`) || f.startsWith(`${path}.`));
}

/**
 * Validates a template: schema, unique stage ids, known dependencies, no cycle, known handler kinds
 * (stages, fallbacks and system steps), condition paths that name context fields. Every problem is
 * listed in `details.problems`; the message names the first ones. Returns the parsed template.
 */
export function validateTemplate(input: unknown, knownKinds: KnownKinds, knownTools?: KnownTools): WorkflowTemplate {
  const template = parseOrThrow(WorkflowTemplateSchema, input, 'template');
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const s of template.stages) {
    if (ids.has(s.id)) problems.push(`stage ${s.id} is defined twice`);
    ids.add(s.id);
  }
  for (const s of template.stages) {
    for (const d of s.dependsOn) {
      if (!ids.has(d)) problems.push(`stage ${s.id} depends on unknown stage ${d}`);
      if (d === s.id) problems.push(`stage ${s.id} depends on itself`);
    }
    if (!knownKinds(s.kind)) problems.push(`stage ${s.id} uses unknown handler ${s.kind}`);
    if (s.fallback && !knownKinds(s.fallback)) problems.push(`stage ${s.id} falls back to unknown handler ${s.fallback}`);
    if (knownTools) {
      // A single ref that is not in a list would pass the ref check below, but agents read only lists.
      if (s.params.tools !== undefined && !Array.isArray(s.params.tools)) problems.push(`stage ${s.id}: params.tools must be a list of tool references ("name@range" or { "ref", "fallback" })`);
      else for (const { ref, what } of toolRefsOf(s.params)) {
        if (typeof ref !== 'string' || !knownTools(ref)) problems.push(`stage ${s.id} uses unknown ${typeof ref === 'string' ? what : `${what}: a tool reference must be "name@range"`}`);
      }
    }
    for (const path of s.when ? conditionPaths(s.when) : []) {
      if (!isKnownPath(path)) problems.push(`stage ${s.id}: condition reads ${path}, which is not a context field`);
    }
  }
  for (const step of ['review', 'consolidate', 'learn'] as const) {
    const system = template[step];
    if (!system) continue;
    if (!knownKinds(system.kind)) problems.push(`${step} uses unknown handler ${system.kind}`);
    const fb = system.fallback;
    if (fb && !knownKinds(fb)) problems.push(`${step} falls back to unknown handler ${fb}`);
  }
  // Cycles are looked for whatever else is wrong (every problem is reported), unless stage ids are
  // duplicated, which makes the dependency graph ambiguous. Self-dependencies are reported above.
  if (ids.size === template.stages.length) {
    const deps = new Map(template.stages.map((s) => [s.id, s.dependsOn.filter((d) => d !== s.id && ids.has(d))]));
    for (const s of template.stages) {
      const cycle = findDependencyCycle(s.id, (id) => deps.get(id) ?? []);
      if (cycle) {
        problems.push(`stages form a cycle: ${cycle.join(' -> ')}`);
        break;
      }
    }
  }
  if (problems.length > 0) {
    throw new PlatformError('INVALID_TEMPLATE', `template ${template.name}@${template.version} is invalid: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`, {
      template: `${template.name}@${template.version}`,
      problems,
    });
  }
  return template;
}

function planned(s: Pick<StageTemplate, 'kind' | 'retry' | 'timeoutMs' | 'fallback' | 'params'>, id: string, dependsOn: string[], content: boolean): PlannedStage {
  // Copies, so a plan never shares objects with the registered template.
  return {
    id, kind: s.kind, dependsOn, retry: structuredClone(s.retry), timeoutMs: s.timeoutMs, fallbackKind: s.fallback ?? null, content,
    params: structuredClone(s.params),
  };
}

/**
 * Orders stages so every stage comes after its dependencies, keeping template order wherever the
 * dependencies allow (each step takes the first stage in template order whose dependencies are done).
 */
function topological(stages: PlannedStage[]): PlannedStage[] {
  const done = new Set<string>();
  const out: PlannedStage[] = [];
  const rest = [...stages];
  while (rest.length > 0) {
    const index = rest.findIndex((s) => s.dependsOn.every((d) => done.has(d)));
    if (index < 0) throw new Error('topological: cycle in a validated template');
    const [next] = rest.splice(index, 1);
    out.push(next as PlannedStage);
    done.add((next as PlannedStage).id);
  }
  return out;
}

/**
 * Plans a run: decides every `when` over the resolved context, drops the stages whose condition is
 * false (a dependency on a dropped stage counts as met), and orders the rest. The template must
 * already be validated. Deterministic: the same template and context give the same plan.
 */
export function planRun(template: WorkflowTemplate, context: Record<string, unknown>): RunPlan {
  const skipped = new Set(template.stages.filter((s) => s.when && !evaluateCondition(s.when, context)).map((s) => s.id));
  const stages = template.stages
    .filter((s) => !skipped.has(s.id))
    .map((s) => planned(s, s.id, [...new Set(s.dependsOn.filter((d) => !skipped.has(d)))], s.content));
  return {
    template: { name: template.name, version: template.version, hash: contentHash(template) },
    stages: topological(stages),
    skipped: [...skipped],
    review: planned(template.review, '$review', [], false),
    consolidate: template.consolidate ? planned(template.consolidate, '$consolidate', [], false) : null,
    learn: template.learn ? planned(template.learn, '$learn', [], false) : null,
    maxReworkRounds: template.maxReworkRounds,
    approvalDeadlineMs: template.approvalDeadlineMs,
  };
}
