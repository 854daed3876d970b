import type { Socket } from 'socket.io';
import { isPlatformError } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Orm } from '../persistence/orm.js';
import { apiKeyFromAuthorization, authenticateApiKey, type ApiKeyPrincipal } from '../persistence/repositories/api-key.repository.js';

/** What an authenticated socket carries (`socket.data`). */
export interface SocketData {
  auth: ApiKeyPrincipal;
}

const MISSING = 'missing API key: connect with io(url, { auth: { token: "<API key>" } }) or send Authorization: Bearer <key>';

/** A handshake refusal: the client's `connect_error` has this message and `data.code`. */
function refusal(code: string, message: string): Error & { data: { code: string } } {
  return Object.assign(new Error(`${code}: ${message}`), { data: { code } });
}

/**
 * The handshake middleware (`io.use`): the API key comes from `auth.token` or, failing that, an
 * `Authorization: Bearer` header, and is authenticated exactly as the HTTP API does
 * ({@link authenticateApiKey}). A missing, malformed, unknown or revoked key is refused with a
 * `connect_error` whose message starts with `UNAUTHENTICATED: ` and says why; no socket is created.
 */
export function socketAuth(orm: Orm, logger: Logger) {
  return (socket: Socket, next: (err?: Error) => void): void => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    let key: string;
    try {
      if (token !== undefined && token !== null && token !== '') {
        if (typeof token !== 'string' || token.length > 200 || /\s/.test(token)) throw refusal('UNAUTHENTICATED', 'malformed auth.token: expected the API key as a string');
        key = token;
      } else {
        key = apiKeyFromAuthorization(socket.handshake.headers.authorization, MISSING);
      }
    } catch (err) {
      next(isPlatformError(err) ? refusal(err.code, err.message) : (err as Error));
      return;
    }
    authenticateApiKey(orm.em.fork(), key).then(
      (auth) => {
        (socket.data as SocketData).auth = auth;
        next();
      },
      (err: unknown) => {
        if (isPlatformError(err)) return next(refusal(err.code, err.message));
        logger.error({ err }, 'realtime handshake: the API key could not be checked');
        next(refusal('UNAVAILABLE', 'the API key could not be checked; try again'));
      },
    );
  };
}
