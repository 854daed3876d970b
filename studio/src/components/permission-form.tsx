import { useId, useState, type FormEvent } from 'react';
import type { Project, ToolPermission } from '../api/types.js';
import { ErrorNotice } from './feedback.js';

/** The body of a permission rule (POST /v2/tool-permissions, PUT /v2/tool-permissions/:id). */
export interface PermissionBody {
  tool: string;
  effect: 'allow' | 'deny';
  projectId: string | null;
  agent: string | null;
  description: string | null;
  constraints: Record<string, unknown> | null;
}

/** Adds or changes a permission rule: tool pattern, effect, project, agent, constraints (JSON), description. */
export function PermissionForm({ initial, projects, submitLabel, onSubmit, onCancel }: {
  initial?: ToolPermission; projects: Project[]; submitLabel: string; onSubmit: (b: PermissionBody) => Promise<void>; onCancel?: () => void;
}) {
  const uid = useId();
  const [tool, setTool] = useState(initial?.tool ?? '');
  const [effect, setEffect] = useState<'allow' | 'deny'>(initial?.effect ?? 'allow');
  const [projectId, setProjectId] = useState(initial?.projectId ?? '');
  const [agent, setAgent] = useState(initial?.agent ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [constraints, setConstraints] = useState(initial?.constraints ? JSON.stringify(initial.constraints) : '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let parsed: Record<string, unknown> | null = null;
    if (constraints.trim()) {
      try {
        parsed = JSON.parse(constraints) as Record<string, unknown>;
      } catch (err) {
        setError(new Error(`Constraints must be JSON, e.g. {"url": {"pattern": "^https://"}}: ${(err as Error).message}`));
        return;
      }
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ tool: tool.trim(), effect, projectId: projectId || null, agent: agent.trim() || null, description: description.trim() || null, constraints: parsed });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="form-grid" aria-label={submitLabel}>
      <div className="field"><label htmlFor={`${uid}-tool`}>Tool pattern</label><input id={`${uid}-tool`} required value={tool} onChange={(e) => setTool(e.target.value)} placeholder="http.request, web.* or *" /></div>
      <div className="field">
        <label htmlFor={`${uid}-effect`}>Effect</label>
        <select id={`${uid}-effect`} value={effect} onChange={(e) => setEffect(e.target.value as 'allow' | 'deny')}><option value="allow">allow</option><option value="deny">deny</option></select>
      </div>
      <div className="field">
        <label htmlFor={`${uid}-project`}>Project</label>
        <select id={`${uid}-project`} value={projectId} onChange={(e) => setProjectId(e.target.value)}>
          <option value="">every project</option>
          {projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </div>
      <div className="field"><label htmlFor={`${uid}-agent`}>Agent</label><input id={`${uid}-agent`} value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="every agent, or e.g. copywriter" /></div>
      <div className="field"><label htmlFor={`${uid}-constraints`}>Argument constraints (JSON)</label><input id={`${uid}-constraints`} value={constraints} onChange={(e) => setConstraints(e.target.value)} placeholder='{"url": {"pattern": "^https://"}}' /></div>
      <div className="field"><label htmlFor={`${uid}-description`}>Description</label><input id={`${uid}-description`} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} /></div>
      <div className="field field-actions">
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : submitLabel}</button>
        {onCancel && <button type="button" className="secondary" onClick={onCancel}>Cancel</button>}
      </div>
      {error !== null && <ErrorNotice error={error} title="Not saved" />}
    </form>
  );
}
