import { describe, expect, it } from 'vitest';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import { countWords, OFFLINE_MARKER } from '../../../src/providers/offline-text.js';
import type { CompletionResponse, OfflineBrief } from '../../../src/providers/provider.js';

const provider = new OfflineProvider();

const base: OfflineBrief = {
  role: 'copywriter',
  task: 'Launch post for the spring trails collection',
  deliverableType: 'social_post',
  channel: 'instagram',
  brand: 'Acme Outdoors',
  tone: 'warm and practical',
  audience: 'weekend hikers',
  objectives: ['Drive pre-orders', 'Grow the newsletter'],
  mustInclude: ['Free shipping over $50', '#SpringTrails'],
  avoid: ['cheap', 'best'],
  maxWords: 60,
  retrieved: ['Our boots are the best and cheapest around. Every pair is resoled for free for five years.'],
};

async function run(brief: Partial<OfflineBrief>, model = 'offline'): Promise<CompletionResponse> {
  return provider.complete({ model, messages: [{ role: 'user', content: 'Write it.' }], brief: { ...base, ...brief } });
}

async function write(brief: Partial<OfflineBrief>): Promise<string> {
  return (await run(brief)).content;
}

function expectGuarantees(text: string, brief: OfflineBrief): void {
  for (const phrase of brief.mustInclude ?? []) expect(text, `must include ${phrase}`).toContain(phrase);
  for (const term of brief.avoid ?? []) expect(text.toLowerCase(), `must avoid ${term}`).not.toContain(term.toLowerCase());
  if (brief.maxWords !== undefined) expect(countWords(text), text).toBeLessThanOrEqual(brief.maxWords);
  if (brief.channel === 'x' || brief.channel === 'twitter') expect(text.length, text).toBeLessThanOrEqual(280);
  expect(text.split('\n').at(-1)).toBe(OFFLINE_MARKER);
}

