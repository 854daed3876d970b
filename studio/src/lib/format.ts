/** Formatting helpers for the Studio's tables. */

/** `$0.0123` (4 decimals under a dollar). */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '–';
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** `3 s`, `4 min`, `2 h`, `5 d` since `iso` (relative to `now`). */
export function formatAge(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** A duration between two instants: `820 ms`, `4.2 s`, `3 min 5 s`; `–` when unknown. */
export function formatDuration(fromIso: string | null | undefined, toIso: string | null | undefined): string {
  if (!fromIso || !toIso) return '–';
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A local date and time. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/**
 * The last 8 characters of an id, for display: ids are UUIDv7, whose first characters are a
 * timestamp shared by everything made in the same minute; the end is random.
 */
export const shortId = (id: string) => id.slice(-8);

/** A status name for people: `waiting_approval` -> `waiting approval`. */
export const humanize = (s: string) => s.replace(/[_.]/g, ' ');

/** A value as compact text for a table cell. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
