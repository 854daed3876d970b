import { OfflineProvider } from '../../src/providers/offline.provider.js';
import type { CompletionRequest, CompletionResponse, LlmProvider, ToolCallRequest } from '../../src/providers/provider.js';

/** What the scripted model does for one role: ask for tool calls first, then answer. */
export interface RoleScript {
  /** The tool calls of the model's first turn (names as the model sends them, e.g. `http__request`). */
  toolCalls: Array<Omit<ToolCallRequest, 'id'>>;
  /** The answer once tool results came back (default: the results quoted). */
  answer?: (toolResults: string[]) => string;
}

/**
 * A model for scenario tests: for the roles it has a script for, it asks for the scripted tool calls
 * and then answers from their results; every other request goes to the offline provider. The
 * script can change between runs (`scripts`), so one platform serves several cases.
 */
export class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  readonly offline = false;
  readonly scripts = new Map<string, RoleScript>();
  readonly requests: CompletionRequest[] = [];
  private readonly offlineProvider = new OfflineProvider();

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    this.requests.push(request);
    const script = request.brief ? this.scripts.get(request.brief.role) : undefined;
    const base = await this.offlineProvider.complete(request);
    const answer = { ...base, provider: this.name, model: request.model, offline: false };
    if (!script) return answer;
    const results = request.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    if (results.length === 0) {
      return { ...answer, content: '', finishReason: 'tool_calls', toolCalls: script.toolCalls.map((c, i) => ({ ...c, id: `call_${i}` })) };
    }
    return { ...answer, content: script.answer ? script.answer(results) : `Findings from tools:\n${results.join('\n')}` };
  }
}
