import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, loadConfig } from '../../../src/config/env.js';

describe('configuration', () => {
  it('defaults to the embedded setup when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: './data', HOST: '127.0.0.1', MIGRATE_ON_START: false, LOG_LEVEL: 'info' });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable, what it expects and what it got', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', MIGRATE_ON_START: 'yes' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT: expected a port number (got "eighty")');
    expect(message).toContain('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    expect(message).toContain('MIGRATE_ON_START: expected true or false (got "yes")');
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('parses booleans and numbers', () => {
    expect(loadConfig({ MIGRATE_ON_START: 'true', PORT: '8080' })).toMatchObject({ MIGRATE_ON_START: true, PORT: 8080 });
  });

  it('.env.example documents every variable the schema reads', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(EnvSchema.shape).sort());
  });
});
