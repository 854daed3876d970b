import { z } from 'zod';

/** A tenant's name: what `tenant create <name>` takes; unique across the platform. */
export const TenantName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and "-", 2–63 characters, starting with a letter or digit');

/** A project groups brands inside a tenant. */
export const ProjectData = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(4000).optional(),
});
/** The parsed form of {@link ProjectData}. */
export type ProjectData = z.output<typeof ProjectData>;

/** The name of the project every tenant gets at creation; brands without a project go there. */
export const DEFAULT_PROJECT_NAME = 'Default';
