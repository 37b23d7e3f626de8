/**
 * GETs at a steady offered rate from its own process, as many tills and agents each opening a page now and then
 * would: request n is due at start + n / rate whatever came back before (autocannon's rate sends each second's
 * quota in a burst at the start of the second). Latency counts from when a request was due, so a server that
 * falls behind is charged for the wait. At most `connections` requests are open at once; one due while all are
 * busy waits for a free connection, and that wait counts too. Args: a JSON file with a ChildLoadSpec with
 * `overallRate` (bench/lib.ts). Prints READY, waits for a line on stdin, then bench/lib's line and `RESULT <json>`.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Agent, request } from 'node:http';
import type { ChildLoadSpec, LoadResult } from '../lib.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChildLoadSpec;
const rate = spec.overallRate!;
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const get = (path: string) => new Promise<number>((resolve) => {
  const req = request(`${spec.url}${path}`, { agent, headers: spec.headers }, (res) => {
    res.on('data', () => {});
    res.on('end', () => resolve(res.statusCode ?? 0));
    res.on('error', () => resolve(0));
  });
  req.on('error', () => resolve(0));
  req.end();
});
console.log('READY');
await new Promise((resolve) => process.stdin.once('data', resolve));
const total = Math.round(rate * spec.duration);
const latencies: number[] = [];
let errors = 0;
let non2xx = 0;
const start = performance.now();
const answered: Promise<void>[] = [];
for (let n = 0; n < total; n++) {
  const due = start + (n * 1000) / rate;
  const wait = due - performance.now();
  if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
  const path = spec.paths![n % spec.paths!.length]!;
  answered.push(get(path).then((status) => {
    latencies.push(performance.now() - due);
    if (status === 0) errors++;
    else if (status < 200 || status > 299) non2xx++;
  }));
}
await Promise.all(answered);
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
const result: LoadResult = { requests: total, rps: Math.round(total / seconds), p50: at(0.5), p90: at(0.9), p99: at(0.99), errors, non2xx };
console.log(
  `${spec.label}: ${result.rps} req/s, p50 ${result.p50} ms, p90 ${result.p90} ms, p99 ${result.p99} ms, ${total} requests, ${errors} errors, ${non2xx} non-2xx ` +
    `(${cpus().length} cores, up to ${spec.connections} connections, ${rate} req/s offered)`,
);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
