import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1');

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v), 'expected a postgres:// or postgresql:// URL');

/**
 * Every environment variable the platform reads, with its default. `.env.example` documents the
 * same list; a test keeps the two in step.
 */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number({ message: 'expected a port number' }).int('expected an integer').min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  MIGRATE_ON_START: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().refine((v) => /^rediss?:\/\/[^\s]+$/.test(v), 'expected a redis:// or rediss:// URL').optional(),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, "-" or "_", at most 40').default('vmp'),
  RUN_HOST_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "-" or "_"').optional(),
  STAGE_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(32),
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ message: 'expected an http(s) URL such as http://localhost:11434/v1' }).optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url({ message: 'expected an http(s) URL' }).optional(),
  LLM_ROUTES: z.string().max(2000).optional(),
  LLM_STREAM: bool.default(false),
  AGENT_MAX_STEPS: z.coerce.number().int().min(1).max(50).default(6),
  AGENT_MAX_COST_USD: z.coerce.number().min(0).max(1000).default(0.5),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ENDPOINT: z.url({ message: 'expected an http(s) URL' }).optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  S3_REGION: z.string().min(1).max(64).optional(),
  S3_PREFIX: z.string().max(200).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  PLUGINS_DIR: z.string().min(1).optional(),
  PLUGINS: z.string().regex(/^[@a-z0-9._/-]+(,[@a-z0-9._/-]+)*$/, 'comma-separated npm package names').optional(),
  MCP_SERVERS_FILE: z.string().min(1).optional(),
  CREDENTIALS_DIR: z.string().min(1).optional(),
  CREDENTIAL_ENV_PREFIX: z.string().regex(/^[A-Z][A-Z0-9_]{2,40}$/, 'upper-case letters, digits and "_", e.g. VMP_SECRET_').default('VMP_SECRET_'),
  EMBEDDINGS_BASE_URL: z.url({ message: 'expected an http(s) URL of an OpenAI-compatible API, such as https://api.openai.com/v1' }).optional(),
  EMBEDDINGS_API_KEY: z.string().min(1).optional(),
  EMBEDDINGS_MODEL: z.string().min(1).max(200).optional(),
  EMBEDDINGS_DIMENSION: z.coerce.number({ message: 'expected a whole number of dimensions' }).int('expected a whole number').min(8).max(8192).default(384),
  MILVUS_ADDRESS: z.string().regex(/^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, 'expected host:port or an http(s):// endpoint, such as localhost:19530').optional(),
  MILVUS_TOKEN: z.string().min(1).optional(),
  MILVUS_COLLECTION: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'letters, digits and "_", starting with a letter or "_"').optional(),
  KNOWLEDGE_MIN_QUALITY_SCORE: z.coerce.number({ message: 'expected a number from 0 to 1' }).min(0, 'expected a number from 0 to 1').max(1, 'expected a number from 0 to 1').default(0.7),
  KNOWLEDGE_DIR: z.string().min(1).optional(),
}).superRefine((env, ctx) => {
  if (env.S3_BUCKET === undefined && (env.S3_ENDPOINT || env.S3_PREFIX)) {
    ctx.addIssue({ code: 'custom', path: [env.S3_ENDPOINT ? 'S3_ENDPOINT' : 'S3_PREFIX'], message: 'set S3_BUCKET too (without it artifacts go to the filesystem under DATA_DIR/artifacts)' });
  }
  if (env.REDIS_URL && !env.DATABASE_URL) {
    ctx.addIssue({
      code: 'custom', path: ['REDIS_URL'],
      message: 'set DATABASE_URL too: with REDIS_URL, workers run in other processes and the embedded database serves one process only',
    });
  }
});

/** Every variable name the schema reads. */
export const ENV_KEYS = EnvSchema.shape;

/** The validated configuration. */
export type Config = z.output<typeof EnvSchema>;

/** Raised when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration. Empty strings count as unset, so `DATABASE_URL=` in a
 * .env file means "embedded". Only src/main calls this; everything else receives values.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(ENV_KEYS)
      .map((k) => [k, env[k]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '?');
        const raw = relevant[key];
        return `${key}: ${i.message}${raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`}`;
      }),
    );
  }
  return parsed.data;
}
