/**
 * The LLM providers layer: the provider port, the OpenAI-compatible, Anthropic and offline
 * providers, pricing, error mapping and the tier router with fallback. See README.md.
 */
export * from './provider.js';
export { OpenAiCompatibleProvider, toOpenAiMessage, type OpenAiCompatibleOptions } from './openai-compatible.provider.js';
export { AnthropicProvider, toAnthropicMessages, type AnthropicOptions } from './anthropic.provider.js';
export { OfflineProvider, writeForRole } from './offline.provider.js';
export { OFFLINE_MARKER, CHANNEL_CHAR_LIMITS, countWords } from './offline-text.js';
export {
  ProviderRouter, passThroughGuard, defaultRoutes, routesFromSpec, formatRoutes, RouteSpecError,
  type ProviderRouterOptions, type RoutedCompletion, type RouteAttempt, type TierRoutes,
} from './provider-router.js';
export { DEFAULT_PRICES, priceOf, findPrice, mergePrices, type ModelPrice, type PriceTable, type PriceQuote, type UsageTokens } from './pricing.js';
export {
  DEFAULT_RETRY_AFTER_MS, LLM_ERROR_CODES, abortError, isAbortError, parseRetryAfterMs, isRetryableStatus, errorForStatus,
} from './provider-errors.js';
export { parseToolCall } from './tool-arguments.js';
