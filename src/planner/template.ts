import { z } from 'zod';

/** A JSON value a condition compares with. */
const Scalar = z.union([z.string().max(200), z.number(), z.boolean()]);

/** A condition over the resolved context, e.g. `{ "path": "channels", "includes": "instagram" }`. */
export type Condition =
  | { path: string; includes: string | number | boolean }
  | { path: string; equals: string | number | boolean | null }
  | { path: string; exists: boolean }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const Path = z.string().min(1).max(100).regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'a dot path such as "channels" or "voice.tone"');

/** Schema of {@link Condition}. */
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ path: Path, includes: Scalar }),
    z.strictObject({ path: Path, equals: Scalar.nullable() }),
    z.strictObject({ path: Path, exists: z.boolean() }),
    z.strictObject({ all: z.array(ConditionSchema).min(1).max(20) }),
    z.strictObject({ any: z.array(ConditionSchema).min(1).max(20) }),
    z.strictObject({ not: ConditionSchema }),
  ]),
);

/** Retry policy of a stage template; defaults: 3 attempts, exponential from 1 s up to 30 s. */
export const RetrySchema = z.strictObject({
  maxAttempts: z.int().min(1).max(20).default(3),
  backoff: z
    .strictObject({
      type: z.enum(['fixed', 'exponential']).default('exponential'),
      initialMs: z.int().min(0).max(3_600_000).default(1000),
      maxMs: z.int().min(0).max(86_400_000).default(30_000),
      multiplier: z.number().min(1).max(10).default(2),
    })
    .prefault({}),
});

const Kind = z.string().min(1).max(100).regex(/^[a-z][a-z0-9_.-]*$/, 'a handler kind such as "echo" or "copywriter.draft"');
const StageId = z.string().min(1).max(64).regex(/^[a-z][a-z0-9_-]*$/, 'a stage id: lower-case letters, digits, "-" and "_"');

/** One stage of a template. */
export const StageTemplateSchema = z.strictObject({
  id: StageId,
  kind: Kind,
  dependsOn: z.array(z.string().max(64)).max(50).default([]),
  /** Run the stage only when this condition holds over the resolved context. */
  when: ConditionSchema.optional(),
  retry: RetrySchema.prefault({}),
  /** Time allowed per attempt; null (default) for none. */
  timeoutMs: z.int().min(1).max(86_400_000).nullable().default(null),
  /** Handler kind tried once the retries are spent. */
  fallback: Kind.optional(),
  /** Re-run by default when a reviewer asks for rework. */
  content: z.boolean().default(false),
  params: z.record(z.string().max(64), z.unknown()).default({}),
});

/** A system step (review, consolidate, learn): which handler runs it. */
const SystemStepSchema = z.strictObject({
  kind: Kind,
  retry: RetrySchema.prefault({}),
  timeoutMs: z.int().min(1).max(86_400_000).nullable().default(null),
  fallback: Kind.optional(),
  params: z.record(z.string().max(64), z.unknown()).default({}),
});

/**
 * A workflow template: declarative, versioned data. Stages form a DAG through `dependsOn`; `when`
 * conditions are decided at planning time over the resolved context; review, consolidation and
 * learning are the system steps every run ends with (consolidation and learning may be left out
 * with null).
 */
export const WorkflowTemplateSchema = z.strictObject({
  name: z.string().min(1).max(100).regex(/^[a-z][a-z0-9_-]*$/, 'a template name: lower-case letters, digits, "-" and "_"'),
  version: z.int().min(1).max(1_000_000),
  description: z.string().max(2000).default(''),
  stages: z.array(StageTemplateSchema).min(1).max(200),
  review: SystemStepSchema,
  /** Packaging approved output; null for a workflow without a consolidation step. */
  consolidate: SystemStepSchema.nullable(),
  /** Indexing approved output for retrieval; null for a workflow that does not learn. */
  learn: SystemStepSchema.nullable(),
  maxReworkRounds: z.int().min(0).max(20).default(2),
  /** How long a supervised run waits for a decision before it pauses; null for no deadline. Default 7 days. */
  approvalDeadlineMs: z.int().min(1000).max(90 * 86_400_000).nullable().default(7 * 86_400_000),
});

/** A template as written (defaults optional). */
export type WorkflowTemplateInput = z.input<typeof WorkflowTemplateSchema>;
/** A parsed template (defaults applied). */
export type WorkflowTemplate = z.output<typeof WorkflowTemplateSchema>;
/** A parsed stage template. */
export type StageTemplate = z.output<typeof StageTemplateSchema>;
