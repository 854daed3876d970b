/** What a channel allows: characters (null: no cap) and hashtags. */
export interface ChannelRule {
  maxChars: number | null;
  maxHashtags: number;
  /** A sensible length for the channel when the task does not say (words). */
  defaultMaxWords: number;
}

/** The channels the platform knows, with their limits. Unknown channels get {@link DEFAULT_CHANNEL_RULE}. */
export const CHANNEL_RULES: Record<string, ChannelRule> = {
  x: { maxChars: 280, maxHashtags: 3, defaultMaxWords: 45 },
  twitter: { maxChars: 280, maxHashtags: 3, defaultMaxWords: 45 },
  bluesky: { maxChars: 300, maxHashtags: 3, defaultMaxWords: 50 },
  threads: { maxChars: 500, maxHashtags: 3, defaultMaxWords: 80 },
  linkedin: { maxChars: 3000, maxHashtags: 5, defaultMaxWords: 180 },
  instagram: { maxChars: 2200, maxHashtags: 30, defaultMaxWords: 120 },
  facebook: { maxChars: 5000, maxHashtags: 5, defaultMaxWords: 150 },
  tiktok: { maxChars: 2200, maxHashtags: 8, defaultMaxWords: 80 },
  email: { maxChars: null, maxHashtags: 0, defaultMaxWords: 250 },
  blog: { maxChars: null, maxHashtags: 0, defaultMaxWords: 900 },
  ads: { maxChars: 600, maxHashtags: 2, defaultMaxWords: 60 },
  sms: { maxChars: 160, maxHashtags: 0, defaultMaxWords: 25 },
};

/** The rule of a channel without an entry. */
export const DEFAULT_CHANNEL_RULE: ChannelRule = { maxChars: null, maxHashtags: 10, defaultMaxWords: 200 };

/** The rule of a channel (case-insensitive). */
export function channelRule(channel: string | null): ChannelRule {
  return (channel && CHANNEL_RULES[channel.toLowerCase()]) || DEFAULT_CHANNEL_RULE;
}

/** The hashtags in a text. */
export function hashtags(text: string): string[] {
  return text.match(/(?<![\p{L}\p{N}_])#[\p{L}\p{N}_]+/gu) ?? [];
}

/** Words in a text (split on whitespace). */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
