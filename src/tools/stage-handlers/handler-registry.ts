import type { StageHandler } from '../../contracts/execution.js';

/** The stage handlers a platform can run, by kind. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, StageHandler>();

  /** Adds a handler; a kind can be registered once. */
  register(handler: StageHandler): this {
    if (this.handlers.has(handler.kind)) throw new Error(`stage handler ${handler.kind} is already registered`);
    this.handlers.set(handler.kind, handler);
    return this;
  }

  /** The handler of a kind, or undefined. */
  get(kind: string): StageHandler | undefined {
    return this.handlers.get(kind);
  }

  /** True when a handler of this kind exists (the planner's `knownKinds`). */
  has = (kind: string): boolean => this.handlers.has(kind);

  /** Every registered kind, sorted. */
  kinds(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
