import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../../src/domain/errors.js';

describe('error catalog', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(ERROR_CATALOG))('%s is documented in docs/errors.md with its status', (code, entry) => {
    expect(doc).toContain(`| \`${code}\` | ${entry.httpStatus} |`);
  });

  it('every code maps to a 4xx or 5xx status', () => {
    for (const entry of Object.values(ERROR_CATALOG)) expect(entry.httpStatus).toBeGreaterThanOrEqual(400);
  });
});
