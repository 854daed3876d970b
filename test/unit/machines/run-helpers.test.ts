/**
 * The run vocabulary the machines compute with (src/domain/run.ts): the retry backoff, the derived
 * StageRun ids and the attempt idempotency keys.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attemptKey, backoffDelay, stageRunId, type RetryPolicy } from '../../../src/domain/run.js';
import { retry } from './_plans.js';

const exponential = (initialMs: number, multiplier: number, maxMs: number): RetryPolicy =>
  retry(5, { type: 'exponential', initialMs, multiplier, maxMs });

describe('backoffDelay', () => {
  it('waits initialMs after every attempt with a fixed backoff', () => {
    const policy = retry(5, { type: 'fixed', initialMs: 1_500, maxMs: 60_000, multiplier: 3 });
    expect([1, 2, 3, 10].map((n) => backoffDelay(policy, n))).toEqual([1_500, 1_500, 1_500, 1_500]);
  });

  it('caps a fixed backoff at maxMs', () => {
    expect(backoffDelay(retry(2, { type: 'fixed', initialMs: 5_000, maxMs: 2_000 }), 1)).toBe(2_000);
  });

  it('grows an exponential backoff by the multiplier per attempt, from initialMs after attempt 1', () => {
    const policy = exponential(1_000, 2, 1_000_000);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('caps an exponential backoff at maxMs', () => {
    const policy = exponential(1_000, 2, 5_000);
    expect([1, 2, 3, 4, 20].map((n) => backoffDelay(policy, n))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('rounds to whole milliseconds', () => {
    const policy = exponential(100, 1.5, 10_000);
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n))).toEqual([100, 150, 225, 338]);
  });

  it('treats attempt 0 or less like attempt 1', () => {
    const policy = exponential(1_000, 2, 10_000);
    expect(backoffDelay(policy, 0)).toBe(1_000);
    expect(backoffDelay(policy, -3)).toBe(1_000);
  });

  it('stays finite (maxMs) however many attempts', () => {
    expect(backoffDelay(exponential(1_000, 10, 30_000), 10_000)).toBe(30_000);
  });

  it('keeps a multiplier of 1 constant', () => {
    expect([1, 5].map((n) => backoffDelay(exponential(700, 1, 10_000), n))).toEqual([700, 700]);
  });
});

describe('stageRunId', () => {
  const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  /** The same derivation, independently: SHA-256 of `runId/stageId/round`, version 8, RFC 9562 variant. */
  function expected(runId: string, stageId: string, round: number): string {
    const hex = createHash('sha256').update(`${runId}/${stageId}/${round}`, 'utf8').digest('hex').slice(0, 32);
    const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    const h = `${hex.slice(0, 12)}8${hex.slice(13, 16)}${variant}${hex.slice(17)}`;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  it('is a version-8 UUID with the RFC 9562 variant', () => {
    for (let round = 0; round < 64; round++) {
      expect(stageRunId('0190c0de-0000-7000-8000-000000000001', `stage-${round % 7}`, round)).toMatch(UUID_V8);
    }
  });

  it('is the SHA-256 of runId/stageId/round', () => {
    for (const [runId, stageId, round] of [['r1', 'draft', 0], ['r1', '$review', 3], ['run-ü', 'ünïcode', 1]] as const) {
      expect(stageRunId(runId, stageId, round)).toBe(expected(runId, stageId, round));
    }
  });

  it('is deterministic', () => {
    expect(stageRunId('r1', 'draft', 2)).toBe(stageRunId('r1', 'draft', 2));
  });

  it('differs by run, stage and round', () => {
    const ids = new Set([
      stageRunId('r1', 'draft', 0), stageRunId('r2', 'draft', 0), stageRunId('r1', 'edit', 0), stageRunId('r1', 'draft', 1),
      stageRunId('r1', '$review', 0), stageRunId('r1', '$review', 1),
    ]);
    expect(ids.size).toBe(6);
  });

  it('contains no ":" so it can prefix stage timer ids', () => {
    expect(stageRunId('r:1', 'a', 0)).not.toContain(':');
  });
});

describe('attemptKey', () => {
  it('is runId:stageRunId:attempt', () => {
    expect(attemptKey('r1', 'sr-1', 3)).toBe('r1:sr-1:3');
  });

  it('differs per attempt of a StageRun and per StageRun', () => {
    const sr0 = stageRunId('r1', 'a', 0);
    const sr1 = stageRunId('r1', 'a', 1);
    const keys = new Set([attemptKey('r1', sr0, 1), attemptKey('r1', sr0, 2), attemptKey('r1', sr1, 1)]);
    expect(keys.size).toBe(3);
  });
});