describe('OfflineProvider: the response', () => {
  it('is marked offline, free, without tool calls, with usage estimated from characters', async () => {
    const res = await run({});
    expect(res).toMatchObject({ provider: 'offline', model: 'offline', offline: true, costUsd: 0, toolCalls: [], finishReason: 'stop' });
    expect(res.usage).toEqual({ inputTokens: Math.ceil('Write it.'.length / 4), outputTokens: Math.ceil(res.content.length / 4) });
  });

  it('gives the same output for the same request, whatever the key order of the brief', async () => {
    const a = await write({});
    const b = await write({});
    const reordered = Object.fromEntries(Object.entries({ ...base }).reverse()) as unknown as OfflineBrief;
    const c = (await provider.complete({ model: 'offline', messages: [{ role: 'user', content: 'Write it.' }], brief: reordered })).content;
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('marks every role offline', async () => {
    for (const role of ['strategist', 'researcher', 'audience', 'copywriter', 'editor', 'judge', 'legal-review']) {
      expect(await write({ role }), role).toContain(OFFLINE_MARKER);
    }
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(provider.complete({ model: 'offline', messages: [], brief: base, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('answers without a brief from the last user message', async () => {
    const res = await provider.complete({ model: 'offline', messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'Tell me about trail shoes.' }] });
    expect(res.content.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(res.content).toContain('Tell me about trail shoes.');
    const again = await provider.complete({ model: 'offline', messages: [{ role: 'user', content: 'Tell me about trail shoes.' }] });
    expect(again.content).toBe(res.content);
  });
});

describe('OfflineProvider: copywriter', () => {
  it('writes a draft with the brand, the tone and every required phrase, and no banned term', async () => {
    const text = await write({});
    expectGuarantees(text, base);
    expect(text).toContain('Acme Outdoors');
    expect(text).toContain('warm and practical');
  });

  it('keeps the guarantees across channels, deliverables and budgets', async () => {
    const channels = ['instagram', 'x', 'twitter', 'email', 'linkedin', 'blog', undefined];
    const budgets = [12, 25, 40, 200, undefined];
    for (const channel of channels) {
      for (const maxWords of budgets) {
        for (const feedback of [undefined, ['Shorter, and never say best']]) {
          const brief: OfflineBrief = { ...base, ...(channel ? { channel } : { channel: undefined }), maxWords, feedback, deliverableType: channel === 'email' ? 'email' : channel === 'blog' ? 'article' : 'social_post' };
          expectGuarantees(await write(brief), brief);
        }
      }
    }
  });

  it('stays within 280 characters on x and carries the hashtags', async () => {
    const brief = { channel: 'x', maxWords: undefined, mustInclude: ['#SpringTrails', '#AcmeHikes', 'Pre-order today'], objectives: ['A very long objective that goes on and on about the many benefits of the spring trail collection for weekend hikers everywhere'] };
    const text = await write(brief);
    expect(text.length).toBeLessThanOrEqual(280);
    expect(text).toContain('#SpringTrails');
    expect(text).toContain('#AcmeHikes');
    expect(text).toContain('Pre-order today');
  });

  it('removes banned terms woven in from upstream plans and retrieved text, ignoring case', async () => {
    const text = await write({
      avoid: ['Cheap', 'BEST', 'guarantee'],
      upstream: ['Key messages:\n- The best boots for the cheapest price.\n- Built to last a lifetime, GUARANTEED.\n- Resoled for free for five years.'],
      retrieved: ['Cheap thrills guaranteed. Best in class.'],
      maxWords: undefined,
    });
    expectGuarantees(text, { ...base, avoid: ['cheap', 'best', 'guarantee'] });
    expect(text).toContain('Resoled for free for five years.');
  });

  it('keeps a required phrase even when it contains a banned term', async () => {
    const text = await write({ mustInclude: ['Best Trail Deal'], avoid: ['best'] });
    expect(text).toContain('Best Trail Deal');
    expect(text.replace('Best Trail Deal', '').toLowerCase()).not.toContain('best');
  });

  it('counts the marker line in maxWords', async () => {
    const text = await write({ maxWords: 10, mustInclude: ['Free shipping'] });
    expect(countWords(text)).toBeLessThanOrEqual(10);
    expect(text).toContain('Free shipping');
    expect(text.endsWith(`\n${OFFLINE_MARKER}`)).toBe(true);
  });

  it('visibly reworks the draft on feedback, and differently per round', async () => {
    const first = await write({});
    const round1 = await write({ feedback: ['Make it more energetic'] });
    const round2 = await write({ feedback: ['Make it more energetic', 'Mention the newsletter'] });
    expect(round1).not.toBe(first);
    expect(round1).toContain('Make it more energetic');
    expect(round1).toContain('!');
    expect(round2).not.toBe(round1);
    expect(round2).toContain('Mention the newsletter');
  });

  it('makes the draft shorter on "shorter" feedback', async () => {
    const brief = { channel: 'email', deliverableType: 'email', maxWords: undefined };
    const first = await write(brief);
    const shorter = await write({ ...brief, feedback: ['Too long, make it shorter'] });
    expect(countWords(shorter)).toBeLessThan(countWords(first));
    expectGuarantees(shorter, { ...base, ...brief });
  });

  it('weaves in the key messages of the strategist plan', async () => {
    const plan = await write({ role: 'strategist' });
    const draft = await write({ upstream: [plan], maxWords: undefined });
    expect(draft).toContain('Acme Outdoors is made for weekend hikers.');
  });
});

describe('OfflineProvider: editor', () => {
  it('polishes the last upstream draft with the same guarantees', async () => {
    const draft = 'hello weekend hikers!!  our BEST boots are back..\nThey are cheap and cheerful.\nSpring is here.';
    const text = await write({ role: 'editor', upstream: ['an older plan', draft] });
    expectGuarantees(text, base);
    expect(text).toContain('Hello weekend hikers!');
    expect(text).toContain('Spring is here.');
    expect(text).not.toContain('!!');
  });

  it('trims the draft to maxWords and keeps the required phrases', async () => {
    const long = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} about the trails.`).join('\n');
    const text = await write({ role: 'editor', upstream: [long], maxWords: 20 });
    expectGuarantees(text, { ...base, maxWords: 20 });
  });

  it('does not repeat the offline marker of the draft it edits', async () => {
    const draft = await write({});
    const edited = await write({ role: 'editor', upstream: [draft] });
    expect(edited.split(OFFLINE_MARKER)).toHaveLength(2);
    expectGuarantees(edited, base);
  });

  it('changes the edit on feedback', async () => {
    const draft = await write({});
    const plain = await write({ role: 'editor', upstream: [draft] });
    const reworked = await write({ role: 'editor', upstream: [draft], feedback: ['More formal please'] });
    expect(reworked).not.toBe(plain);
    expect(reworked).toContain('More formal please');
  });
});

describe('OfflineProvider: notes and verdicts', () => {
  it('strategist writes a plan with key messages and no banned term', async () => {
    const plan = await write({ role: 'strategist' });
    expect(plan.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(plan).toContain('Key messages:');
    expect(plan).toMatch(/^- /m);
    expect(plan.toLowerCase()).not.toMatch(/cheap|best/);
  });

  it('researcher summarises the retrieved material, or says none was found', async () => {
    const found = await write({ role: 'researcher', retrieved: ['Trail use grew 20% in 2025. More.', 'Hikers value durability.'] });
    expect(found).toContain('2 retrieved sources');
    expect(found).toContain('Trail use grew 20% in 2025.');
    expect(found).toContain('Hikers value durability.');
    const none = await write({ role: 'researcher', retrieved: [] });
    expect(none).toContain('No retrieved material was found');
  });

  it('audience describes the audience', async () => {
    const insights = await write({ role: 'audience' });
    expect(insights).toContain('weekend hikers');
    expect(insights).toContain('warm and practical');
  });

  it('judge returns JSON with a score from 0 to 1 that rewards a compliant draft', async () => {
    const good = await write({});
    const goodVerdict = JSON.parse(await write({ role: 'judge', upstream: [good] })) as { score: number; rationale: string };
    const badVerdict = JSON.parse(await write({ role: 'judge', upstream: ['Cheap boots, best prices! '.repeat(20)] })) as { score: number; rationale: string };
    expect(goodVerdict.score).toBe(1);
    expect(badVerdict.score).toBeGreaterThanOrEqual(0);
    expect(badVerdict.score).toBeLessThan(goodVerdict.score);
    expect(goodVerdict.rationale.startsWith(OFFLINE_MARKER)).toBe(true);
    expect(badVerdict.rationale.toLowerCase()).not.toMatch(/cheap|best/);
    expect(JSON.parse(await write({ role: 'judge', upstream: [] }))).toMatchObject({ score: 0 });
  });

  it('any other role gets generic notes on the task', async () => {
    const notes = await write({ role: 'legal-review' });
    expect(notes).toContain('Legal-review notes for Acme Outdoors');
    expect(notes).toContain(base.task);
  });
});
