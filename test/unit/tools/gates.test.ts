import { describe, expect, it } from 'vitest';
import { brandBrief, type BrandBrief } from '../../../src/tools/agents/brand-brief.js';
import { checkCompliance, copyText, DEFAULT_RISKY_CLAIMS, type GateIssue } from '../../../src/tools/gates/brand-compliance.gate.js';
import { channelRule, hashtags, wordCount } from '../../../src/tools/gates/channel-rules.js';
import { heuristicScore, parseJudgeAnswer } from '../../../src/tools/gates/quality-score.js';

/** A resolved context as the run engine hands it to the gates (Brand -> Campaign -> Task). */
function context(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    identity: { name: 'Acme Outdoors' },
    voice: { tone: 'warm and practical', preferredTerms: ['trail-ready'], avoidTerms: ['synergy'] },
    positioning: { statement: 'Gear that lasts', audience: 'weekend hikers' },
    rules: { bannedTerms: ['cheap'], requiredDisclaimers: ['Prices valid while stocks last.'] },
    objectives: ['Drive pre-orders'],
    task: { name: 'Launch post' },
    deliverableType: 'social_post',
    specs: { lengthWords: { min: 10, max: 40 }, callToAction: 'Shop now' },
    ...over,
  };
}

const brief = (over: Record<string, unknown> = {}): BrandBrief => brandBrief(context(over));

/** 20 words, names the brand, the CTA and the preferred term, three short sentences. */
const GOOD = 'Acme Outdoors makes trail-ready boots for weekend hikers. They last for years on rocky paths. Shop now and walk further.';
const COMPLIANT = `${GOOD} Prices valid while stocks last.`;

const checks = (issues: GateIssue[]) => issues.map((i) => `${i.severity}:${i.check}`);
const errors = (issues: GateIssue[]) => issues.filter((i) => i.severity === 'error');

describe('channel rules', () => {
  it('knows channel limits case-insensitively and has a default for unknown channels', () => {
    expect(channelRule('X')).toMatchObject({ maxChars: 280, maxHashtags: 3 });
    expect(channelRule('email')).toMatchObject({ maxChars: null, maxHashtags: 0 });
    expect(channelRule('carrier-pigeon')).toEqual({ maxChars: null, maxHashtags: 10, defaultMaxWords: 200 });
    expect(channelRule(null).maxHashtags).toBe(10);
  });

  it('counts hashtags (not inside words) and words', () => {
    expect(hashtags('#trail day#two #hike_2 and #Über')).toEqual(['#trail', '#hike_2', '#Über']);
    expect(wordCount('  one two\n three  ')).toBe(3);
    expect(wordCount('')).toBe(0);
  });
});

