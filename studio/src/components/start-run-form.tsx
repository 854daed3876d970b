import { useRef, useState, type FormEvent } from 'react';
import { newIdempotencyKey } from '../api/client.js';
import { useSession } from '../api/session.js';
import type { Page, Task, Template } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { navigate } from '../router/hash-router.js';
import { ErrorNotice } from './feedback.js';

/** Starts a run for a task (chosen here, or the given one) and opens it. */
export function StartRunForm({ taskId }: { taskId?: string }) {
  const session = useSession();
  const tasks = useApi<Page<Task>>(taskId ? null : '/v2/tasks?limit=100');
  const templates = useApi<{ items: Template[] }>('/v2/templates');
  const [task, setTask] = useState(taskId ?? '');
  const [mode, setMode] = useState<'supervised' | 'autopilot'>('supervised');
  const [template, setTemplate] = useState('');
  const [tier, setTier] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const idem = useRef(newIdempotencyKey());

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await session.call<{ id: string }>('/v2/runs', {
        method: 'POST',
        headers: { 'idempotency-key': idem.current },
        body: { taskId: taskId ?? task, mode, ...(template ? { template } : {}), ...(tier ? { tier } : {}) },
      });
      idem.current = newIdempotencyKey();
      navigate(`/runs/${data.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const latest = new Map<string, Template>();
  for (const t of templates.data?.items ?? []) if ((latest.get(t.name)?.version ?? 0) < t.version) latest.set(t.name, t);

  return (
    <form onSubmit={(e) => void submit(e)} className="inline-form start-run" aria-label="Start a run">
      {!taskId && (
        <>
          <label htmlFor="start-task">Task</label>
          <select id="start-task" required value={task} onChange={(e) => setTask(e.target.value)}>
            <option value="">{tasks.loading ? 'Loading tasks…' : tasks.data?.items.length ? 'Choose a task' : 'No tasks yet'}</option>
            {tasks.data?.items.map((t) => <option key={t.id} value={t.id}>{t.name} ({t.deliverableType})</option>)}
          </select>
        </>
      )}
      <label htmlFor="start-mode">Mode</label>
      <select id="start-mode" value={mode} onChange={(e) => setMode(e.target.value as 'supervised' | 'autopilot')}>
        <option value="supervised">supervised (a person approves)</option>
        <option value="autopilot">autopilot</option>
      </select>
      <label htmlFor="start-template">Workflow template</label>
      <select id="start-template" value={template} onChange={(e) => setTemplate(e.target.value)}>
        <option value="">by deliverable type (default)</option>
        {[...latest.values()].map((t) => <option key={t.name} value={t.name}>{t.name}@{t.version}</option>)}
      </select>
      <label htmlFor="start-tier">Tier</label>
      <select id="start-tier" value={tier} onChange={(e) => setTier(e.target.value)}>
        <option value="">default</option>
        <option value="economy">economy</option>
        <option value="standard">standard</option>
        <option value="premium">premium</option>
      </select>
      <button type="submit" disabled={busy || (!taskId && !task)}>{busy ? 'Starting…' : 'Start run'}</button>
      {tasks.error !== null && tasks.error !== undefined && <ErrorNotice error={tasks.error} title="Could not load the tasks" />}
      {error !== null && <ErrorNotice error={error} title="The run was not started" />}
    </form>
  );
}
