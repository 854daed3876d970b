import { afterAll, beforeAll, expect } from 'vitest';
import { MilvusVectorStore } from '../../../src/rag/vector-store/milvus-vector-store.js';
import { startFakeMilvus, type FakeMilvus } from '../../helpers/fake-milvus-server.js';
import { describeVectorStoreContract } from '../../helpers/vector-store.contract.js';

/** The shared vector store contract, run on the Milvus adapter against the protocol-level fake Milvus. */
let fake: FakeMilvus;
let n = 0;

beforeAll(async () => {
  fake = await startFakeMilvus();
});
afterAll(async () => {
  expect(fake.unhandled).toEqual([]);
  // Whatever the contract did, every search was pinned to a tenant and a brand.
  for (const r of fake.requestsOf('Search')) expect(String(r.dsl)).toMatch(/^tenant_id == "[^"]+" && brand_id == "[^"]+"/);
  await fake.close();
});

describeVectorStoreContract('milvus (fake server)', () =>
  Promise.resolve(new MilvusVectorStore({ address: fake.address, dimension: 48, collection: `contract_${++n}`, timeoutMs: 5000 })));
