// The web console in a real browser (Debian's Chromium through playwright-core) against the real server.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { demoConfig } from '../../src/config/demo.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { TEST_DEMO_SECRET } from '../helpers/api.js';
import { ROOT } from '../helpers/root.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = 'console-test-admin-key';
const ARTIFACTS = join(ROOT, 'test-artifacts/');
const WAIT_MS = 15_000;

const MISSING = `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

if (!existsSync(CHROMIUM)) {
  // One test stands for the browser tests: a failure on CI (a runner without the browser tests nothing), a counted skip
  // with one loud line locally.
  test('the web console in Chromium', (t) => {
    if (process.env.CI === 'true') assert.fail(`${MISSING}: CI must run the browser tests of the console`);
    console.error(`\n!!! SKIPPED: the browser tests of the web console: ${MISSING} !!!\n`);
    t.skip(`${MISSING}: the browser tests of the console are skipped`);
  });
}

describe('the web console in Chromium', { skip: !existsSync(CHROMIUM) }, () => {
  let workDir: string;
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'switchboard-console-'));
    // npm test builds nothing: build the console here, exactly as `npm run build` does, into a folder of our own.
    const consoleDir = join(workDir, 'console');
    await build({ configFile: join(ROOT, 'web/console/vite.config.ts'), build: { outDir: consoleDir, emptyOutDir: true }, logLevel: 'error' });
    process.env.SWITCHBOARD_CONSOLE_DIR = consoleDir;
    const config = demoConfig({ demoSecret: TEST_DEMO_SECRET });
    config.server.dataDir = join(workDir, 'data');
    server = await startServer({ config, host: '127.0.0.1', port: 0, adminKey: ADMIN_KEY });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    delete process.env.SWITCHBOARD_CONSOLE_DIR;
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Script errors of the pages opened: every test ends with none. */
  const pageErrors: Error[] = [];

  async function openConsole(key: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error));
    await page.goto(`${server.url}/console/#key=${encodeURIComponent(key)}`);
    return page;
  }

  test('an external call to the route point DID: its card, a key on the keypad in the event log, hang up', async () => {
    const page = await openConsole(ADMIN_KEY);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the key leaves the address bar');
    await page.locator('#dns article[data-dn="800"]').waitFor();
    await page.locator('#calls .empty').waitFor();

    await page.getByLabel('From').fill('+15557654321');
    await page.getByLabel('To', { exact: true }).fill('+15550100');
    await page.getByLabel('Caller name').fill('Erin');
    await page.getByRole('button', { name: 'Place call' }).click();

    const card = page.locator('#calls article.call');
    const caller = card.locator('tr[data-dn="10000"]');
    const routePoint = card.locator('tr[data-dn="800"]');
    await caller.locator('[data-status="Connected"]').waitFor();
    await routePoint.locator('[data-status="Connected"]').waitFor();
    assert.match(await caller.innerText(), /\+15557654321/);
    assert.match(await routePoint.innerText(), /Demo App/);
    assert.match(await routePoint.innerText(), /Erin/, 'the route point sees the caller as its party');
    const routePointId = await routePoint.getAttribute('data-participant');

    await caller.getByRole('button', { name: /^Keypad/ }).click();
    await caller.getByRole('group', { name: /Keypad/ }).getByRole('button', { name: 'Press 5' }).click();
    const dtmf = page.locator('#log tbody tr[data-type="2"]');
    await dtmf.waitFor();
    const cells = await dtmf.locator('td').allInnerTexts();
    assert.equal(cells[2], 'DTMFstring');
    assert.equal(cells[3], `/callcontrol/800/participants/${routePointId}`);
    assert.equal(cells[4], '5');
    assert.ok(Number(cells[1]) > 0, 'the frame shows its sequence');

    // Audio: the route point's stream is listed with its meters.
    await page.locator(`#streams tr[data-participant="${routePointId}"] meter`).first().waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });

    // Listening: the browser opens the party's stream, which the streams table counts as a reader.
    const callerId = await caller.getAttribute('data-participant');
    await caller.getByRole('button', { name: /^Listen/ }).click();
    await caller.getByRole('button', { name: /^Stop listening/, pressed: true }).waitFor();
    await page.locator(`#streams tr[data-participant="${callerId}"] td:nth-child(4)`, { hasText: '1' }).waitFor();
    assert.equal(await page.locator('#action-error').isHidden(), true);

    await caller.getByRole('button', { name: /^Hang up/ }).click();
    await card.waitFor({ state: 'detached' });
    await page.locator('#calls .empty').waitFor();
    await page.locator('#log tbody tr[data-type="1"]').first().waitFor();
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  test('the built files are served with long caching for hashed assets and revalidation for the page', async () => {
    const page = await fetch(`${server.url}/console/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    assert.ok(script, 'the page loads its script from /console/assets/');
    const asset = await fetch(`${server.url}${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  });

  test('a wrong admin key is refused, and the console says so and asks for the key', async () => {
    const page = await openConsole('not-the-admin-key');
    await page.locator('#connection', { hasText: 'Admin key refused' }).waitFor();
    await page.locator('#key-error', { hasText: 'refused this admin key' }).waitFor();
    assert.equal(await page.locator('#main').isHidden(), true);

    await page.getByRole('textbox', { name: 'Admin key' }).fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    assert.equal(await page.locator('#main').isVisible(), true);
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});
