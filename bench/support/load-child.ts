/**
 * Runs one autocannon load in its own process, so the server's CPU time can be measured apart from the
 * load generator's. Args: a JSON file `{ label, url, paths, connections, duration }`; the key comes in
 * PATRON_BENCH_API_KEY. Prints READY and waits for a line on stdin, then
 * prints bench/lib's line and `RESULT <json>`.
 */
import { readFileSync } from 'node:fs';
import { load } from '../lib.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { label: string; url: string; paths: string[]; connections: number; duration: number; quiet?: boolean };
const opts = {
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  headers: { authorization: `Bearer ${process.env.PATRON_BENCH_API_KEY}` },
  requests: spec.paths.map((path) => ({ method: 'GET' as const, path })),
};
// The parent measures the server's CPU from here on.
console.log('READY');
await new Promise((resolve) => process.stdin.once('data', resolve));
if (spec.quiet) {
  const { default: autocannon } = await import('autocannon');
  await autocannon(opts);
  console.log('RESULT {}');
} else {
  const r = await load(spec.label, opts);
  console.log(`RESULT ${JSON.stringify(r)}`);
}
process.exit(0);
