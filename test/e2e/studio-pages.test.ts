import { describe, expect, it } from 'vitest';
import { screenshot, signIn, useStudioServer } from './studio-harness.js';

/**
 * The Studio's record and governance pages: editing a brand makes a version and the diff shows the
 * change; permission rules are added, changed and removed; the audit log filters by action.
 */

const server = useStudioServer();
const WAIT = { timeout: 20_000 };

describe('Studio: versions, permissions and the audit log', () => {
  it('edits a brand into version 2 and shows the field diff between the versions', async () => {
    const s = server.current;
    const { key } = await s.tenant('versions');
    const brand = await s.api<{ id: string }>(key, 'POST', '/v2/brands', { identity: { name: 'Versioned Co' }, voice: { tone: 'calm' } });
    const page = await s.newPage();
    await signIn(page, key);
    await page.goto(`/#/brands/${brand.id}`);
    await page.getByRole('heading', { level: 1, name: /Versioned Co/ }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Edit brand' }).click();
    const form = page.getByRole('form', { name: 'Edit brand' });
    expect(await form.getByLabel('Brand name').isDisabled()).toBe(true);
    await form.getByLabel('Tone of voice').fill('bold');
    await form.getByLabel('Personality (comma-separated)').fill('direct, curious');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved as version 2.').waitFor(WAIT);
    await page.getByRole('heading', { level: 1, name: /version 2/ }).waitFor(WAIT);

    const versions = page.getByRole('region', { name: 'Versions' });
    const diff = versions.getByRole('table', { name: 'Changes from version 1 to version 2' });
    await diff.waitFor(WAIT);
    const tone = diff.getByRole('row', { name: /voice\.tone/ });
    expect(await tone.textContent()).toContain('changed');
    expect(await tone.textContent()).toContain('calm');
    expect(await tone.textContent()).toContain('bold');
    expect(await diff.getByRole('row', { name: /voice\.personality/ }).textContent()).toContain('added');
    await screenshot(page, 'brand-versions');

    // Saving without a change is refused in the page, not sent as an empty patch.
    await page.getByRole('button', { name: 'Edit brand' }).click();
    await page.getByRole('form', { name: 'Edit brand' }).getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'Nothing changed' }).waitFor(WAIT);
  });

  it('adds, changes and removes a tool permission rule, and the audit log shows and filters the changes', async () => {
    const s = server.current;
    const { key } = await s.tenant('governance');
    const page = await s.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, key);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tools and permissions' }).click();
    await page.getByRole('region', { name: 'Tool catalog' }).getByText(/llm\.complete@/).first().waitFor(WAIT);

    const perms = page.getByRole('region', { name: 'Permissions' });
    await perms.getByText('No rules: the defaults apply.').waitFor(WAIT);
    await perms.getByText('Add a rule').click();
    const add = perms.getByRole('form', { name: 'Add rule' });
    await add.getByLabel('Tool pattern').fill('http.request');
    await add.getByLabel('Agent').fill('researcher');
    await add.getByLabel('Argument constraints (JSON)').fill('{"url": {"pattern": "^https://"}}');
    await add.getByLabel('Description').fill('Research over HTTPS only');
    await add.getByRole('button', { name: 'Add rule' }).click();
    const row = perms.getByRole('row', { name: /http\.request/ });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('researcher');
    expect(await row.textContent()).toContain('^https://');

    // A bad pattern is refused with the API's message.
    await add.getByLabel('Tool pattern').fill('Not A Tool!');
    await add.getByRole('button', { name: 'Add rule' }).click();
    await add.getByRole('alert').filter({ hasText: 'a tool name' }).waitFor(WAIT);

    await perms.getByRole('button', { name: 'Edit rule allow http.request' }).click();
    const edit = perms.getByRole('form', { name: 'Save rule' });
    await edit.getByLabel('Effect').selectOption('deny');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await perms.getByRole('button', { name: 'Remove rule deny http.request' }).waitFor(WAIT);
    await screenshot(page, 'tools');
    await perms.getByRole('button', { name: 'Remove rule deny http.request' }).click();
    await perms.getByText('No rules: the defaults apply.').waitFor(WAIT);

    // The audit log lists the three changes; filtering by an action keeps only those.
    const events = await s.api<{ items: Array<{ action: string; targetType: string }> }>(key, 'GET', '/v2/audit?limit=100');
    const permissionActions = [...new Set(events.items.filter((e) => e.targetType === 'tool_permission').map((e) => e.action))].sort();
    expect(permissionActions).toEqual(['tool_permission.create', 'tool_permission.delete', 'tool_permission.update']);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const list = page.getByRole('region', { name: /^Events/ });
    await list.locator('tr[data-action]').first().waitFor(WAIT);
    for (const action of permissionActions) expect(await list.locator(`tr[data-action="${action}"]`).count()).toBeGreaterThan(0);
    const chosen = permissionActions[0] as string;
    await page.getByRole('form', { name: 'Audit filters' }).getByLabel('Action').fill(chosen);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // Only rows of the chosen action remain.
    const deadline = Date.now() + WAIT.timeout;
    for (;;) {
      const all = await list.locator('tr[data-action]').count();
      if (all > 0 && all === (await list.locator(`tr[data-action="${chosen}"]`).count())) break;
      if (Date.now() > deadline) throw new Error(`the audit log still shows other actions than ${chosen}`);
      await page.waitForTimeout(100);
    }
    await screenshot(page, 'audit');

    // Pages: 12 more audited changes, 10 per page; the second page holds the older ones, and back.
    for (let i = 0; i < 12; i++) await s.api(key, 'POST', '/v2/brands', { identity: { name: `Audited ${i}` } });
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('Per page').selectOption('10');
    await list.getByRole('heading', { name: 'Events', exact: true }).waitFor(WAIT);
    const idsOf = async () => list.locator('tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
    await list.locator('tr[data-action="brand.create"]').first().waitFor(WAIT);
    const first = await idsOf();
    expect(first).toHaveLength(10);
    await page.getByRole('button', { name: 'Next page' }).click();
    await list.getByRole('heading', { name: 'Events, page 2' }).waitFor(WAIT);
    await list.locator(`tr[data-id]:not([data-id="${first[0] ?? ''}"])`).first().waitFor(WAIT);
    await list.locator(`tr[data-id="${first[0] ?? ''}"]`).waitFor({ state: 'detached', ...WAIT });
    const second = await idsOf();
    expect(second.length).toBeGreaterThanOrEqual(5);
    expect(second.some((row) => first.includes(row))).toBe(false);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await list.getByRole('heading', { name: 'Events', exact: true }).waitFor(WAIT);
  });
});
