import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statSync } from 'node:fs';
import path from 'node:path';

/** Where the built Studio is, or why there is none (yet). */
export type StudioState =
  | { state: 'ready'; dir: string }
  | { state: 'building' }
  | { state: 'unavailable'; message: string };

/** Tells the Studio routes, per request, whether the built Studio can be served. */
export interface StudioSource {
  status(): StudioState;
}

/** Paths that belong to the API and other services; never answered with the Studio's index.html. */
export const RESERVED_PREFIXES = ['/v2', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/mcp', '/socket.io'] as const;

const isReserved = (url: string) => RESERVED_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`) || url.startsWith(`${p}?`));

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' ws: wss:; " +
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page `/` shows while the Studio is being built or when it cannot be served. */
function notReadyPage(title: string, message: string, refresh: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>VM Platform Studio: ${escapeHtml(title)}</title>${
    refresh ? '<meta http-equiv="refresh" content="3">' : ''
  }<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:4rem auto;padding:0 1rem;color:#1f2933}code{background:#eef2f6;padding:0 .25rem}</style></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` +
    '<p>The API is running: see <a href="/docs">/docs</a> and <a href="/openapi.json">/openapi.json</a>.</p></main></body></html>';
}

/** A file of `dir` for a request path, or null (missing, a directory, or outside `dir`). */
function fileFor(dir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = path.normalize(decoded).replace(/^([/\\])+/, '');
  if (rel === '' || rel.startsWith('..')) return null;
  const full = path.join(dir, rel);
  if (!full.startsWith(dir + path.sep)) return null;
  try {
    return statSync(full).isFile() ? rel : null;
  } catch {
    return null;
  }
}

/**
 * Serves the web Studio (a single-page app built by `npm run build:studio` into studio/dist) at `/`:
 * its files as they are (hashed assets cached for a year), and index.html for every other GET that
 * is not an API path, so the Studio's own routes survive a reload. While the Studio is being built,
 * or when it could not be, `/` says so (the API keeps working either way).
 */
export async function studioRoutes(app: FastifyInstance, opts: { source: StudioSource }): Promise<void> {
  // serve: false: only `reply.sendFile`; the root is the build folder of the moment, passed per call.
  await app.register(fastifyStatic, { serve: false });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    if (isReserved(urlPath)) return reply.callNotFound();
    const status = opts.source.status();
    if (status.state !== 'ready') {
      // Assets of a page built earlier are simply missing; only pages get the explanation.
      if (/\.[a-z0-9]+$/i.test(urlPath)) return reply.callNotFound();
      const building = status.state === 'building';
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .header('retry-after', building ? '3' : '60')
        .type('text/html; charset=utf-8')
        .send(building
          ? notReadyPage('The Studio is being built', 'This is the first start: the Studio is being built. This page reloads by itself in a few seconds.', true)
          : notReadyPage('The Studio is not available', status.message, false));
    }
    const file = fileFor(status.dir, urlPath);
    if (file && file !== 'index.html') {
      const immutable = file.startsWith(`assets${path.sep}`);
      return reply.sendFile(file, status.dir, { cacheControl: true, maxAge: immutable ? 31_536_000_000 : 0, immutable });
    }
    // A missing asset is a 404, never the index page (a stale tab would otherwise parse HTML as JS).
    if (urlPath.startsWith('/assets/')) return reply.callNotFound();
    reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' });
    return reply.sendFile('index.html', status.dir, { cacheControl: false });
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
