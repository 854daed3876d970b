/**
 * The RPC handlers of the fake Milvus (see fake-milvus-server.ts): collections, indexes, load state,
 * insert/upsert/delete, query (with `count(*)`) and brute-force search, in memory. Requests and
 * replies use the SDK's proto-loader shape (snake_case, longs and enums as strings, oneof names).
 * Errors are answered as Milvus does, with a status (`code` as in Milvus' merr: 100 collection not
 * found, 101 not loaded, 700 index not found, 1100 invalid parameter).
 */
import type { Root, Type } from 'protobufjs';
import { evalExpr, ExprError, fieldsOf, parseExpr, type ExprValue } from './fake-milvus-expr.js';

type Req = Record<string, unknown>;
type KeyValue = { key: string; value: string };
/** A stored row: scalar values by field name, float vectors as number arrays. */
export type FakeRow = Record<string, ExprValue | number[]>;

/** A field of a fake collection's schema (from the schema bytes the SDK sent). */
export interface FakeField {
  fieldID: string;
  name: string;
  data_type: string;
  is_primary_key: boolean;
  is_partition_key: boolean;
  autoID: boolean;
  dim: number;
  maxLength: number | undefined;
}

/** A collection held by the fake. */
export interface FakeCollection {
  id: string;
  name: string;
  schema: Req;
  fields: FakeField[];
  rows: Map<string, FakeRow>;
  indexes: Map<string, { index_name: string; field_name: string; params: KeyValue[] }>;
  /** Like Milvus, a load takes a while: the first state poll after LoadCollection says Loading. */
  loadState: 'NotLoad' | 'Loading' | 'Loaded';
  consistencyLevel: string;
  createdAt: number;
}

/** An error the fake answers as a Milvus status (the server turns it into the reply's status). */
export class StatusError extends Error {
  constructor(readonly code: number, readonly errorCode: string, reason: string) {
    super(reason);
  }
}

const OK = { error_code: 'Success', code: 0, reason: '' };
const MAX_TOPK = 16384;
const SCALAR_KEYS: Record<string, string> = {
  Bool: 'bool_data', Int8: 'int_data', Int16: 'int_data', Int32: 'int_data', Int64: 'long_data',
  Float: 'float_data', Double: 'double_data', VarChar: 'string_data', String: 'string_data',
};

const kv = (pairs: unknown, key: string): string | undefined => (pairs as KeyValue[] | undefined)?.find((p) => p.key === key)?.value;
const invalid = (reason: string): StatusError => new StatusError(1100, 'IllegalArgument', reason);

function column(fd: Req, field: FakeField, rows: number): Array<ExprValue | number[]> {
  if (field.data_type === 'FloatVector') {
    const vectors = fd.vectors as { dim: string; float_vector?: { data: number[] } } | undefined;
    const flat = vectors?.float_vector?.data;
    if (!flat) throw invalid(`field ${field.name}: expected float_vector data`);
    if (Number(vectors.dim) !== field.dim || flat.length !== rows * field.dim) {
      throw invalid(`the dim (${Number(vectors.dim)}) of field data(${field.name}) is not equal to schema dim (${field.dim})`);
    }
    return Array.from({ length: rows }, (_, i) => flat.slice(i * field.dim, (i + 1) * field.dim));
  }
  const key = SCALAR_KEYS[field.data_type];
  const scalars = fd.scalars as Record<string, { data: unknown[] } | string> | undefined;
  if (!key || !scalars || scalars.data !== key) throw invalid(`field ${field.name} (${field.data_type}): expected ${key ?? 'a supported type'}, got ${String(scalars?.data)}`);
  const values = (scalars[key] as { data: unknown[] }).data.map((v) => (key === 'long_data' ? Number(v) : (v as ExprValue)));
  if (values.length !== rows) throw invalid(`field ${field.name} has ${values.length} rows, expected ${rows}`);
  if (field.maxLength !== undefined) {
    const tooLong = values.find((v) => typeof v === 'string' && v.length > field.maxLength!);
    if (tooLong !== undefined) throw invalid(`the length (${String(tooLong).length}) of varchar field (${field.name}) exceeds max length (${field.maxLength})`);
  }
  return values;
}

function fieldData(field: FakeField, rows: FakeRow[]): Req {
  const base = { type: field.data_type, field_name: field.name, field_id: field.fieldID };
  if (field.data_type === 'FloatVector') {
    return { ...base, vectors: { dim: String(field.dim), float_vector: { data: rows.flatMap((r) => r[field.name] as number[]) } } };
  }
  return { ...base, scalars: { [SCALAR_KEYS[field.data_type]!]: { data: rows.map((r) => r[field.name]) } } };
}

