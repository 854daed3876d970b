import type { ReactNode } from 'react';
import { useSession, useSessionState } from './api/session.js';
import { ErrorBoundary } from './components/feedback.js';
import { ArtifactPage } from './pages/artifact-page.js';
import { ArtifactsPage } from './pages/artifacts-page.js';
import { AuditPage } from './pages/audit-page.js';
import { BrandPage } from './pages/brand-page.js';
import { BrandsPage } from './pages/brands-page.js';
import { CampaignPage } from './pages/campaign-page.js';
import { KnowledgePage } from './pages/knowledge-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TaskPage } from './pages/task-page.js';
import { ToolsPage } from './pages/tools-page.js';
import { RealtimeProvider, useRealtime } from './realtime/realtime.js';
import { Link, matchPath, useLocation } from './router/hash-router.js';

/** The Studio's pages by path. */
const ROUTES: Array<{ pattern: string; render: (p: Record<string, string>) => ReactNode }> = [
  { pattern: '/', render: () => <RunsPage /> },
  { pattern: '/runs', render: () => <RunsPage /> },
  { pattern: '/runs/:id', render: (p) => <RunPage id={p.id ?? ''} /> },
  { pattern: '/brands', render: () => <BrandsPage /> },
  { pattern: '/brands/:id', render: (p) => <BrandPage id={p.id ?? ''} /> },
  { pattern: '/campaigns/:id', render: (p) => <CampaignPage id={p.id ?? ''} /> },
  { pattern: '/tasks/:id', render: (p) => <TaskPage id={p.id ?? ''} /> },
  { pattern: '/artifacts', render: () => <ArtifactsPage /> },
  { pattern: '/artifacts/:id', render: (p) => <ArtifactPage id={p.id ?? ''} /> },
  { pattern: '/knowledge', render: () => <KnowledgePage /> },
  { pattern: '/tools', render: () => <ToolsPage /> },
  { pattern: '/audit', render: () => <AuditPage /> },
];

const NAV = [
  { to: '/runs', label: 'Runs', match: ['/', '/runs'] },
  { to: '/brands', label: 'Brands, campaigns and tasks', match: ['/brands', '/campaigns', '/tasks'] },
  { to: '/artifacts', label: 'Artifacts', match: ['/artifacts'] },
  { to: '/knowledge', label: 'Knowledge search', match: ['/knowledge'] },
  { to: '/tools', label: 'Tools and permissions', match: ['/tools'] },
  { to: '/audit', label: 'Audit log', match: ['/audit'] },
];

function LiveIndicator() {
  const { status } = useRealtime();
  const text = status.state === 'connected' ? 'Live updates on' : status.state === 'connecting' ? 'Connecting live updates…' : 'Live updates off';
  return (
    <span className={`live live-${status.state}`} role="status" data-live={status.state} title={status.reason ?? undefined}>
      <span className="live-dot" aria-hidden="true" /> {text}
      {status.state === 'disconnected' && status.reason ? <span className="sr-only"> ({status.reason})</span> : null}
    </span>
  );
}

function Shell() {
  const session = useSession();
  const { path } = useLocation();
  const section = `/${path.split('/')[1] ?? ''}`;
  const route = ROUTES.map((r) => ({ r, params: matchPath(r.pattern, path) })).find((m) => m.params !== null);
  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header className="topbar">
        <span className="brand-mark">VM Platform <strong>Studio</strong></span>
        <LiveIndicator />
        <span className="muted small" aria-label="Signed in with key">{session.keyPrefix}…</span>
        <button type="button" className="secondary" onClick={() => session.signOut()}>Sign out</button>
      </header>
      <nav aria-label="Main" className="sidenav">
        <ul>
          {NAV.map((n) => {
            const active = n.match.includes(section === '/' && path === '/' ? '/' : section);
            return (
              <li key={n.to}>
                <Link to={n.to} aria-current={active ? 'page' : undefined}>{n.label}</Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" tabIndex={-1} className="content">
        <ErrorBoundary resetKey={path}>
          {route ? route.r.render(route.params ?? {}) : <NotFoundPage path={path} />}
        </ErrorBoundary>
      </main>
    </div>
  );
}

/** The Studio: the sign-in page, or the signed-in shell with live updates. */
export function App() {
  const { session } = useSessionState();
  if (!session) return <SignInPage />;
  return (
    <RealtimeProvider apiKey={session.key}>
      <Shell />
    </RealtimeProvider>
  );
}
