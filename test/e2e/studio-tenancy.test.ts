import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { markPage, screenshot, signIn, stillMarked, useStudioServer } from './studio-harness.js';

/**
 * Keys and tenants in the Studio: a refused key shows the API's message; sign-out forgets the key;
 * a second tenant's browser never sees the first tenant's runs, neither in its live list nor by link.
 */

const server = useStudioServer();
const WAIT = { timeout: 20_000 };

async function seedTask(key: string, name: string): Promise<string> {
  const s = server.current;
  const brand = await s.api<{ id: string }>(key, 'POST', '/v2/brands', { identity: { name } });
  const campaign = await s.api<{ id: string }>(key, 'POST', '/v2/campaigns', { brandId: brand.id, name: `${name} campaign`, channels: ['email'] });
  const task = await s.api<{ id: string }>(key, 'POST', '/v2/tasks', { campaignId: campaign.id, name: `${name} task`, deliverableType: 'email' });
  return task.id;
}

const startRun = (key: string, taskId: string) =>
  server.current.api<{ id: string }>(key, 'POST', '/v2/runs', { taskId, mode: 'autopilot' }, { 'idempotency-key': randomUUID() });

describe('Studio: keys and tenants', () => {
  it("a wrong API key shows the API's error message; sign-out forgets the key", async () => {
    const s = server.current;
    const page = await s.newPage();
    await page.goto('/');
    await page.getByLabel('API key').fill('vmp_00000000_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toContain('Sign-in failed: unknown or revoked API key');
    expect(await alert.textContent()).toContain('UNAUTHENTICATED');
    expect(await page.getByRole('heading', { level: 1, name: 'VM Platform Studio' }).isVisible()).toBe(true);
    await screenshot(page, 'sign-in-refused');

    const { key } = await s.tenant('signout');
    await signIn(page, key);
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor(WAIT);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it("a second tenant's browser never sees the first tenant's runs, live or by link", async () => {
    const s = server.current;
    const a = await s.tenant('tenant-a');
    const b = await s.tenant('tenant-b');
    const taskA = await seedTask(a.key, 'Alpha');
    const taskB = await seedTask(b.key, 'Bravo');
    const first = await startRun(a.key, taskA);

    const pageA = await s.newPage();
    const pageB = await s.newPage();
    await Promise.all([signIn(pageA, a.key), signIn(pageB, b.key)]);
    await pageA.locator(`tr[data-run="${first.id}"]`).waitFor(WAIT);
    await pageB.getByText('No runs yet').waitFor(WAIT);
    await Promise.all([pageA.locator('[data-live="connected"]').waitFor(WAIT), pageB.locator('[data-live="connected"]').waitFor(WAIT)]);
    await Promise.all([markPage(pageA), markPage(pageB)]);

    // A's new run reaches A's list live; B's list, live too, gets nothing of it.
    const second = await startRun(a.key, taskA);
    await pageA.locator(`tr[data-run="${second.id}"][data-status="completed"]`).waitFor(WAIT);
    // B's own run reaches B's list, so B's live updates work; A's runs are still absent.
    const own = await startRun(b.key, taskB);
    await pageB.locator(`tr[data-run="${own.id}"]`).waitFor(WAIT);
    expect(await pageB.locator('tr[data-run]').count()).toBe(1);
    expect(await pageA.locator(`tr[data-run="${own.id}"]`).count()).toBe(0);
    expect(await stillMarked(pageA)).toBe(true);
    expect(await stillMarked(pageB)).toBe(true);
    await screenshot(pageB, 'runs-second-tenant');

    // By link: A's run is not found for B, like an unknown id.
    await pageB.goto(`/#/runs/${first.id}`);
    const alert = pageB.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.textContent()).toContain('Could not load the run');
    expect(await alert.textContent()).toContain('not found');
    expect(await pageB.getByText('Alpha task').count()).toBe(0);
  });
});
