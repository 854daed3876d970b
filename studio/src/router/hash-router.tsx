import { useEffect, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

/**
 * A small hash router: the Studio's location is the part after `#` (`#/runs/0193…`), so the server
 * only ever serves index.html at `/` and a reload keeps the page. Query parameters after `?` in the
 * hash carry page state (filters) so it survives reloads and can be shared.
 */

/** The current location inside the Studio. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function read(): Location {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path = '/', qs = ''] = raw.split('?', 2);
  return { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(qs) };
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const on = () => setLoc(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return loc;
}

/** The href of a Studio path. */
export const href = (to: string) => `#${to}`;

/** Goes to a Studio path (adds a history entry; `replace` does not). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.location.replace(href(to));
  else window.location.hash = to;
}

/** Matches `/runs/:id` against `/runs/abc` -> `{ id: 'abc' }`; null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i] as string;
    const val = s[i] as string;
    if (seg.startsWith(':')) {
      try {
        params[seg.slice(1)] = decodeURIComponent(val);
      } catch {
        return null;
      }
    } else if (seg !== val) return null;
  }
  return params;
}

/** A link to a Studio path. */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  return <a href={href(to)} {...rest}>{children}</a>;
}
