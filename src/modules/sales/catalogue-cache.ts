import type { Db } from '../../db/client.ts';

export interface CatalogueProduct {
  id: number;
  category: string;
}

/** The stores and products a batch names, as resolved: what is absent here is not in the catalogue. */
export interface CatalogueFound {
  storeById: Set<number>;
  storeByCode: Map<string, number>;
  productBySku: Map<string, CatalogueProduct>;
}

/** What a batch must ask the database for. */
export interface CatalogueAsk {
  storeIds: number[];
  storeCodes: string[];
  skus: string[];
}

/** Above this many entries a map starts over: a flood of unknown skus must not grow the process without bound. */
const MAX_ENTRIES = 200_000;

export const emptyCatalogueFound = (): CatalogueFound => ({ storeById: new Set(), storeByCode: new Map(), productBySku: new Map() });

/**
 * Stores and products as this process last resolved them, with the catalogue version they were read at (every
 * write to stores or products moves it on, migration 0390). Answers that something does not exist are kept too:
 * they hold as long as the version does. The caller checks the version it reads alongside what it asks.
 */
export class CatalogueCache {
  version: number | null = null;
  private storeIds = new Map<number, number | null>();
  private storeCodes = new Map<string, number | null>();
  private skus = new Map<string, CatalogueProduct | null>();

  /** What the cache answers for a batch, what it must ask, whether any answer came from the cache, and at which version. */
  split(storeIds: Iterable<number>, storeCodes: Iterable<string>, skus: Iterable<string>): { found: CatalogueFound; ask: CatalogueAsk; fromCache: boolean; version: number | null } {
    const found = emptyCatalogueFound();
    const ask: CatalogueAsk = { storeIds: [], storeCodes: [], skus: [] };
    const answered = [
      answerFrom(this.storeIds, storeIds, ask.storeIds, (id) => found.storeById.add(id)),
      answerFrom(this.storeCodes, storeCodes, ask.storeCodes, (code, id) => found.storeByCode.set(code, id)),
      answerFrom(this.skus, skus, ask.skus, (sku, product) => found.productBySku.set(sku, product)),
    ];
    return { found, ask, fromCache: answered.includes(true), version: this.version };
  }

  /** Keeps what the database answered at `version`; a newer version than the cache's drops everything older first. */
  learn(version: number, ask: CatalogueAsk, got: CatalogueFound): void {
    if (this.version !== null && version < this.version) return;
    if (version !== this.version) {
      this.version = version;
      this.storeIds.clear();
      this.storeCodes.clear();
      this.skus.clear();
    }
    for (const map of [this.storeIds, this.storeCodes, this.skus]) if (map.size > MAX_ENTRIES) map.clear();
    for (const id of ask.storeIds) this.storeIds.set(id, got.storeById.has(id) ? id : null);
    for (const code of ask.storeCodes) this.storeCodes.set(code, got.storeByCode.get(code) ?? null);
    for (const [code, id] of got.storeByCode) this.storeCodes.set(code, id);
    for (const sku of ask.skus) this.skus.set(sku, got.productBySku.get(sku) ?? null);
  }
}

/** Puts what the cache knows of `keys` into `found` (null: known to be absent) and the rest into `ask`; true when it knew any. */
function answerFrom<K, V>(cached: Map<K, V | null>, keys: Iterable<K>, ask: K[], found: (key: K, value: V) => void): boolean {
  let knew = false;
  for (const key of keys) {
    const value = cached.get(key);
    if (value === undefined) {
      ask.push(key);
      continue;
    }
    knew = true;
    if (value !== null) found(key, value);
  }
  return knew;
}

const caches = new WeakMap<Db, CatalogueCache>();

/** One cache per database handle: each database (a test's own, say) has its own catalogue. */
export function catalogueCacheOf(db: Db): CatalogueCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new CatalogueCache()));
  return cache;
}
