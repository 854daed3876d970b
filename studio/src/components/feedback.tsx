import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/api-error.js';
import type { Resource } from '../api/use-resource.js';

/** An error as a readable alert: the platform's message and code, and a retry when there is one. */
export function ErrorNotice({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const api = error instanceof ApiError ? error : null;
  return (
    <div role="alert" className="notice notice-error">
      <p>
        <strong>{title ?? 'Something went wrong'}:</strong> {errorMessage(error)}
      </p>
      {api && api.code !== 'NETWORK' && (
        <p className="muted small">
          {api.status ? `HTTP ${api.status} · ` : ''}
          {api.code}
          {api.requestId ? ` · request ${api.requestId}` : ''}
        </p>
      )}
      {onRetry && <button type="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}

/** A loading indicator announced to screen readers. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <p role="status" className="muted loading">{label}</p>;
}

/** What a list shows when there is nothing in it. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty muted">{children}</p>;
}

/**
 * Renders a resource: loading (first load only), error (with retry; stale data stays visible
 * above it), then `children(data)`.
 */
export function AsyncView<T>({ resource, children, label }: { resource: Resource<T>; children: (data: T) => ReactNode; label?: string }) {
  const { data, error, loading, reload } = resource;
  return (
    <>
      {data !== undefined && children(data)}
      {error !== null && error !== undefined && <ErrorNotice error={error} onRetry={reload} title={label ? `Could not load ${label}` : undefined} />}
      {data === undefined && !error && loading && <Loading label={label ? `Loading ${label}…` : undefined} />}
    </>
  );
}

/** Catches rendering errors of a page so the Studio never goes blank. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null; key: string }> {
  override state: { error: Error | null; key: string } = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: Error | null; key: string }) {
    // Navigating elsewhere clears the error.
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Studio page failed', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="notice notice-error">
        <h2>This page failed to display</h2>
        <p>{this.state.error.message}</p>
        <p>
          <button type="button" onClick={() => this.setState({ error: null })}>Try again</button>{' '}
          <a href="#/runs">Go to runs</a>
        </p>
      </div>
    );
  }
}
