import { editCopy, writeCopy } from './offline-copy.js';
import { writeAudienceInsights, writeFindings, writeGeneric, writePlan, writeReply, writeVerdict } from './offline-notes.js';
import { abortError } from './provider-errors.js';
import type { CompletionRequest, CompletionResponse, LlmProvider, OfflineBrief } from './provider.js';

/**
 * The offline provider: the default when no model is configured. It reads `request.brief`
 * (structured facts, since it cannot read prose) and writes deterministic drafts: the same request
 * always gives the same output (no randomness, no clock). It never requests tool calls, estimates
 * usage as ceil(characters / 4) and costs 0.
 *
 * Every output is marked with `OFFLINE_MARKER` (`[offline draft]`, offline-text.ts):
 * - deliverables (`copywriter`, `editor`): as the LAST line, on its own. The marker line COUNTS in
 *   the limits: the whole content, marker included, has at most `maxWords` words (split on
 *   whitespace, the marker is 2 words) and, on channels with a cap (`twitter`/`x` 280, `sms` 160,
 *   `bluesky` 300, `threads`/`mastodon` 500 characters), at most that many characters;
 * - notes (`strategist`, `researcher`, `audience`, other roles, replies without a brief): as the
 *   FIRST line;
 * - `judge`: the content is JSON `{"score","rationale"}` and the rationale starts with the marker.
 *
 * Roles: `strategist` → a plan with `Key messages:` bullets; `researcher` → findings from
 * `retrieved` (or a note that none was found); `audience` → audience insights; `copywriter` → a
 * draft for the channel and deliverable (email, ad, article, social: one paragraph plus hashtags);
 * `editor` → the last upstream draft polished; `judge` → a heuristic score 0..1 of the last upstream
 * draft; anything else → generic notes. Without a brief: a placeholder quoting the last user message.
 *
 * Guarantees of `copywriter` and `editor`: every `mustInclude` phrase appears verbatim (hashtags
 * among them on a hashtag line); no `avoid` term appears, ignoring case (a word containing it is
 * dropped whole, also from upstream and retrieved text woven in); limits as above; the brand name
 * and tone are used; `feedback` visibly reworks the draft (a "Reworked (round n): …"
 * line, and "shorter" / "more energy" / "more formal" feedback changes length and style). On a
 * conflict, required phrases and the marker win: they are never cut, so a `maxWords` smaller than
 * they need, or an `avoid` term inside a required phrase, cannot be honoured.
 */
export class OfflineProvider implements LlmProvider {
  readonly name = 'offline';
  readonly offline = true;

  /** Writes the deterministic draft for the request's brief (see the class comment). */
  complete(request: CompletionRequest): Promise<CompletionResponse> {
    if (request.signal?.aborted) return Promise.reject(abortError(request.signal));
    const content = request.brief ? writeForRole(request.brief) : writeReply([...request.messages].reverse().find((m) => m.role === 'user')?.content);
    const inputChars = request.messages.reduce((n, m) => n + m.content.length, 0);
    return Promise.resolve({
      provider: this.name,
      model: request.model || 'offline',
      content,
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: Math.ceil(inputChars / 4), outputTokens: Math.ceil(content.length / 4) },
      costUsd: 0,
      offline: true,
    });
  }
}

/** The offline output for `brief` by its role (case-insensitive). */
export function writeForRole(brief: OfflineBrief): string {
  switch (brief.role.trim().toLowerCase()) {
    case 'strategist':
      return writePlan(brief);
    case 'researcher':
      return writeFindings(brief);
    case 'audience':
      return writeAudienceInsights(brief);
    case 'copywriter':
      return writeCopy(brief);
    case 'editor':
      return editCopy(brief);
    case 'judge':
      return writeVerdict(brief);
    default:
      return writeGeneric(brief);
  }
}
