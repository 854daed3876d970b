/**
 * A protocol-level fake Milvus for tests: a real gRPC server (@grpc/grpc-js) serving the
 * MilvusService from the SDK's own protobuf definitions (`dist/milvus/proto-json/milvus.js`), so the
 * real `MilvusClient` talks to it over the wire exactly as it would to Milvus. Collections and rows
 * live in memory; filter expressions are parsed and evaluated by a small real evaluator
 * (fake-milvus-expr.ts); search is brute force (IP, COSINE or L2) over the rows the filter keeps.
 *
 * What it proves: the adapter's requests are well-formed for the SDK and the wire protocol (schema
 * bytes, columnar rows, placeholder groups, expressions in the supported subset) and its handling of
 * the replies. What it does not prove: Milvus' own semantics beyond that subset (ANN recall,
 * consistency levels, segment sealing, partition-key routing, server-side limits other than those
 * checked here).
 *
 * Every received request is recorded in `requests` (for assertions such as "every Search carried the
 * tenant filter"); RPCs without a handler answer Success and are listed in `unhandled`. `failNext`
 * makes the next call of an RPC answer an error status, `stall` makes an RPC never answer.
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Root } from 'protobufjs';
import { createMilvusHandlers, StatusError, type FakeCollection } from './fake-milvus-handlers.js';

// The SDK's own definitions, and the protobufjs it encodes them with (resolved from the SDK's location).
const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@zilliz/milvus2-sdk-node'));
const milvusJson = (sdkRequire('./proto-json/milvus.js') as { default: Record<string, unknown> }).default;
const protobuf = sdkRequire('protobufjs') as { Root: { fromJSON(json: unknown): Root } };

/** The loader options the SDK itself uses (snake_case fields, longs and enums as strings). */
const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** A request the fake received. */
export interface ReceivedRequest {
  method: string;
  request: Record<string, unknown>;
  at: number;
  /** What the fake answered (unset while a call is stalled). */
  reply?: unknown;
}

/** An error status for `failNext` (the shape of `milvus.proto.common.Status`). */
export interface FakeErrorStatus {
  error_code?: string;
  code: number;
  reason: string;
}

/** A running fake Milvus. */
export interface FakeMilvus {
  /** `127.0.0.1:<port>`, for `new MilvusClient({ address })`. */
  readonly address: string;
  readonly requests: ReceivedRequest[];
  /** RPCs the SDK called that have no handler (answered Success). */
  readonly unhandled: string[];
  readonly collections: Map<string, FakeCollection>;
  /** The requests received for one RPC (`Search`, `Query`…), oldest first. */
  requestsOf(method: string): Record<string, unknown>[];
  /** The values of one column in the rows each Search reply carried (none while stalled), oldest first. */
  searchedColumn(field: string): string[][];
  /** The next call of `method` answers this error status instead of running. */
  failNext(method: string, status: FakeErrorStatus): void;
  /** Calls of `method` never answer (until `unstall`), to test client deadlines. */
  stall(method: string): void;
  unstall(method: string): void;
  close(): Promise<void>;
}

type UnaryCallback = (err: grpc.ServiceError | null, value?: unknown) => void;

/** Starts a fake Milvus on 127.0.0.1 and a random port. */
export async function startFakeMilvus(): Promise<FakeMilvus> {
  const definition = protoLoader.fromJSON(milvusJson, LOADER_OPTIONS);
  const service = definition['milvus.proto.milvus.MilvusService'] as grpc.ServiceDefinition;
  const root = protobuf.Root.fromJSON(milvusJson);
  const requests: ReceivedRequest[] = [];
  const unhandled: string[] = [];
  const collections = new Map<string, FakeCollection>();
  const failures = new Map<string, FakeErrorStatus[]>();
  const stalled = new Set<string>();
  const handlers = createMilvusHandlers(collections, root);
  const ok = { error_code: 'Success', code: 0, reason: '' };

  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(service)) {
    // proto-loader adds the message descriptors to each method (not in grpc-js' MethodDefinition type).
    const returnsBareStatus = (service[method] as unknown as { responseType: { type: { name: string } } }).responseType.type.name === 'Status';
    implementation[method] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: UnaryCallback) => {
      const received: ReceivedRequest = { method, request: call.request, at: Date.now() };
      requests.push(received);
      if (stalled.has(method)) return;
      const answer = (reply: unknown): void => {
        received.reply = reply;
        callback(null, reply);
      };
      const failure = failures.get(method)?.shift();
      if (failure) {
        const status = { error_code: 'UnexpectedError', ...failure };
        answer(returnsBareStatus ? status : { status });
        return;
      }
      const handler = handlers[method];
      if (!handler) {
        unhandled.push(method);
        answer(returnsBareStatus ? ok : { status: ok });
        return;
      }
      try {
        answer(handler(call.request));
      } catch (err) {
        // Milvus answers errors with a status; a handler bug must not leave the client waiting either.
        const status = err instanceof StatusError
          ? { error_code: err.errorCode, code: err.code, reason: err.message, retriable: false, detail: err.message }
          : { error_code: 'UnexpectedError', code: 65535, reason: `fake milvus: ${(err as Error).message}` };
        answer(returnsBareStatus ? status : { status });
      }
    };
  }

  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });

  return {
    address: `127.0.0.1:${port}`,
    requests,
    unhandled,
    collections,
    requestsOf: (method) => requests.filter((r) => r.method === method).map((r) => r.request),
    searchedColumn: (field) => requests.filter((r) => r.method === 'Search').map((r) => {
      const columns = (r.reply as { results?: { fields_data?: Array<{ field_name: string; scalars?: Record<string, { data: unknown[] }> }> } }).results?.fields_data ?? [];
      const column = columns.find((c) => c.field_name === field);
      return Object.values(column?.scalars ?? {}).flatMap((v) => v.data.map(String));
    }),
    failNext: (method, status) => failures.set(method, [...(failures.get(method) ?? []), status]),
    stall: (method) => stalled.add(method),
    unstall: (method) => stalled.delete(method),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Stalled calls would keep tryShutdown waiting forever.
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
