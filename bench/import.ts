/**
 * `npm run bench -- import [--rows 1000000]`: generates a reproducible customer CSV (about 2% invalid rows and 1%
 * duplicates) under .bench-data/, imports it through the real service and job on PostgreSQL, then writes the report.
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { benchDb, rng } from './lib.ts';
import { createImport, runImport, startImport } from '../src/modules/customers/import/service.ts';
import { csvReport } from '../src/modules/customers/import/report.ts';
import type { Actor } from '../src/modules/staff/index.ts';
import type { Db, Queryable } from '../src/db/client.ts';

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建华婷雪琳晨宇浩然子涵欣怡梓萱一诺思彤佳怡';
const CITIES = [['上海', '上海'], ['北京', '北京'], ['广州', '广东'], ['深圳', '广东'], ['杭州', '浙江'], ['成都', '四川'], ['武汉', '湖北'], ['南京', '江苏'], ['西安', '陕西'], ['重庆', '重庆']];
const TAGS = ['VIP', '新客', '敏感肌', '学生', '会员日', '团购', ''];

async function generate(path: string, rows: number) {
  const r = rng(20261123);
  const pick = <T>(a: ArrayLike<T>) => a[Math.floor(r() * a.length)]!;
  const out = createWriteStream(path);
  const kept: string[] = [];
  async function* lines() {
    yield '姓名,手机号,邮箱,性别,出生日期,城市,省份,标签,备注\n';
    let buf = '';
    for (let i = 0; i < rows; i++) {
      let line: string;
      const roll = r();
      if (roll < 0.01 && kept.length) {
        line = pick(kept); // a duplicate of an earlier row
      } else {
        const mobile = `1${pick('3456789')}${String(100_000_000 + i * 7 + Math.floor(r() * 7)).slice(-9)}`;
        const name = pick(SURNAMES) + pick(GIVEN) + (r() < 0.5 ? pick(GIVEN) : '');
        const [city, region] = pick(CITIES);
        const y = 1950 + Math.floor(r() * 55), m = 1 + Math.floor(r() * 12), d = 1 + Math.floor(r() * 28);
        let birthday = r() < 0.5 ? `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` : `${y}/${m}/${d}`;
        let phone = r() < 0.2 ? `+86 ${mobile.slice(0, 3)} ${mobile.slice(3, 7)} ${mobile.slice(7)}` : mobile;
        let email = r() < 0.4 ? `user${i}@${pick(['qq.com', '163.com', 'Example.COM'])}` : '';
        if (roll > 0.98) {
          const bad = Math.floor(r() * 3);
          if (bad === 0) phone = `12${String(i).padStart(9, '0')}`;
          else if (bad === 1) email = `broken${i}@`;
          else birthday = `${y}-02-30`;
        }
        const tag = pick(TAGS);
        line = `${name},${phone},${email},${pick('男女')},${birthday},${city},${region},${tag ? `"${tag},${pick(TAGS) || 'VIP'}"` : ''},\n`;
        if (kept.length < 100_000 && r() < 0.2) kept.push(line);
      }
      buf += line;
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(lines, out);
}

export default async function (args: string[]) {
  const at = args.indexOf('--rows');
  const rows = at >= 0 ? Number(args[at + 1]) : 1_000_000;
  const dir = join(process.cwd(), '.bench-data');
  mkdirSync(dir, { recursive: true });
  const source = join(dir, `import-customers-${rows}.csv`);
  if (!existsSync(source)) {
    const g = performance.now();
    await generate(source, rows);
    console.log(`generated ${source} in ${((performance.now() - g) / 1000).toFixed(1)} s`);
  }
  const size = (await stat(source)).size;
  const raw = await benchDb({ fresh: true, poolSize: 4 });
  // --trace: where the time goes, per statement (first words), summed over all batches.
  const trace = new Map<string, number>();
  const timedQ = (q: Queryable): Queryable => ({
    exec: (sql) => q.exec(sql),
    async query(text, params) {
      const t = performance.now();
      try {
        return await q.query(text, params);
      } finally {
        const k = text.replace(/\s+/g, ' ').trim().slice(0, 60);
        trace.set(k, (trace.get(k) ?? 0) + performance.now() - t);
      }
    },
  });
  const db: Db = args.includes('--trace') ? { ...raw, ...timedQ(raw), tx: (fn) => raw.tx((tx) => fn(timedQ(tx))) } : raw;
  const actor: Actor = { kind: 'system', id: null, name: 'bench', role: null, storeIds: [], permissions: new Set() };
  const path = join(tmpdir(), `patron-bench-import-${process.pid}.csv`);
  await copyFile(source, path);

  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  const up = await createImport(db, actor, { path, fileName: 'bench.csv', size }, { kind: 'customers' });
  await startImport(db, actor, up.id, { mapping: up.suggestedMapping, duplicatePolicy: 'merge' });
  const t1 = performance.now();
  const done = await runImport(db, up.id);
  const t2 = performance.now();
  let reportBytes = 0;
  await pipeline(csvReport(db, up.id, up.columns, 'rejected', true), async (src: AsyncIterable<string>) => {
    for await (const chunk of src) reportBytes += Buffer.byteLength(chunk);
  });
  const t3 = performance.now();
  const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
  console.log(`file: ${rows.toLocaleString('en')} rows, ${(size / 1e6).toFixed(1)} MB, encoding ${up.encoding}`);
  console.log(`counts: read ${done.rowsRead}, created ${done.created}, updated ${done.updated}, merged ${done.merged}, rejected ${done.rejected} (sum ${done.created + done.updated + done.merged + done.rejected})`);
  console.log(`times: preview ${s(t0, t1)} s, run ${s(t1, t2)} s, rejected-rows report ${s(t2, t3)} s (${(reportBytes / 1e6).toFixed(1)} MB), total ${s(t0, t3)} s`);
  console.log(`rate: ${Math.round(done.rowsRead / ((t3 - t0) / 1000)).toLocaleString('en')} rows/s overall on ${cpus().length} cores; load average ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
  if (trace.size) for (const [k, ms] of [...trace].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${k}`);
  await raw.close();
}
