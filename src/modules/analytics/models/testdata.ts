import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Reads a public data set from `../shared/data/` relative to the checkout root; a worktree nested one level
 * deeper finds it by walking up, so the same tests run in the main checkout and in worktrees.
 */
export function sharedDataFile(name: string): string {
  let dir = resolve(process.cwd());
  for (;;) {
    const candidate = join(dir, '..', 'shared', 'data', name);
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
    const up = dirname(dir);
    if (up === dir) throw new Error(`public data file ${name} not found in ../shared/data above ${process.cwd()}`);
    dir = up;
  }
}
