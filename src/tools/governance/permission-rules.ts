import type { ArgumentConstraint, PermissionEffect } from '../../persistence/entities/tool-governance.entity.js';
import type { SideEffect } from '../tool.js';

/** A permission rule as the checker reads it. */
export interface PermissionRule {
  id: string;
  projectId: string | null;
  agent: string | null;
  tool: string;
  effect: PermissionEffect;
  constraints: Record<string, ArgumentConstraint> | null;
}

/** What is being asked. */
export interface PermissionRequest {
  tool: string;
  sideEffect: SideEffect;
  projectId: string | null;
  agent: string | null;
  args: unknown;
}

/** The decision, with the rule that made it (null: the baseline) and why. */
export interface PermissionDecision {
  allowed: boolean;
  ruleId: string | null;
  reason: string;
}

/** True when a rule's tool pattern (`name`, `prefix.*`, `*`) covers a tool name. */
export function toolPatternMatches(pattern: string, tool: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? tool.startsWith(pattern.slice(0, -1)) : pattern === tool;
}

function applies(rule: PermissionRule, req: PermissionRequest): boolean {
  return toolPatternMatches(rule.tool, req.tool)
    && (rule.projectId === null || rule.projectId === req.projectId)
    && (rule.agent === null || rule.agent === req.agent);
}

/** The first constraint an argument breaks, as a sentence, or null. */
export function constraintViolation(constraints: Record<string, ArgumentConstraint>, args: unknown): string | null {
  const values = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  for (const [name, c] of Object.entries(constraints)) {
    const v = values[name];
    if (c.oneOf && !c.oneOf.some((allowed) => allowed === v)) return `argument ${name} must be one of ${JSON.stringify(c.oneOf)}`;
    if (c.pattern !== undefined && (typeof v !== 'string' || !safeRegExp(c.pattern).test(v))) return `argument ${name} must match /${c.pattern}/`;
    if (c.maxLength !== undefined && (typeof v === 'string' || Array.isArray(v)) && v.length > c.maxLength) return `argument ${name} must be at most ${c.maxLength} long`;
    if (c.min !== undefined && (typeof v !== 'number' || v < c.min)) return `argument ${name} must be a number >= ${c.min}`;
    if (c.max !== undefined && (typeof v !== 'number' || v > c.max)) return `argument ${name} must be a number <= ${c.max}`;
  }
  return null;
}

function safeRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return /(?!)/u;
  }
}

/**
 * Decides a call. A deny rule that applies wins over everything. Otherwise the most specific
 * allow that applies (agent and project set beats one of them beats neither) decides, and its
 * argument constraints must hold. With no rule: `read` tools are allowed (the baseline), `write`
 * and `external` tools are denied until a rule allows them.
 */
export function decidePermission(rules: readonly PermissionRule[], req: PermissionRequest): PermissionDecision {
  const matching = rules.filter((r) => applies(r, req));
  const deny = matching.find((r) => r.effect === 'deny');
  if (deny) return { allowed: false, ruleId: deny.id, reason: `denied by rule ${deny.id}` };
  const specificity = (r: PermissionRule) => (r.agent ? 2 : 0) + (r.projectId ? 1 : 0);
  const allows = matching.filter((r) => r.effect === 'allow').sort((a, b) => specificity(b) - specificity(a));
  const allow = allows[0];
  if (allow) {
    const broken = allow.constraints ? constraintViolation(allow.constraints, req.args) : null;
    return broken
      ? { allowed: false, ruleId: allow.id, reason: `rule ${allow.id} allows it only with constraints: ${broken}` }
      : { allowed: true, ruleId: allow.id, reason: `allowed by rule ${allow.id}` };
  }
  return req.sideEffect === 'read'
    ? { allowed: true, ruleId: null, reason: 'read tools are allowed by default' }
    : { allowed: false, ruleId: null, reason: `${req.sideEffect} tools need a rule that allows them (none applies)` };
}
