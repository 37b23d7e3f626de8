/**
 * Runs one autocannon load in its own process, as a till or a POS would be: the server's event loop then serves
 * requests only, and its CPU can be measured apart from the load generator's. Args: a JSON file with a
 * ChildLoadSpec (bench/lib.ts). Prints READY and waits for a line on stdin, then prints bench/lib's line and
 * `RESULT <json>`.
 */
import { readFileSync } from 'node:fs';
import { load, type ChildLoadSpec } from '../lib.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChildLoadSpec;
const headers = { ...spec.headers, ...(spec.post ? { 'content-type': 'application/json' } : {}) };
let sent = 0;
const requests = spec.post
  ? [{
      method: 'POST' as const, path: spec.post.path, headers,
      // Each request books: a fresh externalId on a body from the pool.
      setupRequest: (req: any) => {
        const body = spec.post!.bodies[sent % spec.post!.bodies.length] as Record<string, unknown>;
        sent++;
        return { ...req, body: JSON.stringify({ ...body, externalId: `${spec.post!.uniqueExternalId}-${sent}` }) };
      },
    }]
  : spec.paths!.map((path) => ({ method: 'GET' as const, path, headers }));
const opts = { url: spec.url, connections: spec.connections, duration: spec.duration, headers, requests };
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
