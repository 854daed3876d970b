import { useState } from 'react';
import { useSession } from '../api/session.js';
import type { Page, Project, Tool, ToolCredential, ToolPermission, ToolRateLimit, ToolSources } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { JsonBlock } from '../components/diff-views.js';
import { AsyncView, Empty, ErrorNotice } from '../components/feedback.js';
import { PermissionForm, type PermissionBody } from '../components/permission-form.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatCost, shortId } from '../lib/format.js';

function PermissionsSection() {
  const session = useSession();
  const rules = useApi<{ items: ToolPermission[] }>('/v2/tool-permissions');
  const projects = useApi<Page<Project>>('/v2/projects?limit=100');
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const projectName = (id: string | null) => (id ? projects.data?.items.find((p) => p.id === id)?.name ?? shortId(id) : 'every project');

  const create = async (body: PermissionBody) => {
    await session.call('/v2/tool-permissions', { method: 'POST', body });
    setNotice(`Rule added: ${body.effect} ${body.tool}.`);
    rules.reload();
  };
  const replace = (id: string) => async (body: PermissionBody) => {
    await session.call(`/v2/tool-permissions/${id}`, { method: 'PUT', body });
    setEditing(null);
    setNotice(`Rule changed: ${body.effect} ${body.tool}.`);
    rules.reload();
  };
  const remove = async (rule: ToolPermission) => {
    if (!window.confirm(`Remove the rule "${rule.effect} ${rule.tool}"?`)) return;
    try {
      await session.call(`/v2/tool-permissions/${rule.id}`, { method: 'DELETE' });
      setError(null);
      setNotice(`Rule removed: ${rule.effect} ${rule.tool}.`);
      rules.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="panel" aria-labelledby="perm-title">
      <h2 id="perm-title">Permissions</h2>
      <p className="muted small">A deny that applies wins; otherwise the most specific allow decides. Without a rule, read tools are allowed and write or external tools denied. Changing rules needs an admin key.</p>
      {notice && <p role="status" className="notice notice-ok">{notice}</p>}
      {error !== null && <ErrorNotice error={error} title="Not removed" />}
      <AsyncView resource={rules} label="the permission rules">
        {(r) => r.items.length === 0 ? <Empty>No rules: the defaults apply.</Empty> : (
          <table>
            <caption className="sr-only">Permission rules</caption>
            <thead><tr><th scope="col">Tool</th><th scope="col">Effect</th><th scope="col">Project</th><th scope="col">Agent</th><th scope="col">Constraints</th><th scope="col">Description</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {r.items.map((rule) => editing === rule.id ? (
                <tr key={rule.id}><td colSpan={7}>
                  <PermissionForm initial={rule} projects={projects.data?.items ?? []} submitLabel="Save rule" onSubmit={replace(rule.id)} onCancel={() => setEditing(null)} />
                </td></tr>
              ) : (
                <tr key={rule.id} data-rule={rule.tool}>
                  <th scope="row"><code>{rule.tool}</code></th>
                  <td><StatusBadge status={rule.effect} /></td>
                  <td>{projectName(rule.projectId)}</td>
                  <td>{rule.agent ?? 'every agent'}</td>
                  <td className="small">{rule.constraints ? JSON.stringify(rule.constraints) : '–'}</td>
                  <td className="small">{rule.description ?? ''}</td>
                  <td className="nowrap">
                    <button type="button" className="secondary" onClick={() => setEditing(rule.id)} aria-label={`Edit rule ${rule.effect} ${rule.tool}`}>Edit</button>{' '}
                    <button type="button" className="danger secondary" onClick={() => void remove(rule)} aria-label={`Remove rule ${rule.effect} ${rule.tool}`}>Remove</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </AsyncView>
      <details>
        <summary>Add a rule</summary>
        <PermissionForm projects={projects.data?.items ?? []} submitLabel="Add rule" onSubmit={create} />
      </details>
    </section>
  );
}

/** The tool catalog with schemas, plugin and MCP status, circuit breakers, permissions, rate limits and credential references. */
export function ToolsPage() {
  const tools = useApi<{ items: Tool[] }>('/v2/tools');
  const sources = useApi<ToolSources>('/v2/tools/plugins');
  const limits = useApi<{ items: ToolRateLimit[] }>('/v2/tool-rate-limits');
  const creds = useApi<{ items: ToolCredential[] }>('/v2/tool-credentials');
  return (
    <>
      <h1>Tools and permissions</h1>
      <section className="panel" aria-labelledby="catalog-title">
        <h2 id="catalog-title">Tool catalog</h2>
        <AsyncView resource={tools} label="the tools">
          {(t) => t.items.length === 0 ? <Empty>No tools are registered.</Empty> : (
            <table>
              <caption className="sr-only">Tools</caption>
              <thead><tr><th scope="col">Tool</th><th scope="col">Side effect</th><th scope="col">Provider</th><th scope="col">Cost per call</th><th scope="col">Description and schemas</th></tr></thead>
              <tbody>
                {t.items.map((tool) => (
                  <tr key={`${tool.name}@${tool.version}`}>
                    <th scope="row"><code>{tool.name}@{tool.version}</code>{tool.tenantId ? <span className="muted small"> (this tenant)</span> : null}</th>
                    <td>{tool.sideEffect}</td>
                    <td className="small">{tool.provider} <span className="muted">({tool.origin})</span></td>
                    <td>{tool.cost?.perCallUsd !== undefined ? formatCost(tool.cost.perCallUsd) : '–'}</td>
                    <td className="small">
                      {tool.description}
                      <details><summary>Schemas of {tool.name}</summary><JsonBlock value={{ input: tool.inputSchema, output: tool.outputSchema }} label={`schemas of ${tool.name}`} /></details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </AsyncView>
      </section>
      <PermissionsSection />
      <section className="panel" aria-labelledby="sources-title">
        <h2 id="sources-title">Plugins, MCP servers and circuit breakers</h2>
        <AsyncView resource={sources} label="the plugins">
          {(s) => (
            <>
              {s.items.length === 0 ? <Empty>No plugins or MCP servers are configured.</Empty> : (
                <ul className="link-list">{s.items.map((x) => <li key={`${x.kind}:${x.name}`}><strong>{x.name}</strong> ({x.kind}) <StatusBadge status={x.status} /> {x.tools.join(', ')}{x.error ? <span className="error-text"> — {x.error}</span> : null}</li>)}</ul>
              )}
              {s.circuits.length > 0 && <p className="small">Circuits: {s.circuits.map((c) => <span key={c.key}><code>{c.key}</code> <StatusBadge status={c.state} /> </span>)}</p>}
            </>
          )}
        </AsyncView>
      </section>
      <section className="panel" aria-labelledby="limits-title">
        <h2 id="limits-title">Rate limits and credential references</h2>
        <AsyncView resource={limits} label="the rate limits">
          {(l) => l.items.length === 0 ? <Empty>No rate limits.</Empty> : (
            <ul className="link-list">{l.items.map((x) => <li key={x.id}><code>{x.tool}</code> {x.action}: {x.limit} per {x.windowMs / 1000} s, then {x.onLimit}</li>)}</ul>
          )}
        </AsyncView>
        <AsyncView resource={creds} label="the credential references">
          {(c) => c.items.length === 0 ? <Empty>No credential references.</Empty> : (
            <ul className="link-list">{c.items.map((x) => <li key={x.id}><code>{x.name}</code>: {x.provider} <code>{x.ref}</code></li>)}</ul>
          )}
        </AsyncView>
      </section>
    </>
  );
}
