/**
 * `npm run demo`: the platform end to end on a running server (`npm start` in another terminal).
 *
 * Creates (or reuses, by name) the brand "Northwind Coffee" with its voice, banned terms and a
 * required disclaimer, a campaign on LinkedIn and X, and a task for a social post; starts a
 * supervised run, follows it, approves it when it waits for approval, and prints the artifacts with
 * the URL and curl command that download each one.
 *
 *   npm run demo [-- --template <id>] [--url <url>] [--key <key>] [--timeout <seconds>]
 *
 * URL and key are found as the CLI finds them (src/main/cli/api-client.ts): --url / VMP_URL /
 * http://127.0.0.1:$PORT, and --key / VMP_API_KEY / $DATA_DIR/demo-admin.key.
 */
import { parseArgs } from 'node:util';
import { ApiClient, ApiError, CliUsageError, isApiError, resolveApiTarget, type ApiTarget } from '../src/main/cli/api-client.js';
import { followRun, reportError, runExitCode, startRun, terminalIO, type CliIO, type RunAcceptedView } from '../src/main/cli/run-follow.js';

/** The workflow template the demo runs (a social post per channel). */
export const DEMO_TEMPLATE = 'social_post';
/** The built-in template used when the server does not have {@link DEMO_TEMPLATE}. */
const FALLBACK_TEMPLATE = 'campaign-content';

const BRAND_NAME = 'Northwind Coffee';
const CAMPAIGN_NAME = 'Autumn Harvest Roast';
const TASK_NAME = 'Autumn Harvest launch post';

const BRAND = {
  identity: { name: BRAND_NAME, palette: ['#3E2723', '#D7A86E', '#F5F0E6'] },
  voice: {
    tone: 'warm, knowledgeable and unpretentious',
    personality: ['friendly', 'craft-focused', 'honest'],
    preferredTerms: ['small-batch', 'freshly roasted', 'direct trade'],
    avoidTerms: ['best in the world', 'revolutionary'],
    sampleCopy: 'Roasted on Monday, in your cup by Thursday. Meet the farmers behind this week\'s beans.',
  },
  positioning: {
    statement: 'Small-batch specialty coffee, roasted to order every week and shipped within 48 hours.',
    audience: 'Home brewers and small offices who care where their coffee comes from.',
    differentiators: ['roasted to order', 'direct-trade farms', 'compostable packaging'],
    category: 'specialty coffee',
  },
  rules: { bannedTerms: ['cheap', 'guaranteed', 'miracle'], requiredDisclaimers: ['Pre-order offer valid while supplies last.'] },
  locale: 'en',
};

const CAMPAIGN = {
  name: CAMPAIGN_NAME,
  objectives: ['Announce the limited Autumn Harvest roast', 'Drive pre-orders in the first two weeks'],
  channels: ['linkedin', 'x'],
  budget: { amount: 2500, currency: 'USD' },
  segments: [{ name: 'home brewers', description: 'People who brew pour-over or espresso at home' }, { name: 'office managers' }],
};

const TASK = {
  name: TASK_NAME,
  deliverableType: 'social_post',
  specs: {
    lengthWords: { max: 60 },
    callToAction: 'Pre-order at northwind.example/autumn',
    notes: 'One post per channel: a professional angle for LinkedIn, a short punchy one for X.',
  },
  qualityCriteria: [
    { id: 'on-brand-voice', description: 'Warm and knowledgeable, never salesy; uses none of the banned terms.', minScore: 0.7 },
    { id: 'disclaimer', description: 'Carries the required disclaimer verbatim.', minScore: 1 },
  ],
};

const USAGE = 'Usage: npm run demo [-- --template <id>] [--url <url>] [--key <key>] [--timeout <seconds>]';

interface Named { id: string; name?: string; identity?: { name?: string } }
interface Page<T> { items: T[]; nextCursor: string | null }

/** The first record of a paginated list that matches, or null. */
async function findInList<T extends Named>(client: ApiClient, path: string, match: (item: T) => boolean): Promise<T | null> {
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await client.get<Page<T>>(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const hit = page.items.find(match);
    if (hit) return hit;
    if (!page.nextCursor) return null;
    cursor = page.nextCursor;
  }
  return null;
}

async function ensure(io: CliIO, client: ApiClient, what: string, path: string, listPath: string, match: (item: Named) => boolean, body: object): Promise<string> {
  const existing = await findInList(client, listPath, match);
  if (existing) {
    io.out(`  ${what.padEnd(9)} ${existing.id}  (reused)`);
    return existing.id;
  }
  const created = await client.post<Named>(path, body);
  io.out(`  ${what.padEnd(9)} ${created.id}  (created)`);
  return created.id;
}

