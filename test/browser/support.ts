/**
 * Browser tests: the real app on 127.0.0.1 (random port, fresh database, the built console from dist/web)
 * driven by headless Chromium through playwright-core. One browser per test file.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/client.ts';
import { buildApp, WEB_DIST } from '../../src/http/app.ts';
import type { AppContext } from '../../src/http/context.ts';
import { inlineJobs } from '../../src/jobs/runner.ts';
import { MODULES } from '../../src/modules/registry.ts';
import { hashPassword, type Role } from '../../src/modules/staff/index.ts';
import { openTestDb, testConfig } from '../support.ts';

export const CHROMIUM = process.env.PATRON_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The `skip` option for browser tests: false when Chromium is there; a reason to skip when it is not.
 * In CI a missing browser is a failure, never a skip.
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const msg = `Chromium not found at ${CHROMIUM} (set PATRON_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`${msg}: browser tests cannot be skipped in CI`);
  console.log(`# skipping browser tests: ${msg}`);
  return msg;
}

export interface BrowserApp {
  url: string;
  db: Db;
  app: FastifyInstance;
  browser: Browser;
  /** A fresh browser context (own cookies and storage) at 1400×900, Chinese unless told otherwise. */
  newPage(opts?: { locale?: string }): Promise<Page>;
  /** Inserts an active staff account with a known password that need not be changed. */
  addStaff(username: string, role: Role, password: string, storeIds?: number[]): Promise<void>;
  /** Runs a test body; when it fails, saves a screenshot of every open page (PATRON_SCREENSHOTS or the temp folder) and says where. */
  run(name: string, fn: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function startBrowserApp(): Promise<BrowserApp> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) throw new Error(`the console is not built in ${WEB_DIST}: run npm run build:web`);
  const db = await openTestDb();
  const config = testConfig();
  const jobDefs = MODULES.flatMap((m) => m.jobs?.({ db, config }) ?? []);
  const ctx: AppContext = { db, config, jobs: inlineJobs(jobDefs) };
  const app = await buildApp(ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  } catch (err) {
    await app.close();
    await db.drop();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  return {
    url,
    db,
    app,
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: opts.locale ?? 'zh-CN', baseURL: url });
      context.setDefaultTimeout(30_000); // generous: the box running the tests may be busy
      contexts.push(context);
      return context.newPage();
    },
    async addStaff(username, role, password, storeIds = []) {
      await db.query(
        `INSERT INTO staff_accounts (username, display_name, role, store_ids, password_hash) VALUES ($1, $1, $2, $3, $4)`,
        [username, role, storeIds, await hashPassword(password)],
      );
    },
    async run(name, fn) {
      try {
        await fn();
      } catch (err) {
        const dir = process.env.PATRON_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'patron-browser-'));
        mkdirSync(dir, { recursive: true });
        const pages = contexts.flatMap((c) => c.pages());
        for (const [i, p] of pages.entries()) {
          const path = join(dir, `failed-${name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}-${i}.png`);
          await p.screenshot({ path, fullPage: true }).then(() => console.log(`# screenshot of the failed page: ${path}`), () => undefined);
        }
        throw err;
      }
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await app.close();
      await (db as Db & { drop(): Promise<void> }).drop();
    },
  };
}

export async function login(page: Page, username: string, password: string) {
  await page.goto('/');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** With PATRON_SCREENSHOTS=<dir>, saves a full-page screenshot there (for looking at pages by eye). */
export async function screenshot(page: Page, name: string) {
  const dir = process.env.PATRON_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** The few waiting assertions the browser tests need (playwright-core has no `expect`). */
export function expect(locator: Locator, timeout = 30_000) {
  return {
    toBeVisible: () => locator.first().waitFor({ state: 'visible', timeout }),
    async toHaveText(text: string) {
      const until = Date.now() + timeout;
      let last: string | null = null;
      while (Date.now() < until) {
        last = (await locator.first().textContent().catch(() => null))?.trim() ?? null;
        if (last === text) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`expected ${locator} to have text ${JSON.stringify(text)}, last saw ${JSON.stringify(last)}`);
    },
  };
}

/** Clicks an antd button once it is no longer busy (a loading button ignores clicks). */
export async function clickWhenReady(page: Page, testId: string) {
  const button = page.getByTestId(testId);
  await page.locator(`[data-testid="${testId}"]:not(.ant-btn-loading)`).waitFor({ state: 'visible' });
  await button.click();
}
