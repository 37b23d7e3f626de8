/**
 * Sends bulk booking requests from its own process, as a POS integration would: the server's event loop then
 * serves requests only (reading 1,000 answers per request here took the server's own loop time before).
 * Args: a JSON file with a ChildBulkSpec (bench/lib.ts). Prints READY and waits for a line on stdin, then sends
 * every body with `concurrency` requests in flight, reads and parses every answer, and prints `RESULT <json>`.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { BulkResult, ChildBulkSpec } from '../lib.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChildBulkSpec;
// node:http rather than fetch: on these two shared cores, fetch's streams took a client CPU the server then lacked.
const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
const post = (body: string) => new Promise<{ status: number; text: string }>((resolve, reject) => {
  const req = request(`${spec.url}/api/purchases/bulk`, { method: 'POST', agent, headers: { ...spec.headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end(body);
});
console.log('READY');
await new Promise((resolve) => process.stdin.once('data', resolve));
const latencies: number[] = [];
let next = 0;
let failed = 0;
let pointsEarned = 0;
const started = performance.now();
await Promise.all(Array.from({ length: spec.concurrency }, async () => {
  while (next < spec.bodies.length) {
    const body = spec.bodies[next++]!;
    const t0 = performance.now();
    const res = await post(body);
    const out: any = JSON.parse(res.text);
    latencies.push(performance.now() - t0);
    if (res.status !== 200 || out.created !== spec.perRequest) failed++;
    for (const it of out.items ?? []) pointsEarned += it.purchase?.loyalty?.pointsEarned ?? 0;
  }
}));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const result: BulkResult = { seconds, failed, pointsEarned, p50: latencies[Math.floor(latencies.length / 2)]!, max: latencies.at(-1)! };
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
