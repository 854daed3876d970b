import type { Orm } from '../../persistence/orm.js';
import { tenantEm } from '../../persistence/scope.js';

/** One successful output of a deliverable stage in one round (the latest attempt of that round). */
export interface DraftOutput {
  stageId: string;
  round: number;
  channel: string | null;
  content: string;
}

/** A gate verdict on one deliverable, as the review of a round reported it. */
export interface DraftVerdictFact {
  stageId: string;
  channel: string | null;
  passed: boolean;
  score: number | null;
  issues: Array<{ severity: string; message: string }>;
}

/** The review of one round (its latest successful attempt). */
export interface ReviewFact {
  round: number;
  passed: boolean;
  threshold: number | null;
  drafts: DraftVerdictFact[];
}

/** A person's rework request or approval note, in the run's timeline order. */
export interface CommandFact {
  seq: number;
  text: string;
  stages: string[] | null;
}

/** An artifact version the run consolidated. */
export interface ArtifactFact {
  artifactId: string;
  version: number;
  slot: string;
  kind: string;
  channel: string | null;
  /** The deliverable stage it was consolidated from (its lineage). */
  stageId: string;
  storageKey: string;
}

/** What the learn stage reads about a run. */
export interface RunLearningFacts {
  runId: string;
  tenantId: string;
  brandId: string;
  campaignId: string;
  taskId: string;
  brandVersion: number;
  /** The brand was deleted: nothing may be indexed for it. */
  brandDeleted: boolean;
  /** The run's resolved context (its snapshot). */
  context: Record<string, unknown>;
  drafts: DraftOutput[];
  reviews: ReviewFact[];
  reworkRequests: CommandFact[];
  approveNote: CommandFact | null;
  artifacts: ArtifactFact[];
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A stage output that is a final deliverable of an agent (duck-typed: rag may not import the tool layer). */
function asDeliverable(stageId: string, round: number, output: unknown): DraftOutput | null {
  const o = obj(output);
  if (o.deliverable !== true || typeof o.content !== 'string') return null;
  return { stageId, round, channel: strOrNull(o.channel), content: o.content };
}

function asReview(round: number, output: unknown): ReviewFact | null {
  const o = obj(output);
  if (typeof o.passed !== 'boolean' || !Array.isArray(o.drafts)) return null;
  return {
    round, passed: o.passed, threshold: typeof o.threshold === 'number' ? o.threshold : null,
    drafts: o.drafts.map((d) => {
      const v = obj(d);
      return {
        stageId: String(v.stageId ?? ''), channel: strOrNull(v.channel), passed: v.passed === true, score: typeof v.score === 'number' ? v.score : null,
        issues: Array.isArray(v.issues) ? v.issues.map((i) => ({ severity: String(obj(i).severity ?? ''), message: String(obj(i).message ?? '') })) : [],
      };
    }),
  };
}

/**
 * Reads the run's facts for learning: its context snapshot and refs, whether the brand was deleted,
 * every round's deliverable drafts and review (latest successful attempt of each), the rework
 * requests and the approval note (from the timeline), and the artifact versions it consolidated.
 * Null when the run does not exist in the tenant.
 */
export async function loadRunLearningFacts(orm: Orm, tenantId: string, runId: string): Promise<RunLearningFacts | null> {
  const em = tenantEm(orm, tenantId);
  const [head] = await em.execute<Array<{ refs: { brandId: string; campaignId: string; taskId: string }; versions: { brand: number }; context: Record<string, unknown>; deleted_at: Date | null }>>(
    `select s.refs, s.versions, s.context, b.deleted_at
       from workflow_run r
       join context_snapshot s on s.id = r.context_snapshot_id
       join brand b on b.id = (s.refs->>'brandId')::uuid
      where r.id = ? and r.tenant_id = ?`,
    [runId, tenantId],
  );
  if (!head) return null;
  const [results, events, artifacts] = await Promise.all([
    em.execute<Array<{ stage_id: string; round: number; output: unknown }>>(
      `select distinct on (stage_id, round) stage_id, round, output
         from stage_result where run_id = ? and tenant_id = ? and ok
        order by stage_id, round, attempt desc`,
      [runId, tenantId],
    ),
    em.execute<Array<{ seq: number; type: string; payload: Record<string, unknown> }>>(
      `select seq, type, payload from run_event where run_id = ? and tenant_id = ? and type in ('REQUEST_REWORK', 'APPROVE') order by seq`,
      [runId, tenantId],
    ),
    em.execute<Array<{ artifact_id: string; version: number; slot: string; kind: string; channel: string | null; stage_id: string | null; storage_key: string }>>(
      `select a.id as artifact_id, v.version, a.slot, a.kind, a.channel, v.lineage->>'stageId' as stage_id, v.storage_key
         from artifact_version v join artifact a on a.id = v.artifact_id
        where v.run_id = ? and v.tenant_id = ?
        order by a.slot`,
      [runId, tenantId],
    ),
  ]);
  const drafts: DraftOutput[] = [];
  const reviews: ReviewFact[] = [];
  for (const r of results) {
    if (r.stage_id === '$review') {
      const review = asReview(r.round, r.output);
      if (review) reviews.push(review);
    } else if (!r.stage_id.startsWith('$')) {
      const draft = asDeliverable(r.stage_id, r.round, r.output);
      if (draft) drafts.push(draft);
    }
  }
  drafts.sort((a, b) => a.stageId.localeCompare(b.stageId) || a.round - b.round);
  reviews.sort((a, b) => a.round - b.round);
  const reworkRequests: CommandFact[] = [];
  let approveNote: CommandFact | null = null;
  for (const e of events) {
    const p = obj(e.payload);
    if (e.type === 'REQUEST_REWORK' && typeof p.feedback === 'string') {
      reworkRequests.push({ seq: e.seq, text: p.feedback, stages: Array.isArray(p.stages) ? p.stages.filter((s): s is string => typeof s === 'string') : null });
    } else if (e.type === 'APPROVE' && typeof p.note === 'string' && p.note.trim()) {
      approveNote = { seq: e.seq, text: p.note, stages: null };
    }
  }
  return {
    runId, tenantId, brandId: head.refs.brandId, campaignId: head.refs.campaignId, taskId: head.refs.taskId,
    brandVersion: head.versions.brand, brandDeleted: head.deleted_at !== null, context: head.context,
    drafts, reviews, reworkRequests, approveNote,
    artifacts: artifacts.flatMap((a) => (a.stage_id ? [{
      artifactId: a.artifact_id, version: a.version, slot: a.slot, kind: a.kind, channel: a.channel, stageId: a.stage_id, storageKey: a.storage_key,
    }] : [])),
  };
}

/** True when the brand was deleted (or is gone): what a run learned for it must not outlive it. */
export async function isBrandDeleted(orm: Orm, tenantId: string, brandId: string): Promise<boolean> {
  const [row] = await tenantEm(orm, tenantId).execute<Array<{ deleted: boolean }>>(
    'select deleted_at is not null as deleted from brand where id = ? and tenant_id = ?', [brandId, tenantId],
  );
  return row?.deleted ?? true;
}
