import { describe, expect, it } from 'vitest';
import { DEFAULT_PROJECT_NAME, ProjectData, TenantName } from '../../../src/domain/tenant.js';

describe('TenantName', () => {
  it('accepts 2–63 lower-case letters, digits and dashes starting with a letter or digit', () => {
    for (const n of ['acme', 'a1', '9-lives', `a${'b'.repeat(62)}`]) expect(TenantName.safeParse(n).success).toBe(true);
  });

  it('refuses other names', () => {
    for (const n of ['a', '-acme', 'Acme', 'acme_co', 'acme co', `a${'b'.repeat(63)}`, '']) expect(TenantName.safeParse(n).success).toBe(false);
  });
});

describe('ProjectData', () => {
  it('needs a trimmed name of 1–200 characters and has an optional description', () => {
    expect(ProjectData.parse({ name: ' Web ', description: ' Site ' })).toEqual({ name: 'Web', description: 'Site' });
    expect(ProjectData.safeParse({ name: ' ' }).success).toBe(false);
    expect(ProjectData.safeParse({ name: 'x'.repeat(201) }).success).toBe(false);
    expect(ProjectData.safeParse({ name: 'x', owner: 'y' }).success).toBe(false);
  });

  it('names the default project "Default"', () => {
    expect(DEFAULT_PROJECT_NAME).toBe('Default');
  });
});
