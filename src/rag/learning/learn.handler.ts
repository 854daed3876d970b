import { StageError, type StageHandler } from '../../contracts/execution.js';
import type { Logger } from '../../observability/logger.js';
import type { Orm } from '../../persistence/orm.js';
import { loadKnowledgePolicies } from '../../persistence/repositories/knowledge-policy.repository.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { IndexDocument, KnowledgeIndexer } from '../knowledge/knowledge-indexer.js';
import { indexedBrandRulesVersions } from './brand-rules-versions.js';
import { brandRulesDocument, planLearnings, runLabels, type LearningCandidate } from './learning-plan.js';
import { resolveThreshold } from './learning-signals.js';
import { deleteRunLearnings, setChunkCount, upsertLearnings } from './learning-store.js';
import { isBrandDeleted, loadRunLearningFacts, type RunLearningFacts } from './run-learning-facts.js';

/** What the learn stage needs. */
export interface LearnDeps {
  orm: Orm;
  /** Where consolidated artifacts' content lives. */
  store: ArtifactStore;
  indexer: Pick<KnowledgeIndexer, 'index' | 'deleteBySourceKeys'>;
  /** The platform's minimum quality score (`KNOWLEDGE_MIN_QUALITY_SCORE`) when neither tenant nor brand sets one. */
  defaultMinQualityScore: number;
  logger?: Logger;
}

/** One learning in the stage's output. */
interface LearningSummary {
  kind: string;
  sourceKey: string;
  qualityScore: number;
  indexed: boolean;
  negative: boolean;
  reason: string;
  chunks: number;
  created: boolean;
}

/**
 * The learn stage (`learn.index`), after consolidation of an approved run: turns what the run
 * produced into `learning` records and knowledge. Each consolidated artifact is scored from the
 * run's implicit signals (gate score, rework rounds, edit distance between its first draft and the
 * approved version; see learning-signals.ts) and indexed only at or above the threshold (brand
 * override, else tenant policy, else `KNOWLEDGE_MIN_QUALITY_SCORE`); rework requests and the
 * approval note are indexed as `feedback`; drafts replaced in a later round (failed gates or sent
 * back by a person) are indexed as negative examples; a campaign-history summary and the brand's
 * rules and voice (once per brand version) give retrieval context. Idempotent: learning rows are
 * unique per run and source key and keep the first attempt's decision, and the indexer creates
 * nothing twice, so a repeated attempt or a re-processing changes nothing. Its output lists every
 * learning with its decision and reason.
 */
