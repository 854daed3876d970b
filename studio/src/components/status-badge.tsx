import { humanize } from '../lib/format.js';

/** A run or stage status as a coloured badge; `data-status` carries the raw value. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.replace(/[^a-z_]/g, '')}`} data-status={status}>{humanize(status)}</span>;
}
