import { contentHash } from '../domain/canonical-json.js';
import { PlatformError } from '../domain/errors.js';
import { validateTemplate, type KnownKinds, type KnownTools } from './planner.js';
import type { WorkflowTemplate } from './template.js';

/**
 * The workflow templates a platform offers, by name and version. Every template is validated when
 * registered (an invalid built-in template stops start-up, naming its problems). Versions are
 * immutable: registering the same name and version twice with different content is refused.
 */
export class TemplateRegistry {
  private readonly byName = new Map<string, Map<number, WorkflowTemplate>>();

  /** @param knownTools when given, every `params.tools` reference must resolve (an unknown tool or version is named). */
  constructor(private readonly knownKinds: KnownKinds, private readonly knownTools?: KnownTools) {}

  /** Validates and adds a template; returns the parsed template. */
  register(input: unknown): WorkflowTemplate {
    const template = validateTemplate(input, this.knownKinds, this.knownTools);
    const versions = this.byName.get(template.name) ?? new Map<number, WorkflowTemplate>();
    const existing = versions.get(template.version);
    if (existing && contentHash(existing) !== contentHash(template)) {
      throw new PlatformError('INVALID_TEMPLATE', `template ${template.name}@${template.version} is already registered with other content: publish a new version`);
    }
    versions.set(template.version, template);
    this.byName.set(template.name, versions);
    return template;
  }

  /**
   * A template by reference: `name` (latest version) or `name@version`. Unknown: 422 naming the
   * known templates.
   */
  resolve(ref: string): WorkflowTemplate {
    const m = /^([a-z][a-z0-9_-]*)(?:@([1-9][0-9]{0,6}))?$/.exec(ref);
    const versions = m ? this.byName.get(m[1] ?? '') : undefined;
    const version = m?.[2] === undefined ? Math.max(...(versions?.keys() ?? [])) : Number(m[2]);
    const template = versions?.get(version);
    if (!template) {
      throw new PlatformError('INVALID_TEMPLATE', `unknown workflow template ${ref}; known: ${this.list().map((t) => `${t.name}@${t.version}`).join(', ') || 'none'}`, { template: ref });
    }
    return template;
  }

  /** Every registered template, by name then version. */
  list(): WorkflowTemplate[] {
    return [...this.byName.entries()].sort(([a], [b]) => a.localeCompare(b)).flatMap(([, v]) => [...v.values()].sort((a, b) => a.version - b.version));
  }
}
