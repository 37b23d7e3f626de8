/**
 * Segment preview counts over 1,000,000 members: the filters a marketer typically builds (3–6 conditions, one
 * behavioural), each posted to `POST /api/segments/preview` through the real server, one after another, so
 * the figures are the latency a marketer sees while editing. `npm run bench -- segments [--rounds 15]`.
 */
import { cpus, loadavg } from 'node:os';
import { startBenchServer } from './lib.ts';
import { benchChain } from './generate.ts';
import { createApiKey, SYSTEM_ACTOR } from '../src/modules/staff/index.ts';

const FILTERS: [string, unknown][] = [
  ['上海/杭州女性 25–34 岁，90 天内买过护肤', { all: [
    { field: 'gender', op: 'eq', value: 'female' }, { field: 'city', op: 'in', value: ['上海', '杭州'] },
    { field: 'age', op: 'between', value: [25, 34] }, { field: 'boughtCategory', op: 'within_last_days', value: { keys: ['护肤'], value: 90 } },
  ] }],
  ['短信授权、消费满 ¥2,000、180 天未购买（流失召回）', { all: [
    { field: 'consent', op: 'granted', value: 'sms' }, { field: 'totalSpend', op: 'gte', value: 200_000 },
    { field: 'lastPurchase', op: 'not_within_last_days', value: 180 },
  ] }],
  ['北京或深圳、购买 ≥5 次、30 天内在小程序购买、非 VIP', { all: [
    { field: 'city', op: 'in', value: ['北京', '深圳'] }, { field: 'purchaseCount', op: 'gte', value: 5 },
    { field: 'boughtViaChannel', op: 'within_last_days', value: { keys: ['mini_program'], value: 30 } },
    { not: { field: 'tags', op: 'has_any', value: ['VIP'] } },
  ] }],
  ['白领或教师、收入 ≥1 万、买过彩妆或香水但从未买过饮品', { all: [
    { field: 'occupation', op: 'in', value: ['白领', '教师'] }, { field: 'incomeBand', op: 'in', value: ['10k-20k', '20k-50k', '50k+'] },
    { field: 'boughtCategory', op: 'ever', value: { keys: ['彩妆', '香水'] } },
    { field: 'boughtCategory', op: 'never', value: { keys: ['饮品'] } },
  ] }],
  ['男性或 40 岁以上、60 天内来过上海门店、邮件授权、注册满一年', { all: [
    { any: [{ field: 'gender', op: 'eq', value: 'male' }, { field: 'age', op: 'gte', value: 40 }] },
    { field: 'boughtAtStore', op: 'within_last_days', value: { keys: [1, 2, 3], value: 60 } },
    { field: 'consent', op: 'granted', value: 'email' }, { field: 'registeredAt', op: 'before', value: '2025-11-23' },
    { field: 'lastPurchase', op: 'within_last_days', value: 365 }, { field: 'source', op: 'in', value: ['app', 'mini_program'] },
  ] }],
];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export default async function segmentsBench(args: string[]) {
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 15;
  const { db, summary } = await benchChain({ customers: 1_000_000, purchases: 8_000_000, minPurchases: 1_000_000 });
  const { app, url } = await startBenchServer(db);
  const { key } = await createApiKey(db, SYSTEM_ACTOR, { name: 'segments bench', scopes: ['segments.read'], storeIds: [] });
  const preview = async (filter: unknown) => {
    const started = performance.now();
    const res = await fetch(`${url}/api/segments/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filter, sampleSize: 20 }),
    });
    const body = (await res.json()) as { count: number };
    if (!res.ok) throw new Error(`preview failed: ${res.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, count: body.count };
  };
  console.log(`${summary.customers.toLocaleString('en')} members, ${summary.lines.toLocaleString('en')} purchase lines; ${rounds} rounds of ${FILTERS.length} filters after one warm-up round; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  for (const [, f] of FILTERS) await preview(f);
  const all: number[] = [];
  for (const [label, filter] of FILTERS) {
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < rounds; i++) {
      const r = await preview(filter);
      times.push(r.ms);
      count = r.count;
    }
    times.sort((a, b) => a - b);
    all.push(...times);
    console.log(`  ${label}: ${count.toLocaleString('en')} match; p50 ${pct(times, 50).toFixed(0)} ms, p95 ${pct(times, 95).toFixed(0)} ms`);
  }
  all.sort((a, b) => a - b);
  console.log(`segment preview (count + sample of 20) over ${summary.customers.toLocaleString('en')} members: p50 ${pct(all, 50).toFixed(0)} ms, p95 ${pct(all, 95).toFixed(0)} ms, max ${all[all.length - 1]!.toFixed(0)} ms (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)})`);
  await app.close();
  await db.close();
}
