// End-to-end tests of the real desktop app: `wails dev` (real Go services,
// real SQLite, real keychain) driven through Debian's Chromium. Started by
// scripts/e2e.sh, which sets E2E_URL, E2E_PICK_DIR, E2E_FAKE_PORT and
// E2E_SHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const URL = process.env.E2E_URL ?? 'http://localhost:34115';
const SHOTS = process.env.E2E_SHOTS ?? 'e2e-shots';
const FAKE_PORT = Number(process.env.E2E_FAKE_PORT ?? 0);
const FAKE_KEY = 'sk-e2e-' + Math.random().toString(36).slice(2) + 'Zq9x';
mkdirSync(SHOTS, { recursive: true });

let browser, page, fake;
const received = []; // websocket frames from the backend
const sent = []; // websocket frames to the backend
const fakeRequests = [];
const pageErrors = [];

before(async () => {
  // A loopback OpenAI-compatible provider: GET /v1/models with a bearer key.
  fake = http.createServer((req, res) => {
    fakeRequests.push({ url: req.url, auth: req.headers.authorization ?? '' });
    res.setHeader('Content-Type', 'application/json');
    if (req.url !== '/v1/models') {
      res.statusCode = 404;
      return res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
    }
    if (req.headers.authorization !== `Bearer ${FAKE_KEY}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
    }
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-fake-mini', object: 'model' }, { id: 'gpt-fake-large', object: 'model' }] }));
  });
  await new Promise((r) => fake.listen(FAKE_PORT, '127.0.0.1', r));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => received.push(String(f.payload)));
    ws.on('framesent', (f) => sent.push(String(f.payload)));
  });
  page.on('pageerror', (e) => {
    console.error('page error:', e.stack ?? e.message);
    // wails dev's own overlay script (/wails/ipc.js) throws once on load; it
    // is not part of the app and absent from production builds.
    if (!(e.stack ?? '').includes('/wails/ipc.js')) pageErrors.push(e.message);
  });
  await page.goto(URL);
  await page.waitForFunction(() => !!window.go?.app?.LibraryService, null, { timeout: 30000 });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => fake?.close(r));
});

async function setTheme(theme) {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(theme, 'i') }).click();
}

async function shot(name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

test('first run explains the three steps', async () => {
  await page.getByText('Welcome to ReasonKit').waitFor();
  for (const step of ['Add documents', 'Choose a model', 'Ask']) {
    await page.getByRole('heading', { name: step, exact: true }).waitFor();
  }
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    await shot(`first-run-${theme}`);
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
});

test('index a folder: progress reaches 100% through throttled events', async () => {
  await page.evaluate(() => {
    window.__progress = [];
    window.__done = [];
    window.runtime.EventsOn('library:progress', (p) => window.__progress.push({ ...p, at: performance.now() }));
    window.runtime.EventsOn('library:done', (d) => window.__done.push(d));
  });
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Add folder' }).first().click();
  await page.waitForFunction(() => window.__done.length > 0, null, { timeout: 300000 });
  const elapsed = (Date.now() - t0) / 1000;
  await page.waitForTimeout(500); // let any stray second event arrive before counting
  const { progress, done } = await page.evaluate(() => ({ progress: window.__progress, done: window.__done }));
  console.log(`# done events: ${JSON.stringify(done.map((d) => ({ run: d.run_id, indexed: d.indexed, unchanged: d.unchanged })))}`);
  assert.equal(new Set(done.map((d) => d.run_id)).size, done.length, 'each run reports done once');
  assert.equal(done.length, 1, 'one click starts one run');
  assert.equal(done[0].error, '');
  assert.ok(done[0].indexed >= 3, `indexed ${done[0].indexed}`);
  assert.equal(done[0].failed.length, 1, 'the broken file fails with a reason');
  assert.match(done[0].failed[0].path, /broken\.txt$/);
  assert.ok(progress.length >= 1, 'at least one progress event');
  assert.equal(progress.at(-1).percent, 100);
  const perSecond = progress.length / Math.max(elapsed, 0.1);
  // Throttled to <= 10 events a second (plus the final flush).
  assert.ok(progress.length <= Math.ceil(elapsed * 10) + 2, `${progress.length} events in ${elapsed}s`);
  console.log(`# indexing: ${done[0].indexed} files in ${done[0].elapsed_seconds.toFixed(2)}s, ${progress.length} progress events (${perSecond.toFixed(1)}/s)`);

  await page.getByRole('table', { name: 'Documents' }).waitFor();
  await page.getByText('lease-agreement.md').first().waitFor();
  // The failed badge shows its reason on click.
  await page.getByRole('button', { name: /Failed: show the reason for broken\.txt/ }).click();
  await page.getByText('Why it failed:').waitFor();
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    await shot(`library-${theme}`);
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
});

test('search as you type, open a result in the preview', async () => {
  await page.keyboard.press('Control+K');
  const box = page.getByRole('searchbox', { name: 'Search documents' });
  assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'Ctrl+K focuses search');
  await page.getByRole('radio', { name: 'Keyword' }).click();
  await box.pressSequentially('termination notice', { delay: 30 });
  const results = page.getByRole('list', { name: 'Search results' });
  await results.locator('mark').first().waitFor();
  const marks = await results.locator('mark').allTextContents();
  assert.ok(marks.length > 0 && marks.every((m) => /termination|notice/i.test(m)), `marks: ${marks}`);
  const first = results.getByRole('button').first();
  assert.match(await first.textContent(), /Lease|lease-agreement/);
  await first.click();
  const preview = page.getByRole('complementary', { name: 'Passage preview' });
  await preview.getByText('ninety days').first().waitFor();
  await preview.getByRole('button', { name: 'Open file' }).waitFor();
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    await shot(`search-preview-${theme}`);
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  await page.keyboard.press('Escape');
  await preview.waitFor({ state: 'detached' });
});

test('set, test and delete a key; the key never comes back to the UI', async () => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const openai = page.getByRole('listitem', { name: 'Provider openai' });
  await openai.getByTestId('key-status').waitFor();
  assert.match((await openai.getByTestId('key-status').textContent()).trim(), /^not set/);

  await openai.getByLabel('API key for openai').fill(FAKE_KEY);
  await openai.getByRole('button', { name: 'Save' }).click();
  await openai.getByText(/set · keychain · …Zq9x/).waitFor();
  assert.equal(await openai.getByLabel('API key for openai').inputValue(), '', 'the field is cleared');

  await openai.getByRole('button', { name: 'Test' }).click();
  await openai.getByText(/openai answered: 2 models available/).waitFor();
  assert.ok(fakeRequests.some((r) => r.auth === `Bearer ${FAKE_KEY}`), 'the provider received the key');
  for (const theme of ['light', 'dark']) {
    await setTheme(theme);
    await shot(`settings-${theme}`);
  }
  await setTheme('light');

  await openai.getByRole('button', { name: 'Delete' }).click();
  await openai.getByText('Removed from the keychain.').waitFor();
  assert.match((await openai.getByTestId('key-status').textContent()).trim(), /^not set/);

  const html = await page.content();
  assert.ok(!html.includes(FAKE_KEY), 'key in the DOM');
  const leaked = received.filter((f) => f.includes(FAKE_KEY));
  assert.deepEqual(leaked, [], 'key in a websocket frame from the backend');
  // The only frames carrying the key are the SetKey call itself.
  const outgoing = sent.filter((f) => f.includes(FAKE_KEY));
  assert.equal(outgoing.length, 1);
  assert.match(outgoing[0], /SettingsService\.SetKey/);
});

test('run a profile: steps stream as cards, citations open the source', async () => {
  await page.getByRole('button', { name: 'Chat', exact: true }).click();
  await page.locator('#mode').selectOption('profile:quick');
  await page.locator('#coll').selectOption('default');
  const q = page.getByLabel('Your question');
  await q.fill('first line');
  await q.press('Shift+Enter');
  assert.equal(await q.inputValue(), 'first line\n', 'Shift+Enter adds a line');
  await q.fill('What is the termination notice period?');
  await q.press('Enter');
  // A step card appears while the run is still going (streaming).
  await page.locator('details.step').first().waitFor({ timeout: 60000 });
  const runningSeen = await page.getByRole('button', { name: 'Stop' }).isVisible();
  await page.getByRole('button', { name: 'What was sent' }).waitFor({ timeout: 120000 });
  const steps = await page.locator('details.step').count();
  assert.ok(steps >= 2, `a profile shows each step, got ${steps}`);
  assert.ok(runningSeen, 'steps appeared before the run finished');
  const badges = await page.locator('details.step .badge').allTextContents();
  assert.ok(badges.some((b) => /\d+% · \w+/.test(b)), `confidence badges: ${badges}`);

  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    await shot(`chat-run-${theme}`);
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  await page.getByRole('button', { name: 'S1', exact: true }).first().click();
  const preview = page.getByRole('complementary', { name: 'Passage preview' });
  await preview.getByText(/ninety days/).first().waitFor();
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    await shot(`chat-profile-${theme}`);
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  await page.keyboard.press('Escape');
  await preview.waitFor({ state: 'detached' });

  await page.getByRole('button', { name: 'What was sent' }).click();
  const dialog = page.getByRole('dialog', { name: 'What was sent' });
  await dialog.getByText(/termination notice period/).first().waitFor();
  await shot('chat-what-was-sent-light');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

test('Escape stops a streaming run', async () => {
  await page.locator('#mode').selectOption('ask');
  const q = page.getByLabel('Your question');
  await q.fill('Please count slowly to ten');
  await q.press('Enter');
  await page.getByRole('button', { name: 'Stop' }).waitFor();
  await page.getByText(/one two/).waitFor({ timeout: 30000 });
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 15000 });
  const last = page.locator('.a').last();
  const t = await last.textContent();
  assert.match(t, /cancel/i, `the stopped turn says so: ${t}`);
  assert.doesNotMatch(t, /ten/, 'the stream stopped before the end');
});

test('import a bad protocol: the error names line and field', async () => {
  await page.getByRole('button', { name: 'Protocols', exact: true }).click();
  await page.getByRole('heading', { name: 'Protocols', level: 1 }).waitFor();
  await page.getByRole('button', { name: /Import TOML/ }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The file was not imported' });
  await alert.waitFor();
  const txt = await alert.textContent();
  assert.match(txt, /line \d+/);
  assert.match(txt, /teleport|type/);
  await page.getByRole('button', { name: /GigaThink/i }).first().click();
  await page.getByRole('button', { name: 'View TOML' }).click();
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
    await shot(`protocols-${theme}`);
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
});

test('a provider setting is saved to config.toml and survives a reload', async () => {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const openai = page.getByRole('listitem', { name: 'Provider openai' });
  await openai.getByText('Connection and model').click();
  await openai.getByLabel('Temperature for openai').fill('0.7');
  await openai.getByRole('button', { name: 'Apply', exact: true }).click();
  await openai.getByText('Saved to config.toml.').waitFor();
  await page.reload();
  await page.waitForFunction(() => !!window.go?.app?.SettingsService, null, { timeout: 30000 });
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  const again = page.getByRole('listitem', { name: 'Provider openai' });
  await again.getByText(/temperature 0\.7/).waitFor();
  await again.getByText('Connection and model').click();
  assert.equal(await again.getByLabel('Temperature for openai').inputValue(), '0.7');
});

test('no script errors on any screen', () => {
  assert.deepEqual(pageErrors, []);
});
