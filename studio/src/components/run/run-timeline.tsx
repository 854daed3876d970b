import type { Timeline } from '../../api/types.js';
import { formatTime } from '../../lib/format.js';
import { Empty } from '../feedback.js';

/** Every step of a run: the event, the run's transition and the StageRuns that changed. */
export function RunTimeline({ entries }: { entries: Timeline[] }) {
  if (entries.length === 0) return <Empty>No events yet.</Empty>;
  return (
    <table className="timeline">
      <caption className="sr-only">Run timeline</caption>
      <thead>
        <tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Run state</th><th scope="col">Stages</th><th scope="col">By</th></tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq} data-event={e.type}>
            <td>{e.seq}</td>
            <td className="nowrap">{formatTime(e.at)}</td>
            <td><code>{e.type}</code>{typeof e.payload.feedback === 'string' ? <div className="small">“{e.payload.feedback}”</div> : null}</td>
            <td>{e.from === e.to ? <code>{e.to}</code> : <><code>{e.from}</code> → <code>{e.to}</code></>}</td>
            <td className="small">{e.stages.map((s) => <div key={s.stageRunId}><code>{s.stageId}</code> {s.from ?? 'new'} → {s.to}</div>)}</td>
            <td className="small">{e.actor}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
