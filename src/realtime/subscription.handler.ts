import type { Knex } from '@mikro-orm/postgresql';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { SubscribeRequest, UnsubscribeRequest, type SubscribeAck, type SubscribeErrorCode, type UnsubscribeAck } from '../contracts/realtime.js';
import { isUuid } from '../domain/ids.js';
import type { Logger } from '../observability/logger.js';
import { replayRun } from './replay.js';
import { runListRoom, runRoom } from './rooms.js';
import type { SocketData } from './socket-auth.js';

/** Rooms one connection may be in at once (runs and the run list), besides its own. */
export const MAX_SUBSCRIPTIONS = 1000;

type Ack<T> = (answer: T) => void;

const refused = (code: SubscribeErrorCode, message: string) => ({ ok: false as const, error: { code, message } });

/** The first problem of a refused payload, as a sentence. */
function problem(error: z.ZodError, what: 'subscribe' | 'unsubscribe'): string {
  const issue = error.issues[0];
  const path = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  const shape = what === 'subscribe' ? '{runId, lastSeq?}' : '{runId}';
  return `${what} must be ${shape} or {runs: true}${issue ? ` (${path}${issue.message})` : ''}`;
}

/**
 * The client → server events of one authenticated socket: `subscribe` joins a run's room (after
 * checking the run is the socket's tenant's) and answers with the steps missed since `lastSeq`, or
 * joins the tenant's run list; `unsubscribe` leaves. Every answer goes through the ack; a socket
 * only ever joins rooms of its own tenant.
 *
 * Ordering: the room is joined before the timeline is read, so no step can fall between the replay
 * and the live stream; a step committed meanwhile may arrive both live and in the ack (same `seq`
 * and `n`): clients drop events with a `seq` they have applied.
 */
export function handleSubscriptions(socket: Socket, deps: { knex: () => Knex; logger: Logger }): void {
  const { auth } = socket.data as SocketData;

  const subscribe = async (payload: unknown, reply: Ack<SubscribeAck>) => {
    const parsed = SubscribeRequest.safeParse(payload);
    if (!parsed.success) return reply(refused('VALIDATION', problem(parsed.error, 'subscribe')));
    if (socket.rooms.size > MAX_SUBSCRIPTIONS) {
      return reply(refused('LIMIT', `this connection already has ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe from some first`));
    }
    const req = parsed.data;
    if ('runs' in req) {
      await socket.join(runListRoom(auth.tenantId));
      return reply({ ok: true, missed: [], lastSeq: 0 });
    }
    if (!isUuid(req.runId)) return reply(refused('VALIDATION', `runId: must be a run id (UUID), got ${JSON.stringify(req.runId)}`));
    // Join first, then read, so no step falls between the replay and the live stream. The room is
    // named by the socket's own tenant, so joining it for a run that is not the tenant's receives
    // nothing; the read (scoped to the tenant) decides, and the room is left again if it finds none.
    const room = runRoom(auth.tenantId, req.runId);
    const already = socket.rooms.has(room);
    await socket.join(room);
    try {
      const knex = deps.knex();
      let answer: SubscribeAck | null;
      if (req.lastSeq === undefined) {
        const now = await knex.raw<{ rows: Array<{ event_seq: number }> }>(
          'select event_seq from workflow_run where id = ? and tenant_id = ?', [req.runId, auth.tenantId],
        );
        const row = now.rows[0];
        answer = row ? { ok: true, missed: [], lastSeq: row.event_seq } : null;
      } else {
        const replay = await replayRun(knex, auth.tenantId, req.runId, req.lastSeq);
        answer = replay ? { ok: true, missed: replay.events, lastSeq: replay.lastSeq } : null;
      }
      if (answer) return reply(answer);
      if (!already) await socket.leave(room);
      // A run of another tenant is answered exactly like an unknown one: ids cannot be probed.
      return reply(refused('NOT_FOUND', `workflow_run ${req.runId} was not found`));
    } catch (err) {
      if (!already) await socket.leave(room);
      deps.logger.error({ err, runId: req.runId }, 'realtime subscribe failed');
      return reply(refused('UNAVAILABLE', 'the run could not be read; try again'));
    }
  };

  const unsubscribe = async (payload: unknown, reply: Ack<UnsubscribeAck>) => {
    const parsed = UnsubscribeRequest.safeParse(payload);
    if (!parsed.success) return reply(refused('VALIDATION', problem(parsed.error, 'unsubscribe')));
    const req = parsed.data;
    await socket.leave('runs' in req ? runListRoom(auth.tenantId) : runRoom(auth.tenantId, req.runId));
    return reply({ ok: true });
  };

  // The ack is optional for the client; without one the answer is dropped.
  const ackOf = <T>(ack: unknown): Ack<T> => (typeof ack === 'function' ? (ack as Ack<T>) : () => {});
  const on = <T>(event: 'subscribe' | 'unsubscribe', handle: (payload: unknown, reply: Ack<T>) => Promise<void>, failed: string) => {
    socket.on(event, (payload: unknown, ack?: unknown) => {
      const reply = ackOf<T | ReturnType<typeof refused>>(ack);
      handle(payload, reply).catch((err: unknown) => {
        deps.logger.error({ err }, `realtime ${event} failed`);
        reply(refused('UNAVAILABLE', `the ${failed} failed; try again`));
      });
    });
  };
  on<SubscribeAck>('subscribe', subscribe, 'subscription');
  on<UnsubscribeAck>('unsubscribe', unsubscribe, 'unsubscription');
}
