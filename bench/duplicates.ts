/**
 * `npm run bench -- duplicates [--customers 1000000] [--reuse]`: duplicate detection over a generated customer table
 * on PostgreSQL, then a streamed CSV export of every row. Prints times, pairs found and peak memory. `--reuse` keeps
 * the table of the previous run instead of generating it again.
 */
import { readFileSync } from 'node:fs';
import { benchDb, timed } from './lib.ts';
import { refreshDuplicateCandidates } from '../src/modules/customers/duplicates.ts';
import { customerBatches, exportColumns } from '../src/modules/customers/export.ts';
import { csvChunks } from '../src/lib/tabular-export.ts';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

export default async function (args: string[]) {
  const n = arg(args, 'customers', 1_000_000);
  const reuse = args.includes('--reuse');
  const db = await benchDb({ fresh: !reuse });
  try {
    if (reuse) await db.query('TRUNCATE customer_duplicate_candidates');
    else await timed(`generate ${n.toLocaleString()} customers`, async () => {
      // 100 surnames × 60 given names × 30 cities: common names repeat within a city, as they do in a real chain.
      await db.query(
        `INSERT INTO customers (name, mobile, email, birthday, city, card_no)
         SELECT (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + i % 10] || (ARRAY['甲','乙','丙','丁','戊','己','庚','辛','壬','癸'])[1 + (i / 10) % 10]
                  || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳'])[1 + (i / 100) % 12] || (ARRAY['','华','明','红','平'])[1 + (i / 1200) % 5],
                '13' || lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0'),
                CASE WHEN i % 3 = 0 THEN NULL ELSE 'member' || i || '@example.com' END,
                date '1960-01-01' + abs(hashint4(i)) % 14600,
                (ARRAY['上海','北京','广州','深圳','杭州','成都','南京','武汉','重庆','西安','苏州','天津','长沙','郑州','青岛',
                       '厦门','宁波','无锡','合肥','福州','济南','大连','沈阳','昆明','哈尔滨','长春','石家庄','南宁','贵阳','南昌'])[1 + (i / 6000) % 30],
                'C' || i
           FROM generate_series(1, $1::int) AS i`,
        [n],
      );
      // 1 % true duplicates: the same person registered again with the e-mail in capitals, and either a mistyped
      // mobile digit, the mobile written with +86 and dashes, the card in lower case with a dash, or nothing else.
      await db.query(
        `INSERT INTO customers (name, mobile, email, birthday, city, card_no)
         SELECT name,
                CASE (id / 100) % 4 WHEN 0 THEN left(mobile, 10) || ((right(mobile, 1)::int + 1) % 10)::text
                                    WHEN 1 THEN '+86 ' || left(mobile, 3) || '-' || substr(mobile, 4, 4) || '-' || right(mobile, 4) END,
                upper(email), birthday, city,
                CASE WHEN (id / 100) % 4 = 3 THEN 'c-' || substr(card_no, 2) END
           FROM customers WHERE id % 100 = 7`,
      );
      await db.query('ANALYZE customers');
    });
    // Wall time on a shared machine says little; the server backend's own CPU time (no parallel workers) says more.
    const cpu = async (tx: { query: (s: string) => Promise<{ rows: any[] }> }) => {
      const pid = (await tx.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        return NaN;
      }
    };
    const first = await timed('detect duplicates (empty queue)', () => db.tx(async (tx) => {
      await tx.query('SET LOCAL max_parallel_workers_per_gather = 0');
      const before = await cpu(tx);
      const r = await refreshDuplicateCandidates(tx);
      console.log(`  database CPU time ${(await cpu(tx) - before).toFixed(2)} s (one backend, no parallel workers)`);
      return r;
    }));
    console.log(`  pairs detected ${first.detected.toLocaleString()}, open ${first.open.toLocaleString()}`);
    const second = await timed('detect duplicates again (queue present)', () => db.tx((tx) => refreshDuplicateCandidates(tx)));
    console.log(`  pairs detected ${second.detected.toLocaleString()}, open ${second.open.toLocaleString()}, removed ${second.removed}`);
    const byReason = await db.query(`SELECT unnest(reasons) AS reason, count(*)::int AS n FROM customer_duplicate_candidates GROUP BY 1 ORDER BY 2 DESC`);
    for (const r of byReason.rows) console.log(`  ${r.reason}: ${r.n.toLocaleString()}`);

    const columns = ['id', 'name', 'mobile', 'email', 'birthday', 'city', 'cardNo', 'tags', 'registeredAt'];
    let bytes = 0;
    let peakRss = process.memoryUsage().rss;
    await timed('stream a CSV export of every active customer (masked)', async () => {
      for await (const chunk of csvChunks(exportColumns(columns, 'zh', false), customerBatches(db, columns, {}))) {
        bytes += Buffer.byteLength(chunk);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    });
    console.log(`  ${(bytes / 1e6).toFixed(1)} MB of CSV, peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);
  } finally {
    await db.close();
  }
}
