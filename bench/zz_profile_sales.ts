import { openPostgres } from '../src/db/client.ts';
import { bookPurchases } from '../src/modules/sales/index.ts';
import { SYSTEM_ACTOR } from '../src/modules/staff/index.ts';
const db = openPostgres('postgres://postgres@127.0.0.1:5432/patron_bench_sales', 4);
const orig = db.tx.bind(db);
const times: Record<string, number> = {};
(db as any).tx = (fn: any) => orig(async (tx: any) => fn({
  query: async (text: string, params: unknown[]) => { const t0 = performance.now(); try { return await tx.query(text, params); } finally { const k = text.trim().slice(0, 40).replace(/\s+/g, ' '); times[k] = (times[k] ?? 0) + performance.now() - t0; } },
  exec: tx.exec,
}));
let seq = Date.now();
const mk = () => ({ source: 'prof', externalId: `X-${seq++}`, mobile: `139${String(1 + (seq % 20000)).padStart(8, '0')}`, storeCode: 'S00001', channel: 'store', purchasedAt: new Date().toISOString(),
  lines: [1, 2, 3].map((j) => ({ sku: `P${String(1 + ((seq * j) % 1000)).padStart(6, '0')}`, quantity: 1, unitPriceFen: 100 })) });
for (let round = 0; round < 3; round++) {
  const items = Array.from({ length: 1000 }, mk);
  for (const k of Object.keys(times)) delete times[k];
  const t0 = performance.now();
  const r = await bookPurchases(db, SYSTEM_ACTOR, items, { pathPrefix: 'purchases' });
  const total = performance.now() - t0;
  const t1 = performance.now(); JSON.stringify(r); const ser = performance.now() - t1;
  console.log(`bulk 1000: ${total.toFixed(0)} ms total, serialise ${ser.toFixed(0)} ms`, Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(v)])));
}
const t2 = performance.now();
for (let i = 0; i < 200; i++) await bookPurchases(db, SYSTEM_ACTOR, [mk()]);
console.log(`single: ${((performance.now() - t2) / 200).toFixed(2)} ms each sequentially`);
await db.close();
