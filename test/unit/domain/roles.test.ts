import { describe, expect, it } from 'vitest';
import { ROLES, isRole, roleAllows, type Role } from '../../../src/domain/roles.js';

describe('roles', () => {
  it('are ordered from least to most privileged', () => {
    expect(ROLES).toEqual(['viewer', 'reviewer', 'operator', 'admin']);
  });

  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'reviewer', false],
    ['viewer', 'operator', false],
    ['viewer', 'admin', false],
    ['reviewer', 'viewer', true],
    ['reviewer', 'reviewer', true],
    ['reviewer', 'operator', false],
    ['reviewer', 'admin', false],
    ['operator', 'viewer', true],
    ['operator', 'reviewer', true],
    ['operator', 'operator', true],
    ['operator', 'admin', false],
    ['admin', 'viewer', true],
    ['admin', 'reviewer', true],
    ['admin', 'operator', true],
    ['admin', 'admin', true],
  ] as [Role, Role, boolean][])('a %s key may do what needs %s: %s', (have, need, allowed) => {
    expect(roleAllows(have, need)).toBe(allowed);
  });

  it('isRole accepts exactly the four roles', () => {
    for (const r of ROLES) expect(isRole(r)).toBe(true);
    for (const r of ['', 'Admin', 'owner', 'superadmin', ' admin']) expect(isRole(r)).toBe(false);
  });
});
