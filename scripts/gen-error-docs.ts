/** Regenerates the table of docs/errors.md from the error catalog (src/domain/errors.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CATALOG } from '../src/domain/errors.js';

const file = new URL('../docs/errors.md', import.meta.url);
const head = readFileSync(file, 'utf8').split('| code | HTTP |')[0];
const rows = Object.entries(ERROR_CATALOG).map(
  ([code, e]) => `| \`${code}\` | ${e.httpStatus} | ${e.retryable ? 'yes' : 'no'} | ${e.description.replace(/\|/g, '\\|')} |`,
);
writeFileSync(file, `${head}| code | HTTP | retry can help | meaning |\n|---|---|---|---|\n${rows.join('\n')}\n`);
console.log(`docs/errors.md: ${rows.length} codes`);
