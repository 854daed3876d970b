import type { GateResultEvent } from '@contracts/realtime.js';
import type { z } from 'zod';
import type { Run, RunOutputs } from '../../api/types.js';
import { Empty } from '../feedback.js';

interface Draft { stageId?: string; channel?: string | null; score?: number; passed?: boolean; scorer?: string; rationale?: string; issues?: unknown[] }
interface ReviewOutput { round?: number; passed?: boolean; threshold?: number; drafts?: Draft[] }

const describeIssue = (i: unknown) => (typeof i === 'string' ? i : i && typeof i === 'object' && 'message' in i ? String((i as { message: unknown }).message) : JSON.stringify(i));

/** The review's verdict and its report per deliverable; the latest live gate checks when streamed. */
export function GateReport({ run, outputs, live }: { run: Run; outputs: RunOutputs | undefined; live: z.infer<typeof GateResultEvent> | null }) {
  const review = outputs?.items.find((o) => o.stageId === '$review')?.output as ReviewOutput | undefined;
  if (!run.gate && !review && !live) return <Empty>No review yet: the gates run after the stages.</Empty>;
  return (
    <div>
      {run.gate && (
        <p data-gate={run.gate.passed ? 'passed' : 'failed'}>
          Verdict: <strong>{run.gate.passed ? 'passed' : 'failed'}</strong>
          {run.gate.score !== undefined ? `, score ${run.gate.score.toFixed(2)}` : ''}
          {review?.threshold !== undefined ? ` (threshold ${review.threshold})` : ''}
          {run.gate.notes ? ` — ${run.gate.notes}` : ''}
        </p>
      )}
      {review?.drafts && review.drafts.length > 0 && (
        <table>
          <caption className="sr-only">Gate report per deliverable</caption>
          <thead><tr><th scope="col">Deliverable</th><th scope="col">Result</th><th scope="col">Score</th><th scope="col">Issues</th><th scope="col">Why</th></tr></thead>
          <tbody>
            {review.drafts.map((d, i) => (
              <tr key={i}>
                <td><code>{d.stageId}</code>{d.channel ? ` (${d.channel})` : ''}</td>
                <td>{d.passed ? 'passed' : 'failed'}</td>
                <td>{d.score?.toFixed(2) ?? '–'}</td>
                <td className="small">{d.issues?.length ? d.issues.map(describeIssue).join('; ') : 'none'}</td>
                <td className="small">{d.rationale ?? ''}{d.scorer ? ` (${d.scorer})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {live && (
        <div className="small">
          <p>Latest gate checks streamed for <code>{live.stageId}</code> (step {live.seq}): {live.passed ? 'passed' : 'failed'}</p>
          <ul>{live.gates.map((g) => <li key={g.name}>{g.passed ? '✓' : '✗'} {g.name}: {g.detail}</li>)}</ul>
        </div>
      )}
    </div>
  );
}

/** The drafts and other stage outputs of the run so far (deliverables first, open). */
export function StageOutputs({ outputs }: { outputs: RunOutputs }) {
  const items = outputs.items.filter((o) => o.stageId !== '$review');
  if (items.length === 0) return <Empty>No stage has produced output yet.</Empty>;
  const content = (o: unknown) => (o && typeof o === 'object' && typeof (o as { content?: unknown }).content === 'string' ? (o as { content: string }).content : JSON.stringify(o, null, 2));
  const isDeliverable = (o: unknown) => Boolean(o && typeof o === 'object' && (o as { deliverable?: unknown }).deliverable === true);
  const sorted = [...items].sort((a, b) => Number(isDeliverable(b.output)) - Number(isDeliverable(a.output)));
  return (
    <div className="outputs">
      {sorted.map((o) => (
        <details key={o.stageId} open={isDeliverable(o.output)} data-output={o.stageId}>
          <summary><code>{o.stageId}</code> {isDeliverable(o.output) ? '(deliverable)' : ''} round {o.round}, attempt {o.attempt}</summary>
          <pre className="output-text" aria-label={`output of ${o.stageId}`}>{content(o.output)}</pre>
        </details>
      ))}
    </div>
  );
}
