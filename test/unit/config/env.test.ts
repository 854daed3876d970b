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

  it('knowledge settings: defaults, and bad values named', () => {
    expect(loadConfig({})).toMatchObject({ EMBEDDINGS_DIMENSION: 384, KNOWLEDGE_MIN_QUALITY_SCORE: 0.7 });
    expect(loadConfig({ MILVUS_ADDRESS: 'localhost:19530', EMBEDDINGS_BASE_URL: 'http://localhost:11434/v1', EMBEDDINGS_DIMENSION: '1536' }))
      .toMatchObject({ MILVUS_ADDRESS: 'localhost:19530', EMBEDDINGS_DIMENSION: 1536 });
    expect(() => loadConfig({ KNOWLEDGE_MIN_QUALITY_SCORE: '1.5' })).toThrow('KNOWLEDGE_MIN_QUALITY_SCORE: expected a number from 0 to 1');
    expect(() => loadConfig({ EMBEDDINGS_DIMENSION: '3' })).toThrow('EMBEDDINGS_DIMENSION');
    expect(() => loadConfig({ MILVUS_ADDRESS: 'not an address' })).toThrow('MILVUS_ADDRESS: expected host:port');
    expect(() => loadConfig({ EMBEDDINGS_BASE_URL: 'nope' })).toThrow('EMBEDDINGS_BASE_URL');
  });

  it('.env.example documents every variable the schema reads', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(EnvSchema.shape).sort());
  });
});
