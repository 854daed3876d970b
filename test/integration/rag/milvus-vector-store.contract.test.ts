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

// Opt-in: the same contract on a real Milvus (none runs on the project's machines, so this has not
// been run here). The contract uses random tenant ids, so one collection serves every test; it is
// left on the server for inspection.
const real = process.env.MILVUS_TEST_ADDRESS;
if (real) {
  describeVectorStoreContract(`milvus (real server at ${real})`, () =>
    Promise.resolve(new MilvusVectorStore({ address: real, token: process.env.MILVUS_TEST_TOKEN, dimension: 48, collection: 'vmp_contract_test' })));
}
