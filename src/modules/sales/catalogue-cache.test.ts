import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CatalogueCache, emptyCatalogueFound, type CatalogueFound } from './catalogue-cache.ts';

const found = (stores: [string, number][], products: [string, number, string][]): CatalogueFound => ({
  storeById: new Set(stores.map(([, id]) => id)),
  storeByCode: new Map(stores),
  productBySku: new Map(products.map(([sku, id, category]) => [sku, { id, category }])),
});

test('a cold cache asks for everything and answers nothing', () => {
  const c = new CatalogueCache();
  const s = c.split([1], ['SH001'], ['LIP-001']);
  assert.deepEqual(s.ask, { storeIds: [1], storeCodes: ['SH001'], skus: ['LIP-001'] });
  assert.equal(s.fromCache, false);
  assert.equal(s.version, null);
});

test('what it learned, found or not, it answers without asking, at the version it learned it', () => {
  const c = new CatalogueCache();
  c.learn(7, { storeIds: [1, 2], storeCodes: ['SH001', 'XX999'], skus: ['LIP-001', 'NOPE'] }, found([['SH001', 1]], [['LIP-001', 11, '彩妆']]));
  const s = c.split([1, 2], ['SH001', 'XX999'], ['LIP-001', 'NOPE', 'CRM-002']);
  assert.deepEqual(s.ask, { storeIds: [], storeCodes: [], skus: ['CRM-002'] });
  assert.equal(s.fromCache, true);
  assert.equal(s.version, 7);
  assert.deepEqual([...s.found.storeById], [1]);
  assert.deepEqual([...s.found.storeByCode], [['SH001', 1]]);
  assert.deepEqual([...s.found.productBySku], [['LIP-001', { id: 11, category: '彩妆' }]]);
});

test('a newer version drops everything the older one taught, and an older answer arriving late is ignored', () => {
  const c = new CatalogueCache();
  c.learn(7, { storeIds: [], storeCodes: [], skus: ['LIP-001'] }, found([], [['LIP-001', 11, '彩妆']]));
  c.learn(8, { storeIds: [], storeCodes: [], skus: ['CRM-002'] }, found([], [['CRM-002', 12, '护肤']]));
  c.learn(7, { storeIds: [], storeCodes: [], skus: ['TEA-003'] }, found([], [['TEA-003', 13, '饮品']]));
  const s = c.split([], [], ['LIP-001', 'CRM-002', 'TEA-003']);
  assert.equal(s.version, 8);
  assert.deepEqual(s.ask.skus, ['LIP-001', 'TEA-003']);
  assert.deepEqual([...s.found.productBySku.keys()], ['CRM-002']);
});

test('an empty answer is learned as absent', () => {
  const c = new CatalogueCache();
  c.learn(3, { storeIds: [5], storeCodes: [], skus: [] }, emptyCatalogueFound());
  const s = c.split([5], [], []);
  assert.deepEqual(s.ask.storeIds, []);
  assert.equal(s.found.storeById.size, 0);
});
