import type { Knex } from '@mikro-orm/postgresql';

/** What agents and system steps of a run read about it besides their job. */
export interface RunFacts {
  runId: string;
  tenantId: string;
  projectId: string;
  refs: { brandId: string; campaignId: string; taskId: string };
  template: { id: string; version: number };
  tier: string;
  mode: string;
  contextSnapshotId: string;
  contextHash: string;
  /** A reviewer's rework requests, oldest first (the round they started is `round`). */
  feedback: Array<{ round: number; feedback: string; stages: string[] | null }>;
  /** The output of the latest successful review (`$review`), or null before the first. */
  lastReview: unknown;
}

/** The facts of a run, or null when it does not exist. One round trip. */
export async function loadRunFacts(knex: Knex, runId: string): Promise<RunFacts | null> {
  const res = await knex.raw<{ rows: Array<{
    id: string; tenant_id: string; project_id: string; refs: RunFacts['refs']; template_name: string; template_version: number;
    tier: string; effective_mode: string; context_snapshot_id: string; hash: string;
    feedback: Array<{ feedback: string; stages: string[] | null }> | null; last_review: unknown;
  }> }>(
    `select r.id, r.tenant_id, b.project_id, s.refs, r.template_name, r.template_version, r.tier, r.effective_mode,
            r.context_snapshot_id, s.hash,
            (select jsonb_agg(jsonb_build_object('feedback', e.payload->>'feedback', 'stages', e.payload->'stages') order by e.seq)
               from run_event e where e.run_id = r.id and e.type = 'REQUEST_REWORK') as feedback,
            (select x.output from stage_result x where x.run_id = r.id and x.stage_id = '$review' and x.ok
              order by x.round desc, x.attempt desc limit 1) as last_review
       from workflow_run r
       join context_snapshot s on s.id = r.context_snapshot_id
       join brand b on b.id = (s.refs->>'brandId')::uuid
      where r.id = ?`,
    [runId],
  );
  const row = res.rows[0];
  if (!row) return null;
  return {
    runId: row.id, tenantId: row.tenant_id, projectId: row.project_id, refs: row.refs,
    template: { id: row.template_name, version: row.template_version }, tier: row.tier, mode: row.effective_mode,
    contextSnapshotId: row.context_snapshot_id, contextHash: row.hash,
    feedback: (row.feedback ?? []).map((f, i) => ({ round: i + 1, feedback: f.feedback, stages: f.stages ?? null })),
    lastReview: row.last_review ?? null,
  };
}
