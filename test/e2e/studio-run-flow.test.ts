import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { markPage, screenshot, signIn, stillMarked, useStudioServer } from './studio-harness.js';

/**
 * The Studio end to end, in Chromium against the real server: a brand, a campaign and a task made
 * in the forms; a supervised run started from the task, followed live (stages, statechart, timeline)
 * while a reviewer elsewhere sends it back; a rework round with feedback from the Studio; approval;
 * the published artifact with its content and lineage; the feedback found by knowledge search.
 * Realtime updates are checked on a page that is never reloaded.
 */

const server = useStudioServer();
const WAIT = { timeout: 20_000 };

const heading = (page: Page) => page.getByRole('heading', { level: 1 });
async function waitForStatus(page: Page, status: string) {
  await page.locator(`h1 [data-status="${status}"]`).waitFor(WAIT);
}

describe('Studio: brand to approved artifact', () => {
  it('creates the records, runs the task supervised with live updates, reworks, approves and shows the artifact', async () => {
    const s = server.current;
    const { key } = await s.tenant('studio-flow');
    const page = await s.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, key);
    await screenshot(page, 'runs-empty');

    // Brand -> campaign -> task, through the Studio's forms.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Brands, campaigns and tasks' }).click();
    const newBrand = page.getByRole('form', { name: 'New brand' });
    await newBrand.getByLabel('Brand name').fill('Acme Outdoors');
    await newBrand.getByLabel('Tone of voice').fill('warm and practical');
    await newBrand.getByLabel('Banned terms (comma-separated)').fill('cheap, flimsy');
    await newBrand.getByRole('button', { name: 'Create brand' }).click();
    await heading(page).filter({ hasText: 'Acme Outdoors' }).waitFor(WAIT);

    await page.getByText('New campaign', { exact: true }).click();
    const newCampaign = page.getByRole('form', { name: 'New campaign' });
    await newCampaign.getByLabel('Campaign name').fill('Spring trails');
    await newCampaign.getByLabel('Channels (comma-separated)').fill('instagram');
    await newCampaign.getByLabel('Tone override').fill('energetic');
    await newCampaign.getByRole('button', { name: 'Create campaign' }).click();
    await heading(page).filter({ hasText: 'Spring trails' }).waitFor(WAIT);

    await page.getByText('New task', { exact: true }).click();
    const newTask = page.getByRole('form', { name: 'New task' });
    await newTask.getByLabel('Task name').fill('Launch post');
    await newTask.getByLabel('Deliverable type').selectOption('social_post');
    await newTask.getByLabel('Maximum words').fill('80');
    await newTask.getByRole('button', { name: 'Create task' }).click();
    await heading(page).filter({ hasText: 'Launch post' }).waitFor(WAIT);

    // The resolved context names where each field came from: the campaign overrode the brand's tone.
    const context = page.getByRole('region', { name: 'Resolved context' });
    const tone = context.getByRole('row', { name: /voice\.tone/ });
    await tone.getByText('campaign v1').waitFor(WAIT);
    expect(await tone.textContent()).toContain('energetic');
    expect(await tone.textContent()).toContain('overrides brand v1');
    expect(await context.getByRole('row', { name: /rules\.bannedTerms/ }).textContent()).toContain('brand v1');
    await screenshot(page, 'task');

    // Start a supervised run from the task; the run page opens and follows it to the approval.
    await page.getByRole('form', { name: 'Start a run' }).getByRole('button', { name: 'Start run' }).click();
    await heading(page).filter({ hasText: /^Run / }).waitFor(WAIT);
    const runId = /#\/runs\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';
    expect(runId).not.toBe('');
    await waitForStatus(page, 'waiting_approval');
    const stages = page.getByRole('region', { name: 'Stages' });
    await stages.getByRole('img', { name: 'edit-instagram: succeeded' }).waitFor(WAIT);
    expect(await stages.locator('tr[data-round="0"][data-status="succeeded"]').count()).toBeGreaterThanOrEqual(5);

    // The statechart highlights the state the run is in.
    const chart = page.getByRole('region', { name: 'Statechart' });
    const waiting = chart.getByRole('group', { name: /^state waiting_approval/ });
    await waiting.and(page.locator('[data-active="true"]')).waitFor(WAIT);
    expect(await waiting.getAttribute('aria-current')).toBe('step');
    expect(await chart.getByRole('group', { name: /^state running\b/ }).first().getAttribute('data-active')).toBe('false');
    await page.locator('[data-live="connected"]').waitFor(WAIT);
    await screenshot(page, 'run-waiting-approval');

    // Live: another reviewer sends it back through the API; this page, never reloaded, follows.
    await markPage(page);
    await s.api(key, 'POST', `/v2/runs/${runId}/request-rework`, { feedback: 'Mention the spring sale', stages: ['copy-instagram'] }, { 'idempotency-key': randomUUID() });
    await stages.locator('tr[data-stage="copy-instagram"][data-round="1"]').waitFor(WAIT);
    await page.getByRole('region', { name: 'Timeline' }).getByText('REQUEST_REWORK').waitFor(WAIT);
    await page.getByRole('region', { name: 'Timeline' }).getByText('“Mention the spring sale”').waitFor(WAIT);
    await stages.locator('tr[data-stage="edit-instagram"][data-round="1"][data-status="succeeded"]').waitFor(WAIT);
    await waitForStatus(page, 'waiting_approval');
    expect(await stillMarked(page)).toBe(true);

    // A rework round with feedback from the Studio.
    await page.getByRole('button', { name: 'Request rework…' }).click();
    const rework = page.getByRole('form', { name: 'Request rework' });
    await rework.getByLabel('Feedback for the rework').fill('Shorter, more energy');
    expect(await rework.getByRole('checkbox', { name: 'copy-instagram (content)' }).isChecked()).toBe(true);
    await rework.getByRole('button', { name: 'Send back for rework' }).click();
    await page.getByRole('status').filter({ hasText: 'Rework requested' }).waitFor(WAIT);
    await stages.locator('tr[data-stage="edit-instagram"][data-round="2"][data-status="succeeded"]').waitFor(WAIT);
    await waitForStatus(page, 'waiting_approval');
    await page.getByRole('region', { name: 'Timeline' }).getByText('“Shorter, more energy”').waitFor(WAIT);
    await screenshot(page, 'run-after-rework');

    // Approve: the run consolidates, completes, and its artifact appears.
    await page.getByLabel('Approval note (optional)').fill('Ship it');
    await page.getByRole('form', { name: 'Approve' }).getByRole('button', { name: 'Approve' }).click();
    await waitForStatus(page, 'completed');
    await chart.getByRole('group', { name: /^state completed/ }).and(page.locator('[data-active="true"]')).waitFor(WAIT);
    const artifacts = page.getByRole('region', { name: 'Artifacts' });
    const artifactLink = artifacts.getByRole('link').first();
    await artifactLink.waitFor(WAIT);
    expect(await stillMarked(page)).toBe(true);
    await screenshot(page, 'run-completed');

    await artifactLink.click();
    const content = page.getByLabel('content of version 1', { exact: true });
    await content.waitFor(WAIT);
    await screenshot(page, 'artifact');
    expect(await content.textContent()).toContain('# Launch post (instagram)');
    const lineage = page.getByLabel('lineage of version 1', { exact: true });
    expect(await lineage.textContent()).toContain(runId.slice(-8));
    expect(await lineage.textContent()).toContain('social_post');
    expect(await lineage.textContent()).toContain('offline draft');

    // What the run taught is searchable: the reviewers' feedback is in the brand's knowledge.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge search' }).click();
    const search = page.getByRole('form', { name: 'Knowledge search' });
    await search.getByLabel('Brand', { exact: true }).selectOption({ label: 'Acme Outdoors' });
    await search.getByLabel('Query').fill('mention the spring sale');
    await search.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('region', { name: 'Results' });
    const hit = results.getByRole('listitem').filter({ hasText: 'spring sale' }).first();
    await hit.waitFor(WAIT);
    expect(await hit.getAttribute('data-source')).toBe('feedback');
    expect(await hit.getByRole('link', { name: runId.slice(-8) }).count()).toBe(1);
    await screenshot(page, 'knowledge');
    expect(errors).toEqual([]);
  });

  it('shows a run started elsewhere on the runs list live, with its progress', async () => {
    const s = server.current;
    const { key } = await s.tenant('studio-list');
    const brand = await s.api<{ id: string }>(key, 'POST', '/v2/brands', { identity: { name: 'Northwind' }, voice: { tone: 'calm' } });
    const campaign = await s.api<{ id: string }>(key, 'POST', '/v2/campaigns', { brandId: brand.id, name: 'Autumn', channels: ['linkedin'] });
    const task = await s.api<{ id: string }>(key, 'POST', '/v2/tasks', { campaignId: campaign.id, name: 'Teaser', deliverableType: 'social_post' });
    const page = await s.newPage();
    await signIn(page, key);
    await page.getByText('No runs yet').waitFor(WAIT);
    await page.locator('[data-live="connected"]').waitFor(WAIT);
    await markPage(page);
    const run = await s.api<{ id: string }>(key, 'POST', '/v2/runs', { taskId: task.id, mode: 'autopilot' }, { 'idempotency-key': randomUUID() });
    const row = page.locator(`tr[data-run="${run.id}"]`);
    await row.waitFor(WAIT);
    await page.locator(`tr[data-run="${run.id}"][data-status="completed"]`).waitFor(WAIT);
    expect(await row.textContent()).toContain('Teaser');
    expect(await row.getByRole('progressbar').getAttribute('value')).toBe(await row.getByRole('progressbar').getAttribute('max'));
    expect(await stillMarked(page)).toBe(true);
    await screenshot(page, 'runs');
  });
});