describe('brand compliance gate', () => {
  it('passes a compliant draft', () => {
    expect(checkCompliance(COMPLIANT, brief(), 'instagram')).toEqual([]);
  });

  it('finds a banned term whatever its case, as a whole word only', () => {
    for (const text of ['Cheap boots that last.', 'Boots, not CHEAP ones.', 'Never cheap!']) {
      const issues = checkCompliance(`${text} ${COMPLIANT}`, brief(), 'instagram');
      expect(checks(issues)).toEqual(['error:banned_term']);
      expect(issues[0]?.message).toBe('uses the banned term "cheap"');
    }
    for (const text of ['The cheapest way up.', 'No cheapskates here.', 'Acme outlasts cheaply made gear.']) {
      expect(checkCompliance(`${text} ${COMPLIANT}`, brief(), 'instagram')).toEqual([]);
    }
  });

  it('matches a banned phrase with spaces and regex characters literally', () => {
    const b = brief({ rules: { bannedTerms: ['low cost', 'c++ grade', 'a.b'], requiredDisclaimers: [] } });
    expect(checks(checkCompliance(`${GOOD} Low  cost? No, LOW COST gear.`, b, null))).toEqual(['error:banned_term']);
    expect(checks(checkCompliance(`${GOOD} Made to c++ grade.`, b, null))).toEqual(['error:banned_term']);
    expect(checkCompliance(`${GOOD} Not axb at all.`, b, null)).toEqual([]);
  });

  it('reports an avoided term as a warning only', () => {
    const issues = checkCompliance(`${COMPLIANT} Pure Synergy.`, brief(), 'instagram');
    expect(checks(issues)).toEqual(['warning:avoided_term']);
    expect(issues[0]?.message).toContain('"synergy"');
    expect(errors(issues)).toEqual([]);
  });

  it('requires every disclaimer verbatim (case-insensitive)', () => {
    const missing = checkCompliance(GOOD, brief(), 'instagram');
    expect(checks(missing)).toEqual(['error:disclaimer']);
    expect(missing[0]?.message).toBe('misses the required disclaimer "Prices valid while stocks last."');
    expect(checkCompliance(`${GOOD} PRICES VALID WHILE STOCKS LAST.`, brief(), 'instagram')).toEqual([]);
    const two = brief({ rules: { requiredDisclaimers: ['Terms apply.', 'Prices valid while stocks last.'] } });
    expect(checks(checkCompliance(COMPLIANT, two, 'instagram'))).toEqual(['error:disclaimer']);
  });

  it('flags risky absolute claims, and uses the template\'s list when given', () => {
    const issues = checkCompliance(`${COMPLIANT} Guaranteed to be the #1 boot, 100% safe.`, brief(), 'instagram');
    expect(issues.filter((i) => i.check === 'claim').map((i) => i.message)).toEqual([
      'makes the unsubstantiated claim "guaranteed"', 'makes the unsubstantiated claim "100% safe"', 'makes the unsubstantiated claim "#1"',
    ]);
    expect(DEFAULT_RISKY_CLAIMS).toContain('miracle');
    expect(checkCompliance(`${COMPLIANT} We were #10 last year.`, brief(), 'instagram')).toEqual([]);
    expect(checkCompliance(`${COMPLIANT} Guaranteed fun.`, brief(), 'instagram', [])).toEqual([]);
    expect(checks(checkCompliance(`${COMPLIANT} Award winning.`, brief(), 'instagram', ['award winning']))).toEqual(['error:claim']);
  });

  it('caps x at 280 characters (other channels have their own cap or none)', () => {
    const b = brief({ specs: {} });
    const long = `${COMPLIANT} ${'Boots for every trail and every weather. '.repeat(6)}`.trim();
    expect(long.length).toBeGreaterThan(280);
    const issues = checkCompliance(long, b, 'x');
    expect(checks(issues)).toEqual(['error:length']);
    expect(issues[0]?.message).toBe(`is ${long.length} characters; x allows 280`);
    expect(checkCompliance(long, b, 'linkedin')).toEqual([]);
    expect(checkCompliance(long.slice(0, 280), b, 'x').filter((i) => i.check === 'length')).toEqual([]);
  });

  it('refuses more hashtags than the channel allows', () => {
    const tags = '#hike #trail #boots #outdoors';
    const issues = checkCompliance(`${COMPLIANT} ${tags}`, brief(), 'x');
    expect(checks(issues)).toEqual(['error:hashtags']);
    expect(issues[0]?.message).toBe('has 4 hashtags; x allows 3');
    expect(checkCompliance(`${COMPLIANT} ${tags}`, brief(), 'instagram')).toEqual([]);
    expect(checks(checkCompliance(`${COMPLIANT} #hike`, brief(), 'email'))).toEqual(['error:hashtags']);
  });

  it('holds the task\'s word range, both ends', () => {
    const short = checkCompliance('Acme Outdoors. Prices valid while stocks last.', brief(), 'instagram');
    expect(short.map((i) => i.message)).toEqual(['is 7 words; the task asks for at least 10']);
    const long = checkCompliance(`${COMPLIANT} ${'Walk on. '.repeat(10)}`, brief(), 'instagram');
    expect(long.map((i) => i.message)).toEqual(['is 45 words; the task allows at most 40']);
    expect(checkCompliance(`${COMPLIANT} ${'Walk on. '.repeat(10)}`, brief({ specs: { lengthWords: { min: 10 } } }), 'instagram')).toEqual([]);
    expect(checkCompliance('Acme Outdoors. Prices valid while stocks last.', brief({ specs: { lengthWords: { max: 40 } } }), 'instagram')).toEqual([]);
  });

  it('fails an empty draft with a single issue', () => {
    for (const draft of ['', '   \n  ', '[offline draft]', '\n[offline draft]\n']) {
      expect(checkCompliance(draft, brief(), 'x')).toEqual([{ check: 'empty', severity: 'error', message: 'the draft is empty' }]);
    }
  });

  it('ignores the offline marker line (it is not part of the copy)', () => {
    // 40 words of copy exactly: the marker's 2 words must not push it over the task's maximum.
    const forty = `${COMPLIANT} ${'Walk on. '.repeat(7)}Go.`;
    expect(wordCount(forty)).toBe(40);
    expect(checkCompliance(`${forty}\n[offline draft]`, brief(), 'instagram')).toEqual([]);
    expect(checkCompliance(`[offline draft]\n${forty}`, brief(), 'instagram')).toEqual([]);
    expect(copyText(`${GOOD}\n  [offline draft]  \n`)).toBe(GOOD);
    // Only a line that is the marker alone is dropped.
    expect(copyText('An [offline draft] mention')).toBe('An [offline draft] mention');
  });

  it('reports every problem of a bad draft at once', () => {
    const draft = 'Cheap! Guaranteed! #a #b #c #d';
    expect(checks(checkCompliance(draft, brief(), 'x'))).toEqual(['error:banned_term', 'error:disclaimer', 'error:claim', 'error:hashtags', 'error:length']);
  });
});