/** Builds the handlers, keyed by RPC name, over a shared collection map. */
export function createMilvusHandlers(collections: Map<string, FakeCollection>, root: Root): Record<string, (req: Req) => unknown> {
  const schemaType: Type = root.lookupType('milvus.proto.schema.CollectionSchema');
  const placeholderType: Type = root.lookupType('milvus.proto.common.PlaceholderGroup');
  let nextId = 1000;

  const need = (req: Req): FakeCollection => {
    const name = String(req.collection_name);
    const c = collections.get(name);
    if (!c) throw new StatusError(100, 'CollectionNotExists', `collection not found[collection=${name}]`);
    return c;
  };
  const needLoaded = (req: Req): FakeCollection => {
    const c = need(req);
    if (c.loadState !== 'Loaded') throw new StatusError(101, 'UnexpectedError', `collection not loaded[collection=${c.name}]`);
    return c;
  };
  const filter = (c: FakeCollection, expr: string): FakeRow[] => {
    const rows = [...c.rows.values()];
    if (expr.trim() === '') return rows;
    try {
      const node = parseExpr(expr);
      const unknown = fieldsOf(node).find((f) => !c.fields.some((cf) => cf.name === f));
      if (unknown) throw new ExprError(`field ${unknown} not exist`);
      return rows.filter((r) => evalExpr(node, r));
    } catch (err) {
      if (err instanceof ExprError) throw invalid(`failed to create query plan: cannot parse expression: ${expr}, error: ${err.message}`);
      throw err;
    }
  };
  /** A state poll: reports the state, and a Loading collection is Loaded from the next poll on. */
  const poll = (c: FakeCollection): FakeCollection['loadState'] => {
    const state = c.loadState;
    if (state === 'Loading') c.loadState = 'Loaded';
    return state;
  };
  const pkOf = (c: FakeCollection): FakeField => c.fields.find((f) => f.is_primary_key)!;
  const outputFields = (c: FakeCollection, names: unknown): FakeField[] => {
    const requested = (names as string[] | undefined) ?? [];
    const wanted = requested.includes('*') ? c.fields.filter((f) => f.data_type !== 'FloatVector').map((f) => f.name) : requested;
    const pk = pkOf(c).name;
    const all = wanted.includes(pk) ? wanted : [pk, ...wanted];
    return all.map((n) => {
      const f = c.fields.find((cf) => cf.name === n);
      if (!f) throw invalid(`field ${n} not exist`);
      return f;
    });
  };
  const write = (req: Req, upsert: boolean): Req => {
    const c = need(req);
    const n = Number(req.num_rows);
    const columns = new Map<string, Array<ExprValue | number[]>>();
    for (const fd of req.fields_data as Req[]) {
      const field = c.fields.find((f) => f.name === fd.field_name);
      if (!field) throw invalid(`field ${String(fd.field_name)} not exist in collection ${c.name}`);
      columns.set(field.name, column(fd, field, n));
    }
    const missing = c.fields.find((f) => !f.autoID && !columns.has(f.name));
    if (missing) throw invalid(`field ${missing.name} is missing in the ${upsert ? 'upsert' : 'insert'} request`);
    const pk = pkOf(c).name;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const row: FakeRow = {};
      for (const [name, values] of columns) row[name] = values[i]!;
      ids.push(String(row[pk]));
      c.rows.set(String(row[pk]), row);
    }
    return { status: OK, IDs: { str_id: { data: ids } }, succ_index: ids.map((_, i) => i), err_index: [], [upsert ? 'upsert_cnt' : 'insert_cnt']: String(n), timestamp: String(Date.now()) };
  };

  const handlers: Record<string, (req: Req) => unknown> = {
    Connect: () => ({ status: OK, server_info: { build_tags: 'fake-milvus', deploy_mode: 'fake', reserved: {} }, identifier: '1' }),
    GetVersion: () => ({ status: OK, version: 'v2.6.0-fake' }),
    CheckHealth: () => ({ status: OK, isHealthy: true, reasons: [], quota_states: [] }),
    HasCollection: (req) => ({ status: OK, value: collections.has(String(req.collection_name)) }),
    ShowCollections: () => ({ status: OK, collection_names: [...collections.keys()], collection_ids: [...collections.values()].map((c) => c.id) }),
    CreateCollection: (req) => {
      const name = String(req.collection_name);
      if (collections.has(name)) throw invalid(`collection already exists: ${name}`);
      const schema = schemaType.toObject(schemaType.decode(req.schema as Uint8Array), { longs: String, enums: String, defaults: true }) as Req;
      const fields = (schema.fields as Req[]).map((f, i): FakeField => ({
        fieldID: String(100 + i),
        name: String(f.name),
        data_type: String(f.data_type),
        is_primary_key: f.is_primary_key === true,
        is_partition_key: f.is_partition_key === true,
        autoID: f.autoID === true,
        dim: Number(kv(f.type_params, 'dim') ?? 0),
        maxLength: kv(f.type_params, 'max_length') === undefined ? undefined : Number(kv(f.type_params, 'max_length')),
      }));
      if (fields.filter((f) => f.is_primary_key).length !== 1) throw invalid('schema must have exactly one primary key field');
      const bad = fields.find((f) => f.data_type !== 'FloatVector' && !SCALAR_KEYS[f.data_type]);
      if (bad) throw invalid(`field ${bad.name}: data type ${bad.data_type} is not supported by the fake`);
      schema.fields = (schema.fields as Req[]).map((f, i) => ({ ...f, fieldID: fields[i]!.fieldID }));
      collections.set(name, {
        id: String(nextId++), name, schema, fields, rows: new Map(), indexes: new Map(), loadState: 'NotLoad',
        consistencyLevel: String(req.consistency_level ?? 'Bounded'), createdAt: Date.now(),
      });
      return OK;
    },
    DescribeCollection: (req) => {
      const c = need(req);
      return {
        status: OK, schema: c.schema, collectionID: c.id, collection_name: c.name, consistency_level: c.consistencyLevel,
        created_timestamp: String(c.createdAt), created_utc_timestamp: String(c.createdAt), shards_num: 1, aliases: [], properties: [],
        db_name: 'default', num_partitions: c.fields.some((f) => f.is_partition_key) ? '16' : '1',
        update_timestamp: String(c.createdAt), update_timestamp_str: String(c.createdAt),
      };
    },
    DropCollection: (req) => { need(req); collections.delete(String(req.collection_name)); return OK; },
    CreateIndex: (req) => {
      const c = need(req);
      const field = c.fields.find((f) => f.name === req.field_name);
      if (!field) throw invalid(`cannot create index on non-exist field: ${String(req.field_name)}`);
      const params = req.extra_params as KeyValue[];
      if (field.data_type === 'FloatVector' && !kv(params, 'metric_type')) throw invalid('metric type not set for vector index');
      const indexName = String(req.index_name || field.name);
      c.indexes.set(field.name, { index_name: indexName, field_name: field.name, params });
      return OK;
    },
    DescribeIndex: (req) => {
      const c = need(req);
      const list = [...c.indexes.values()].filter((i) => !req.field_name || i.field_name === req.field_name);
      if (list.length === 0) throw new StatusError(700, 'IndexNotExist', `index not found[collection=${c.name}]`);
      return {
        status: OK,
        index_descriptions: list.map((i, n) => ({ ...i, indexID: String(n + 1), indexed_rows: String(c.rows.size), total_rows: String(c.rows.size), pending_index_rows: '0', state: 'Finished' })),
      };
    },
    LoadCollection: (req) => {
      const c = need(req);
      const vector = c.fields.find((f) => f.data_type === 'FloatVector');
      if (vector && !c.indexes.has(vector.name)) throw new StatusError(700, 'IndexNotExist', `index not found[collection=${c.name}]: there is no vector index on field ${vector.name}, please create index firstly`);
      if (c.loadState === 'NotLoad') c.loadState = 'Loading';
      return OK;
    },
    ReleaseCollection: (req) => { need(req).loadState = 'NotLoad'; return OK; },
    GetLoadingProgress: (req) => ({ status: OK, progress: { NotLoad: '0', Loading: '50', Loaded: '100' }[poll(need(req))], refresh_progress: '100' }),
    GetLoadState: (req) => ({ status: OK, state: `LoadState${poll(need(req))}` }),
    GetCollectionStatistics: (req) => ({ status: OK, stats: [{ key: 'row_count', value: String(need(req).rows.size) }] }),
    Flush: (req) => ({ status: OK, db_name: 'default', coll_segIDs: {}, flush_coll_segIDs: {}, coll_seal_times: {}, coll_flush_ts: {}, channel_cps: {}, collection_names: req.collection_names ?? [] }),
    Insert: (req) => write(req, false),
    Upsert: (req) => write(req, true),
    Delete: (req) => {
      const c = need(req);
      const expr = String(req.expr ?? '');
      if (expr.trim() === '') throw invalid('delete plan can\'t be empty or always true');
      const gone = filter(c, expr);
      const pk = pkOf(c).name;
      for (const row of gone) c.rows.delete(String(row[pk]));
      return { status: OK, IDs: { str_id: { data: gone.map((r) => String(r[pk])) } }, succ_index: [], err_index: [], delete_cnt: String(gone.length), timestamp: String(Date.now()) };
    },
    Query: (req) => {
      const c = needLoaded(req);
      const expr = String(req.expr ?? '');
      const out = (req.output_fields as string[] | undefined) ?? [];
      const limit = kv(req.query_params, 'limit');
      if (out.length === 1 && out[0]?.toLowerCase() === 'count(*)') {
        const count = filter(c, expr).length;
        return { status: OK, fields_data: [{ type: 'Int64', field_name: 'count(*)', scalars: { long_data: { data: [String(count)] } } }], output_fields: ['count(*)'], collection_name: c.name };
      }
      if (expr.trim() === '' && limit === undefined) throw invalid('empty expression should be used with limit');
      const pk = pkOf(c).name;
      const offset = Number(kv(req.query_params, 'offset') ?? 0);
      const rows = filter(c, expr).sort((a, b) => (String(a[pk]) < String(b[pk]) ? -1 : 1)).slice(offset, limit === undefined ? undefined : offset + Number(limit));
      const fields = outputFields(c, out.length ? out : ['*']);
      return { status: OK, fields_data: fields.map((f) => fieldData(f, rows)), output_fields: fields.map((f) => f.name), collection_name: c.name, primary_field_name: pk };
    },
    Search: (req) => {
      const c = needLoaded(req);
      const params = req.search_params as KeyValue[];
      const topk = Number(kv(params, 'topk'));
      if (!Number.isInteger(topk) || topk < 1 || topk > MAX_TOPK) throw invalid(`topk [${topk}] is invalid, it should be in range [1, ${MAX_TOPK}]`);
      const field = c.fields.find((f) => f.name === (kv(params, 'anns_field') || c.fields.find((cf) => cf.data_type === 'FloatVector')?.name));
      if (!field || field.data_type !== 'FloatVector') throw invalid(`field ${String(kv(params, 'anns_field'))} is not a float vector field`);
      const index = c.indexes.get(field.name);
      const indexMetric = kv(index?.params, 'metric_type');
      const metric = kv(params, 'metric_type') || indexMetric;
      if (indexMetric && metric !== indexMetric) throw invalid(`metric type not match: invalid parameter[expected=${indexMetric}][actual=${metric}]`);
      const group = placeholderType.decode(req.placeholder_group as Uint8Array) as unknown as { placeholders: Array<{ values: Uint8Array[] }> };
      const queries = (group.placeholders[0]?.values ?? []).map((bytes) => {
        const copy = Uint8Array.from(bytes);
        return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
      });
      const bad = queries.find((q) => q.length !== field.dim);
      if (bad) throw invalid(`the dimension of the query vector (${bad.length}) is not equal to the field's (${field.dim})`);
      const pk = pkOf(c).name;
      const candidates = filter(c, String(req.dsl ?? ''));
      const score = (q: Float32Array, v: number[]): number => {
        let dot = 0; let qq = 0; let vv = 0; let l2 = 0;
        for (let i = 0; i < q.length; i++) { dot += q[i]! * v[i]!; qq += q[i]! ** 2; vv += v[i]! ** 2; l2 += (q[i]! - v[i]!) ** 2; }
        return metric === 'L2' ? l2 : metric === 'COSINE' ? dot / (Math.sqrt(qq * vv) || 1) : dot;
      };
      const hitsPerQuery = queries.map((q) => candidates
        .map((row) => ({ row, score: score(q, row[field.name] as number[]) }))
        .sort((a, b) => (metric === 'L2' ? a.score - b.score : b.score - a.score) || (String(a.row[pk]) < String(b.row[pk]) ? -1 : 1))
        .slice(0, topk));
      const hits = hitsPerQuery.flat();
      const fields = outputFields(c, req.output_fields);
      return {
        status: OK,
        results: {
          num_queries: String(queries.length), top_k: String(topk), scores: hits.map((h) => h.score), topks: hitsPerQuery.map((h) => String(h.length)),
          ids: { str_id: { data: hits.map((h) => String(h.row[pk])) } }, fields_data: fields.map((f) => fieldData(f, hits.map((h) => h.row))),
          output_fields: fields.map((f) => f.name), primary_field_name: pk,
        },
        collection_name: c.name,
      };
    },
  };

  return handlers;
}