export function learnHandler(deps: LearnDeps): StageHandler {
  return {
    kind: 'learn.index',
    description: 'Learning pipeline: approved artifacts, feedback and rejected drafts become learnings; those at or above the quality threshold are indexed for retrieval.',
    async run(input) {
      const facts = await loadRunLearningFacts(deps.orm, input.tenantId, input.runId);
      if (!facts) throw new StageError(`run ${input.runId} was not found`, false);
      if (facts.brandDeleted) {
        return { output: { skipped: `brand ${facts.brandId} was deleted: nothing is learned from this run`, indexed: 0, learnings: [] } };
      }
      const policies = await loadKnowledgePolicies(deps.orm, input.tenantId, facts.brandId);
      const t = resolveThreshold(policies.brand?.minQualityScore, policies.tenant?.minQualityScore, deps.defaultMinQualityScore);
      const contents = new Map(await Promise.all(facts.artifacts.map(async (a) => [a.artifactId, (await deps.store.get(a.storageKey)).toString('utf8')] as const)));
      const candidates = planLearnings(facts, contents, t);
      const rows = await upsertLearnings(deps.orm, { tenantId: input.tenantId, brandId: facts.brandId, campaignId: facts.campaignId, taskId: facts.taskId, runId: input.runId }, t.threshold, candidates);

      let costUsd = 0;
      const learnings: LearningSummary[] = [];
      const keys: string[] = [];
      for (const c of candidates) {
        const row = rows.get(c.sourceKey);
        if (!row) throw new Error(`learning ${c.sourceKey} of run ${input.runId} was neither written nor found`);
        let chunks = row.chunkCount;
        if (row.indexed) {
          const res = await deps.indexer.index(documentOf(facts, c, row.id, row.qualityScore, row.negative), input.signal);
          costUsd += res.costUsd;
          chunks = res.chunkIds.length;
          keys.push(c.sourceKey);
          if (chunks !== row.chunkCount) await setChunkCount(deps.orm, input.tenantId, row.id, chunks);
        }
        learnings.push({ kind: c.kind, sourceKey: c.sourceKey, qualityScore: row.qualityScore, indexed: row.indexed, negative: row.negative, reason: row.reason, chunks, created: row.created });
      }
      const rules = brandRulesDocument(facts);
      let brandRules: { sourceKey: string; chunks: number; created: number; superseded: string[]; supersededBy: number | null } | null = null;
      if (rules) {
        const indexed = await indexedBrandRulesVersions(deps.orm, input.tenantId, facts.brandId);
        const newer = indexed.find((v) => v.version > rules.sourceVersion);
        if (newer) {
          brandRules = { sourceKey: rules.sourceKey, chunks: 0, created: 0, superseded: [], supersededBy: newer.version };
        } else {
          const res = await deps.indexer.index({
            tenantId: input.tenantId, brandId: facts.brandId, campaignId: null, taskType: null, stage: null, source: 'brand_rules',
            sourceKey: rules.sourceKey, sourceVersion: rules.sourceVersion, runId: null, learningId: null, qualityScore: 1, negative: false, format: 'markdown', text: rules.text,
          }, input.signal);
          costUsd += res.costUsd;
          const older = indexed.filter((v) => v.version < rules.sourceVersion).map((v) => v.sourceKey);
          if (older.length > 0) await deps.indexer.deleteBySourceKeys(input.tenantId, older);
          brandRules = { sourceKey: rules.sourceKey, chunks: res.chunkIds.length, created: res.created, superseded: older, supersededBy: null };
        }
      }

      // The brand may have been deleted while this stage ran: what it indexed must not outlive it.
      if (await isBrandDeleted(deps.orm, input.tenantId, facts.brandId)) {
        await deps.indexer.deleteBySourceKeys(input.tenantId, [...keys, ...(rules ? [rules.sourceKey] : [])]);
        await deleteRunLearnings(deps.orm, input.tenantId, input.runId);
        return { output: { skipped: `brand ${facts.brandId} was deleted while the run was learning: what it indexed was removed`, indexed: 0, learnings: [] }, costUsd };
      }

      const count = (pred: (l: LearningSummary) => boolean) => learnings.filter(pred).length;
      const output = {
        threshold: t.threshold, thresholdSource: t.source,
        indexed: count((l) => l.indexed && !l.negative), negatives: count((l) => l.indexed && l.negative), skipped: count((l) => !l.indexed),
        created: count((l) => l.created), chunks: learnings.reduce((s, l) => s + (l.indexed ? l.chunks : 0), 0),
        learnings, brandRules,
      };
      deps.logger?.info({ runId: input.runId, tenantId: input.tenantId, indexed: output.indexed, negatives: output.negatives, skipped: output.skipped, created: output.created }, 'run learned');
      return { output: JSON.parse(JSON.stringify(output)), costUsd };
    },
  };
}

function documentOf(facts: RunLearningFacts, c: LearningCandidate, learningId: string, qualityScore: number, negative: boolean): IndexDocument {
  return {
    tenantId: facts.tenantId, brandId: facts.brandId, campaignId: facts.campaignId, taskType: runLabels(facts.context).deliverableType, stage: c.stage,
    source: c.source, sourceKey: c.sourceKey, sourceVersion: c.sourceVersion, runId: facts.runId, learningId, qualityScore, negative, format: c.format, text: c.text,
  };
}