describe('heuristic quality score', () => {
  it('is deterministic and gives 1 to a draft meeting every criterion', () => {
    const a = heuristicScore(COMPLIANT, brief(), 'instagram');
    expect(a).toEqual({ score: 1, rationale: 'heuristic: meets every criterion', scorer: 'heuristic' });
    expect(heuristicScore(COMPLIANT, brief(), 'instagram')).toEqual(a);
    const bad = `${GOOD} Synergy.`;
    expect(heuristicScore(bad, brief(), 'instagram')).toEqual(heuristicScore(bad, brief(), 'instagram'));
  });

  it('moves by each criterion\'s weight and names what was missed', () => {
    const cases: Array<[string, string, number]> = [
      ['length fits', 'Acme Outdoors, trail-ready. Shop now.', 0.3],
      ['names the brand', GOOD.replace('Acme Outdoors', 'We'), 0.15],
      ['has the call to action', GOOD.replace('Shop now and walk', 'Walk'), 0.15],
      ['readable sentences', `${'far '.repeat(8)}${GOOD.replace(/\. /g, ' and ')}`, 0.2],
      ['uses preferred terms', GOOD.replace('trail-ready ', ''), 0.1],
      ['no avoided terms', `${GOOD} Synergy on every trail.`, 0.1],
    ];
    for (const [criterion, draft, weight] of cases) {
      const s = heuristicScore(draft, brief(), 'instagram');
      expect(s.score, criterion).toBeCloseTo(1 - weight, 10);
      expect(s.rationale, criterion).toBe(`heuristic: missed ${criterion}`);
    }
    const none = heuristicScore('Synergy '.repeat(50), brief(), 'instagram');
    expect(none.score).toBe(0);
    expect(none.rationale).toBe('heuristic: missed length fits, names the brand, has the call to action, readable sentences, uses preferred terms, no avoided terms');
  });

  it('without a task call to action, accepts a common action verb; without a length, uses the channel\'s', () => {
    const b = brief({ specs: {} });
    expect(heuristicScore(GOOD, b, 'instagram').score).toBe(1);
    expect(heuristicScore(GOOD.replace('Shop now and walk', 'Walk'), b, 'instagram').rationale).toBe('heuristic: missed has the call to action');
    // x: 45 words by default, so up to 90 words fit; fewer than 8 words do not.
    expect(heuristicScore(`${GOOD} ${'Walk on. '.repeat(35)}`, b, 'x').score).toBe(1);
    expect(heuristicScore(`${GOOD} ${'Walk on. '.repeat(36)}`, b, 'x').rationale).toBe('heuristic: missed length fits');
    expect(heuristicScore('Acme Outdoors trail-ready. Shop.', b, 'x').rationale).toBe('heuristic: missed length fits');
  });

  it('ignores the offline marker line', () => {
    expect(heuristicScore(`${GOOD}\n[offline draft]`, brief(), 'instagram')).toEqual(heuristicScore(GOOD, brief(), 'instagram'));
  });
});

describe('parseJudgeAnswer', () => {
  it('reads the JSON answer, also inside prose or a code fence', () => {
    expect(parseJudgeAnswer('{"score": 0.8, "criteria": {"clarity": 0.9}, "rationale": "Clear."}'))
      .toEqual({ score: 0.8, rationale: 'Clear.', criteria: { clarity: 0.9 } });
    expect(parseJudgeAnswer('Here is my verdict:\n```json\n{"score": 0.55, "rationale": "Thin."}\n```\nHope it helps.'))
      .toEqual({ score: 0.55, rationale: 'Thin.', criteria: {} });
  });

  it('accepts a numeric string score and the bounds 0 and 1; no rationale is empty', () => {
    expect(parseJudgeAnswer('{"score": "0.7"}')).toEqual({ score: 0.7, rationale: '', criteria: {} });
    expect(parseJudgeAnswer('{"score": 0}')?.score).toBe(0);
    expect(parseJudgeAnswer('{"score": 1, "rationale": 5}')).toEqual({ score: 1, rationale: '', criteria: {} });
  });

  it('keeps criteria scores in 0..1 and drops the others', () => {
    const parsed = parseJudgeAnswer('{"score": 0.6, "criteria": {"clarity": 0.9, "tone": 1.5, "fit": -0.1, "cta": "high", "brand": 0, "voice": 1}}');
    expect(parsed?.criteria).toEqual({ clarity: 0.9, brand: 0, voice: 1 });
    expect(parseJudgeAnswer('{"score": 0.6, "criteria": "all good"}')?.criteria).toEqual({});
  });

  it('is null without a valid overall score', () => {
    for (const answer of [
      '{"score": 1.2}', '{"score": -0.1}', '{"score": "high"}', '{"rationale": "no score"}',
      '{"score": null}', '{"score": ""}', '{"score": true}', '{"score": [0.5]}',
    ]) {
      expect(parseJudgeAnswer(answer), answer).toBeNull();
    }
  });

  it('is null for garbage', () => {
    for (const answer of ['', 'I think it is great, 9/10.', '{score: 0.8}', '{"score": 0.8', '}{']) {
      expect(parseJudgeAnswer(answer), answer).toBeNull();
    }
  });
});
