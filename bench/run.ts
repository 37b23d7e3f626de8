/** `npm run bench -- NAME [args]`: runs bench/NAME.ts against the PostgreSQL server. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';

const [name, ...args] = process.argv.slice(2);
const dir = join(process.cwd(), 'bench');
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && !['run.ts', 'lib.ts', 'generate.ts'].includes(f) && !f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(join(dir, `${name}.ts`))) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})`);
  process.exit(2);
}
console.log(`bench ${name} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`);
const mod = await import(join(dir, `${name}.ts`));
await mod.default(args);
process.exit(0);
