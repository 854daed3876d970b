import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CredentialError } from '../../contracts/tool-errors.js';
import type { CredentialProvider } from '../../persistence/entities/tool-governance.entity.js';

/** A credential reference as the resolver reads it (never a secret). */
export interface CredentialRefRecord {
  name: string;
  provider: CredentialProvider;
  ref: string;
}

/** Where secrets may come from. */
export interface CredentialSources {
  /** Environment variables a reference may name must start with this (default `VMP_SECRET_`). */
  envPrefix: string;
  /** Files a reference may name must lie in this directory (default `$DATA_DIR/credentials`). */
  dir: string;
  env?: NodeJS.ProcessEnv;
}

/** Checks a reference's target is allowed, without reading it; a sentence saying what is wrong, or null. */
export function credentialRefProblem(ref: { provider: CredentialProvider; ref: string }, sources: CredentialSources): string | null {
  if (ref.provider === 'env') {
    return /^[A-Z_][A-Z0-9_]*$/.test(ref.ref) && ref.ref.startsWith(sources.envPrefix)
      ? null : `an env reference must name a variable of upper-case letters, digits and "_" starting with ${sources.envPrefix}`;
  }
  const resolved = path.resolve(sources.dir, ref.ref);
  return resolved.startsWith(path.resolve(sources.dir) + path.sep)
    ? null : `a file reference must name a file inside the credentials directory (${sources.dir})`;
}

/**
 * Resolves a tenant's credential references at call time, and remembers every secret it handed
 * out so the executor can scrub them from anything it records ({@link Redactor}). Secrets are never
 * cached, stored or logged.
 */
export class CredentialResolver {
  constructor(private readonly sources: CredentialSources) {}

  /** The secret a reference names; {@link CredentialError} when the reference or the secret is missing. */
  async resolve(name: string, refs: readonly CredentialRefRecord[], redactor: Redactor): Promise<string> {
    const ref = refs.find((r) => r.name === name);
    if (!ref) throw new CredentialError(name, 'no credential reference of that name for this tenant');
    const problem = credentialRefProblem(ref, this.sources);
    if (problem) throw new CredentialError(name, problem);
    let secret: string | undefined;
    if (ref.provider === 'env') {
      secret = (this.sources.env ?? process.env)[ref.ref];
      if (!secret) throw new CredentialError(name, `environment variable ${ref.ref} is not set`);
    } else {
      try {
        secret = (await readFile(path.resolve(this.sources.dir, ref.ref), 'utf8')).trim();
      } catch {
        throw new CredentialError(name, `file ${ref.ref} cannot be read`);
      }
      if (!secret) throw new CredentialError(name, `file ${ref.ref} is empty`);
    }
    redactor.add(name, secret);
    return secret;
  }
}

/** Replaces the secrets handed out during a call by `[redacted:<name>]` in whatever gets recorded. */
export class Redactor {
  private readonly secrets = new Map<string, string>();

  add(name: string, secret: string): void {
    if (secret.length >= 4) this.secrets.set(secret, name);
  }

  get empty(): boolean {
    return this.secrets.size === 0;
  }

  /** A copy of a JSON-like value with every secret scrubbed from its strings (keys included). */
  redact<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return this.walk(value) as T;
  }

  /** The text with every secret scrubbed. */
  text(s: string): string {
    let out = s;
    for (const [secret, name] of this.secrets) out = out.split(secret).join(`[redacted:${name}]`);
    return out;
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k), this.walk(x)]));
    return v;
  }
}
