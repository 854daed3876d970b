import { rebuildStudio, studioBuildIsStale } from '../../src/main/studio-build.js';
import { ROOT } from '../helpers/processes.js';

/**
 * Browser-test setup: the servers the tests start serve studio/dist, so it must be built from the
 * current sources. Builds it (once per test run) when it is missing or older than its sources.
 */
export default async function setup(): Promise<void> {
  if (!studioBuildIsStale(ROOT)) return;
  const started = Date.now();
  await rebuildStudio(ROOT);
  process.stdout.write(`e2e: built the Studio in ${Date.now() - started} ms\n`);
}
