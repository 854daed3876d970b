import { describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/persistence/orm.js';
import type { RunFacts } from '../../../src/persistence/runs/run-facts.js';
import { planRun, toolRefsOf, validateTemplate, type KnownTools } from '../../../src/planner/planner.js';
import { TemplateRegistry } from '../../../src/planner/template-registry.js';
import { AGENCY_TEMPLATES, SOCIAL_CHANNELS } from '../../../src/planner/templates/agency-templates.js';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import type { KnowledgeIndexer } from '../../../src/rag/knowledge/knowledge-indexer.js';
import { learnHandler } from '../../../src/rag/learning/learn.handler.js';
import { defaultRoutes, ProviderRouter } from '../../../src/providers/provider-router.js';
import type { ArtifactStore } from '../../../src/storage/artifact-store.js';
import { agentHandlers } from '../../../src/tools/agents/agent.handlers.js';
import { brandKnowledgeTool } from '../../../src/tools/builtin/brand-knowledge.tool.js';
import { httpRequestTool } from '../../../src/tools/builtin/http-request.tool.js';
import { llmCompleteTool } from '../../../src/tools/builtin/llm-complete.tool.js';
import { consolidateHandler } from '../../../src/tools/consolidation/consolidate.handler.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { reviewHandler } from '../../../src/tools/gates/review.handler.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import { builtinHandlers } from '../../../src/tools/stage-handlers/builtin.handlers.js';
import { catchPlatformError, knownKinds, problemsOf, templateWith } from './_helpers.js';

/** The tool registry and handler registry as src/main/tool-layer.ts builds them (no database: the handlers are never run here). */
function platform() {
  const router = new ProviderRouter({ providers: [new OfflineProvider()], routes: defaultRoutes([]) });
  const registry = new ToolRegistry();
  registry.register(llmCompleteTool(router));
  registry.register(httpRequestTool);
  registry.register(brandKnowledgeTool(async () => null));
  const executor = new ToolExecutor({
    registry, store: new MemoryToolCallStore(), rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource(), credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  const facts = async (): Promise<RunFacts | null> => null;
  const handlers = builtinHandlers();
  for (const h of [
    ...agentHandlers({ executor, facts }), reviewHandler({ executor, facts }), consolidateHandler({ orm: {} as Orm, store: {} as ArtifactStore, facts }),
    learnHandler({ orm: {} as Orm, store: {} as ArtifactStore, indexer: {} as KnowledgeIndexer, defaultMinQualityScore: 0.7 }),
  ]) handlers.register(h);
  const knownTools: KnownTools = (ref) => registry.has(ref);
  return { registry, handlers, knownTools };
}

const tools = (refs: unknown) => templateWith([{ id: 'a', kind: 'echo', params: { tools: refs } }]);

/** The INVALID_TEMPLATE error of validating `input` with a tool oracle: its message and problems. */
function invalid(input: unknown, knownTools: KnownTools = platform().knownTools): { message: string; problems: string[] } {
  const err = catchPlatformError(() => validateTemplate(input, knownKinds, knownTools));
  return { message: err.message, problems: problemsOf(err) };
}

describe('validateTemplate with knownTools', () => {
  it('accepts known refs: a name, a range, an exact version, a ref with a known fallback', () => {
    const { knownTools } = platform();
    const t = validateTemplate(tools(['brand.knowledge', 'brand.knowledge@^1', 'http.request@1.0.0', { ref: 'llm.complete@*', fallback: 'brand.knowledge@~1.0' }]), knownKinds, knownTools);
    expect(t.stages[0]?.params.tools).toHaveLength(4);
  });

  it('names an unknown tool in the INVALID_TEMPLATE message', () => {
    const { message, problems } = invalid(tools(['brand.knowledge@^1', 'web.search@^1']));
    expect(problems).toEqual(['stage a uses unknown tool web.search@^1']);
    expect(message).toBe('template test-template@1 is invalid: stage a uses unknown tool web.search@^1');
  });

  it('names an unknown version of a known tool', () => {
    const { message, problems } = invalid(tools(['brand.knowledge@^2', 'http.request@1.0.1']));
    expect(problems).toEqual(['stage a uses unknown tool brand.knowledge@^2', 'stage a uses unknown tool http.request@1.0.1']);
    expect(message).toContain('brand.knowledge@^2');
    expect(message).toContain('http.request@1.0.1');
  });

  it('refuses a ref that is not a semver range', () => {
    expect(invalid(tools(['brand.knowledge@latest'])).problems).toEqual(['stage a uses unknown tool brand.knowledge@latest']);
  });

  it('checks fallback refs too, saying where they are', () => {
    const { problems } = invalid(tools([{ ref: 'brand.knowledge@^1', fallback: 'web.search@^1' }, { ref: 'web.fetch@^1', fallback: 'http.request@^1' }]));
    expect(problems).toEqual(['stage a uses unknown fallback tool web.search@^1 (params.tools[0])', 'stage a uses unknown tool web.fetch@^1']);
  });

  it('refuses entries that are not references', () => {
    const { problems } = invalid(tools([42, { fallback: 'brand.knowledge@^1' }, null, { ref: 7 }]));
    expect(problems).toHaveLength(4);
    for (const p of problems) expect(p).toMatch(/^stage a uses unknown tool .*: a tool reference must be "name@range"$/);
  });

  it('refuses params.tools that is not a list, also when it names a known tool', () => {
    for (const value of ['brand.knowledge@^1', { ref: 'brand.knowledge@^1' }, 42, null]) {
      const { problems, message } = invalid(tools(value));
      expect(problems, JSON.stringify(value)).toHaveLength(1);
      expect(problems[0], JSON.stringify(value)).toBe('stage a: params.tools must be a list of tool references ("name@range" or { "ref", "fallback" })');
      expect(message).toContain('params.tools must be a list');
    }
  });

  it('reports tool problems along with the other problems of the template', () => {
    const { problems } = invalid(templateWith([
      { id: 'a', kind: 'nope', params: { tools: ['web.search@^1'] } },
      { id: 'b', kind: 'echo', dependsOn: ['zzz'], params: { tools: [{ ref: 'brand.knowledge@^1', fallback: 'brand.knowledge@^9' }] } },
    ]));
    expect(problems).toEqual([
      'stage a uses unknown handler nope', 'stage a uses unknown tool web.search@^1',
      'stage b depends on unknown stage zzz', 'stage b uses unknown fallback tool brand.knowledge@^9 (params.tools[0])',
    ]);
  });

  it('does not look at tools without a tool oracle, nor at stages without params.tools', () => {
    expect(() => validateTemplate(tools(['web.search@^1']), knownKinds)).not.toThrow();
    const asked: string[] = [];
    validateTemplate(templateWith([{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo', params: { tools: [] } }]), knownKinds, (ref) => { asked.push(ref); return true; });
    expect(asked).toEqual([]);
  });

  it('lists the refs of params.tools with where they are', () => {
    expect(toolRefsOf({})).toEqual([]);
    expect(toolRefsOf({ tools: ['a@^1', { ref: 'b@1.0.0', fallback: 'c' }] })).toEqual([
      { ref: 'a@^1', what: 'tool a@^1' }, { ref: 'b@1.0.0', what: 'tool b@1.0.0' }, { ref: 'c', what: 'fallback tool c (params.tools[1])' },
    ]);
  });
});

describe('the agency templates', () => {
  it('all validate against the real handler kinds and tool registry', () => {
    const { handlers, knownTools } = platform();
    expect(AGENCY_TEMPLATES.map((t) => t.name)).toEqual(['social_post', 'email', 'blog_article', 'ad_copy']);
    for (const input of AGENCY_TEMPLATES) {
      const t = validateTemplate(input, handlers.has, knownTools);
      expect(t.review.kind).toBe('review.gates');
      expect(t.consolidate?.kind).toBe('consolidate.artifacts');
      expect(t.learn?.kind).toBe('learn.index');
      // Every tool ref they name resolves, and every stage is an agent with a known kind.
      const refs = t.stages.flatMap((s) => toolRefsOf(s.params).map((r) => r.ref));
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(knownTools(ref as string), String(ref)).toBe(true);
      for (const s of t.stages) expect(s.kind).toMatch(/^agent\.(strategist|researcher|audience|copywriter|editor)$/);
    }
  });

  it('register in a TemplateRegistry that checks tools (as the engine does), and fail without the tools they name', () => {
    const { handlers, knownTools } = platform();
    const templates = new TemplateRegistry(handlers.has, knownTools);
    for (const t of AGENCY_TEMPLATES) templates.register(t);
    expect(templates.list().map((t) => `${t.name}@${t.version}`)).toEqual(['ad_copy@1', 'blog_article@1', 'email@1', 'social_post@1']);
    const noKnowledge = new TemplateRegistry(handlers.has, (ref) => !ref.startsWith('brand.knowledge'));
    const err = catchPlatformError(() => noKnowledge.register(AGENCY_TEMPLATES[0]));
    expect(err.message).toBe('template social_post@1 is invalid: stage research uses unknown tool brand.knowledge@^1');
  });

  it('fail without the agent, review, consolidation and learn handlers', () => {
    const err = catchPlatformError(() => validateTemplate(AGENCY_TEMPLATES[1], builtinHandlers().has, platform().knownTools));
    expect(problemsOf(err)).toContain('stage copy-email uses unknown handler agent.copywriter');
    expect(problemsOf(err)).toContain('review uses unknown handler review.gates');
    expect(problemsOf(err)).toContain('learn uses unknown handler learn.index');
  });

  it('social_post plans one copy -> edit branch per targeted channel, and a generic one for other channels', () => {
    const { handlers, knownTools } = platform();
    const social = validateTemplate(AGENCY_TEMPLATES[0], handlers.has, knownTools);
    const ids = (channels: string[]) => planRun(social, { channels }).stages.map((s) => s.id);
    expect(ids(['linkedin', 'x', 'email'])).toEqual(['strategy', 'research', 'audience', 'copy-linkedin', 'edit-linkedin', 'copy-x', 'edit-x']);
    expect(ids(['email'])).toEqual(['strategy', 'research', 'audience', 'copy-social', 'edit-social']);
    expect(planRun(social, { channels: [...SOCIAL_CHANNELS] }).stages.filter((s) => s.params.deliverable === true)).toHaveLength(SOCIAL_CHANNELS.length);
  });
});