/** Picks the template: the requested one, or DEMO_TEMPLATE with a fallback when the server lacks it. */
async function chooseTemplate(io: CliIO, client: ApiClient, requested: string | undefined): Promise<string> {
  if (requested) return requested;
  const { items } = await client.get<{ items: Array<{ name: string; version: number }> }>('/v2/templates');
  if (items.some((t) => t.name === DEMO_TEMPLATE)) return DEMO_TEMPLATE;
  io.out(`Template "${DEMO_TEMPLATE}" is not on this server yet (known: ${items.map((t) => `${t.name}@${t.version}`).join(', ') || 'none'}); using "${FALLBACK_TEMPLATE}" instead.`);
  return FALLBACK_TEMPLATE;
}

interface ArtifactView { id: string; slot?: string; kind?: string; latestVersion?: number; [k: string]: unknown }

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** How a curl command should send the key, without printing the key itself. */
function keyExpression(target: ApiTarget): string {
  return target.keySource === 'VMP_API_KEY' || target.keySource === '--key' ? '$VMP_API_KEY' : `$(cat ${shellQuote(target.keySource)})`;
}

async function printArtifacts(io: CliIO, client: ApiClient, target: ApiTarget, runId: string): Promise<void> {
  let answer: unknown;
  try {
    answer = await client.get<unknown>(`/v2/runs/${runId}/artifacts`);
  } catch (err) {
    if (isApiError(err) && err.code === 'ROUTE_NOT_FOUND') {
      io.out(`Artifacts: this server has no artifacts endpoint yet (GET /v2/runs/${runId}/artifacts answered 404 ROUTE_NOT_FOUND).`);
      return;
    }
    throw err;
  }
  const items = (Array.isArray(answer) ? answer : ((answer as { items?: unknown }).items ?? [])) as ArtifactView[];
  if (items.length === 0) {
    io.out('Artifacts: the run produced none.');
    return;
  }
  io.out(`Artifacts (${items.length}):`);
  if (target.keySource === '--key') io.out('  (the curl commands read the key from $VMP_API_KEY: export it first)');
  for (const a of items) {
    const url = client.url(`/v2/artifacts/${encodeURIComponent(a.id)}/content`);
    const file = `${(a.slot ?? a.id).replace(/[^A-Za-z0-9._-]+/g, '_')}${a.latestVersion ? `.v${a.latestVersion}` : ''}`;
    io.out(`  ${a.slot ?? '(no slot)'}  ${a.kind ?? ''}${a.latestVersion ? `  version ${a.latestVersion}` : ''}  id ${a.id}`);
    io.out(`    ${url}`);
    io.out(`    curl -fsS -H "Authorization: Bearer ${keyExpression(target)}" -o ${shellQuote(file)} ${shellQuote(url)}`);
  }
}

async function main(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, allowPositionals: false,
      options: { url: { type: 'string' }, key: { type: 'string' }, template: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new CliUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const target = resolveApiTarget({ ...(values.url ? { url: values.url } : {}), ...(values.key ? { key: values.key } : {}) });
  const client = new ApiClient(target);
  io.out(`VM Platform demo on ${target.baseUrl} (key from ${target.keySource})`);

  const brandId = await ensure(io, client, 'brand', '/v2/brands', '/v2/brands', (b) => b.identity?.name === BRAND_NAME, BRAND);
  const campaignId = await ensure(io, client, 'campaign', '/v2/campaigns', `/v2/campaigns?brandId=${brandId}`, (c) => c.name === CAMPAIGN_NAME, { ...CAMPAIGN, brandId });
  const taskId = await ensure(io, client, 'task', '/v2/tasks', `/v2/tasks?campaignId=${campaignId}`, (t) => t.name === TASK_NAME, { ...TASK, campaignId });

  let template = await chooseTemplate(io, client, values.template);
  let started: RunAcceptedView;
  try {
    started = await startRun(client, { taskId, mode: 'supervised', template });
  } catch (err) {
    const unknownTemplate = err instanceof ApiError && err.code === 'INVALID_TEMPLATE' && /unknown workflow template/.test(err.message);
    if (!unknownTemplate || values.template || template === FALLBACK_TEMPLATE) throw err;
    io.out(`The server does not know template "${template}" (${err.message}); using "${FALLBACK_TEMPLATE}" instead.`);
    template = FALLBACK_TEMPLATE;
    started = await startRun(client, { taskId, mode: 'supervised', template });
  }
  io.out(`Started a supervised run ${started.id} (template ${template}).`);

  const timeoutMs = values.timeout ? Number(values.timeout) * 1000 : undefined;
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new CliUsageError('--timeout must be a number of seconds');
  const run = await followRun(client, started.id, { io, approve: true, approveNote: 'Approved by npm run demo', ...(timeoutMs ? { timeoutMs } : {}) });
  await printArtifacts(io, client, target, run.id);
  io.out(`Inspect it: npm run cli -- run show ${run.id}   timeline: ${client.url(`/v2/runs/${run.id}/timeline`)}`);
  return runExitCode(run.status);
}

const io = terminalIO();
main(process.argv.slice(2), io).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof CliUsageError) {
      io.err(`${err.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.exitCode = reportError(io, err);
    }
  },
);
