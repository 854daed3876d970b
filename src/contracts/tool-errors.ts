/**
 * Errors of the tool layer. Each says whether trying again can help (`retryable`); the executor
 * retries only retryable ones, and a stage reports the final one.
 */

const TOOL_ERROR = Symbol.for('vmp.ToolError');

/** A tool call failed. */
export class ToolError extends Error {
  readonly [TOOL_ERROR] = true;
  constructor(message: string, readonly retryable: boolean, readonly code: string = 'TOOL_FAILED', readonly details?: Record<string, unknown>) {
    super(message);
    this.name = 'ToolError';
  }
}

/** True for any {@link ToolError} (also across module copies). */
export function isToolError(err: unknown): err is ToolError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[TOOL_ERROR] === true;
}

/** A failure trying again cannot fix (bad request, refused, unknown tool). */
export class NonRetryableToolError extends ToolError {
  constructor(message: string, code = 'TOOL_FAILED', details?: Record<string, unknown>) {
    super(message, false, code, details);
    this.name = 'NonRetryableToolError';
  }
}

/** The tool or version does not exist in the registry. */
export class UnknownToolError extends NonRetryableToolError {
  constructor(ref: string, known: string[]) {
    super(`unknown tool ${ref}; known: ${known.join(', ') || 'none'}`, 'UNKNOWN_TOOL', { tool: ref });
    this.name = 'UnknownToolError';
  }
}

/** Input that breaks the tool's schema. */
export class ToolInputError extends NonRetryableToolError {
  constructor(tool: string, problems: string) {
    super(`input of ${tool} is invalid: ${problems}`, 'TOOL_INPUT_INVALID', { tool });
    this.name = 'ToolInputError';
  }
}

/** Output that breaks the tool's schema (a tool bug or a flaky provider: retryable). */
export class ToolOutputError extends ToolError {
  constructor(tool: string, problems: string) {
    super(`output of ${tool} breaks its schema: ${problems}`, true, 'TOOL_OUTPUT_INVALID', { tool });
    this.name = 'ToolOutputError';
  }
}

/** A permission rule refused the call. */
export class PermissionDeniedError extends NonRetryableToolError {
  constructor(tool: string, reason: string, details?: Record<string, unknown>) {
    super(`tool ${tool} is not permitted: ${reason}`, 'TOOL_PERMISSION_DENIED', { tool, ...details });
    this.name = 'PermissionDeniedError';
  }
}

/** The tenant's rate limit for this tool and action is spent; `retryAfterMs` says when to try again. */
export class RateLimitedError extends ToolError {
  constructor(tool: string, action: string, readonly retryAfterMs: number) {
    super(`rate limit of ${tool} (${action}) reached: retry after ${retryAfterMs} ms`, true, 'TOOL_RATE_LIMITED', { tool, action, retryAfterMs });
    this.name = 'RateLimitedError';
  }
}

/** A credential reference is missing, or its secret could not be read. */
export class CredentialError extends NonRetryableToolError {
  constructor(name: string, reason: string) {
    super(`credential ${name} is not available: ${reason}`, 'TOOL_CREDENTIAL_MISSING', { credential: name });
    this.name = 'CredentialError';
  }
}
