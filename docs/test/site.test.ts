// The built site (docs/.vitepress/dist) as a reader sees it: served by VitePress's own `serve`, every
// page opened in a real headless Chromium — Debian's `chromium` package, driven by playwright-core
// (no browser download). Fails on a console error, a failed request, a page whose content is empty,
// a broken internal link or anchor, a text diagram (box-drawing characters) wider than the content
// column, and a local search that finds nothing for "rotate". Saves screenshots of the home page and
// one docs page at desktop and phone width in docs/.vitepress/screenshots (git-ignored).
//
// Without chromium the test skips with a warning naming the package, except under CI=true, where
// a missing browser is a failure.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { serve } from 'vitepress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const distDir = join(docsDir, '.vitepress', 'dist');
const shotsDir = join(docsDir, '.vitepress', 'screenshots');
const executablePath = process.env['CREDS_CHROMIUM'] ?? '/usr/bin/chromium';
const PACKAGE = "Debian's `chromium` package (apt-get install chromium)";
const requireBrowser = process.env['CI'] === 'true';
const haveBrowser = existsSync(executablePath);

if (!haveBrowser && !requireBrowser) {
  console.warn(`docs site: no browser at ${executablePath}: skipping the browser test; install ${PACKAGE}`);
}

describe('a browser is present under CI', () => {
  it.runIf(requireBrowser)('chromium', () => {
    expect(haveBrowser, `CI=true but no browser at ${executablePath}: install ${PACKAGE}`).toBe(true);
  });
});

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SEARCH_TERM = 'rotate';

/** The site's routes, from the built HTML files (cleanUrls: `/oidc` is oidc.html). */
function routes(): string[] {
  return readdirSync(distDir)
    .filter((f) => f.endsWith('.html') && f !== '404.html')
    .map((f) => (f === 'index.html' ? '/' : `/${f.slice(0, -'.html'.length)}`))
    .sort();
}

interface Visit {
  route: string;
  ids: Set<string>;
  links: string[];
}

describe.runIf(haveBrowser)('the docs site in a browser', () => {
  let server: Server;
  let origin: string;
  let context: BrowserContext;
  let profile: string;
  const visits = new Map<string, Visit>();
  const problems: string[] = [];

  beforeAll(async () => {
    expect(existsSync(join(distDir, 'index.html')), 'docs/.vitepress/dist is not built: run `corepack pnpm docs:build`').toBe(true);
    const app = await serve({ root: docsDir, port: 0 });
    server = app.server as Server;
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'creds-docs-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: DESKTOP,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  /** A page whose console errors, uncaught exceptions, failed and 4xx/5xx requests go to `problems`. */
  async function watchedPage(): Promise<Page> {
    const page = await context.newPage();
    const where = () => new URL(page.url()).pathname;
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`${where()}: console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${where()}: uncaught: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A prefetch cut short because the test moved on to the next page is not a fault of the site.
      const error = request.failure()?.errorText ?? '';
      if (error !== 'net::ERR_ABORTED') problems.push(`${where()}: request failed: ${request.url()} (${error})`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${where()}: ${response.status()} for ${response.url()}`);
    });
    return page;
  }

  it('every page renders: content, no console error, no failed request, diagrams fit', async () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(10);
    const page = await watchedPage();
    for (const route of all) {
      await page.goto(`${origin}${route}`, { waitUntil: 'networkidle' });
      const seen = await page.evaluate(() => {
        const content = document.querySelector('.VPHome') ?? document.querySelector('.vp-doc');
        const text = (content as HTMLElement | null)?.textContent.trim() ?? '';
        const wide = [...document.querySelectorAll<HTMLElement>('.vp-doc div.language-text pre')]
          .filter((pre) => /[─│┌┐└┘├┤┬┴┼]/.test(pre.textContent ?? '') && pre.scrollWidth > pre.clientWidth + 1)
          .map((pre) => `${pre.textContent.split('\n')[0]?.slice(0, 40)}… (${pre.scrollWidth}px in ${pre.clientWidth}px)`);
        return {
          text: text.length,
          heading: document.querySelector('h1')?.textContent?.trim() ?? '',
          ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
          links: [...document.querySelectorAll<HTMLAnchorElement>('a[href]')].map((a) => a.href),
          icons: [...document.querySelectorAll<HTMLLinkElement>('link[rel~="icon"]')].map((l) => l.href),
          wide,
        };
      });
      if (seen.text < 100) problems.push(`${route}: the main content is empty (${seen.text} characters)`);
      if (seen.heading === '') problems.push(`${route}: no h1`);
      for (const w of seen.wide) problems.push(`${route}: a text diagram is wider than the content: ${w}`);
      if (seen.icons.length === 0) problems.push(`${route}: no <link rel="icon">`);
      visits.set(route, { route, ids: new Set(seen.ids), links: [...seen.links, ...seen.icons] });
    }
    await page.close();
    console.info(`docs site: ${visits.size} pages opened in ${executablePath}, errors found: ${problems.length}`);
    expect(problems).toEqual([]);
  }, 180_000);

  it('every internal link and anchor resolves, and /favicon.ico is there', async () => {
    expect(visits.size).toBeGreaterThan(10);
    const broken: string[] = [];
    const assets = new Set<string>();
    let checked = 0;
    for (const visit of visits.values()) {
      for (const href of visit.links) {
        const url = new URL(href);
        if (url.origin !== origin) continue;
        checked++;
        const path = url.pathname.replace(/\.html$/, '').replace(/\/index$/, '/') || '/';
        const target = visits.get(path);
        if (!target) {
          if (/\.\w+$/.test(path)) assets.add(url.pathname);
          else broken.push(`${visit.route}: link to ${url.pathname}${url.hash}: no such page`);
          continue;
        }
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (anchor !== '' && !target.ids.has(anchor)) broken.push(`${visit.route}: link to ${path}#${anchor}: no such anchor`);
      }
    }
    assets.add('/favicon.ico');
    for (const asset of assets) {
      const response = await fetch(`${origin}${asset}`);
      await response.arrayBuffer();
      if (response.status !== 200) broken.push(`${asset}: ${response.status}`);
    }
    console.info(`docs site: ${checked} internal links and ${assets.size} assets checked, broken: ${broken.length}`);
    expect(broken).toEqual([]);
  });

  it(`the local search finds "${SEARCH_TERM}"`, async () => {
    const page = await watchedPage();
    const before = problems.length;
    await page.goto(`${origin}/`, { waitUntil: 'networkidle' });
    await page.locator('.VPNavBarSearch button').first().click();
    const input = page.locator('.VPLocalSearchBox input.search-input');
    await input.pressSequentially(SEARCH_TERM);
    const results = page.locator('.VPLocalSearchBox .results li');
    await results.first().waitFor({ timeout: 15_000 });
    const count = await results.count();
    const titles = await results.locator('.titles').allInnerTexts();
    console.info(`docs site: search results for "${SEARCH_TERM}": ${count}`);
    expect(count).toBeGreaterThan(0);
    expect(titles.join('\n').toLowerCase()).toContain('rotation');
    await page.close();
    expect(problems.slice(before)).toEqual([]);
  }, 60_000);

  it('screenshots of the home page and a docs page at desktop and phone width', async () => {
    mkdirSync(shotsDir, { recursive: true });
    const page = await watchedPage();
    const saved: string[] = [];
    for (const [name, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      for (const [route, file] of [
        ['/', 'home'],
        ['/oidc', 'oidc'],
      ] as const) {
        await page.goto(`${origin}${route}`, { waitUntil: 'networkidle' });
        const path = join(shotsDir, `${file}-${name}.png`);
        await page.screenshot({ path });
        saved.push(path);
        if (name === 'phone') {
          // Nothing wider than the phone's screen, so the page does not scroll sideways.
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(width, `${route} at ${viewport.width}px`).toBeLessThanOrEqual(viewport.width);
        }
      }
    }
    await page.close();
    for (const path of saved) expect(existsSync(path)).toBe(true);
    console.info(`docs site: screenshots in ${shotsDir}`);
  }, 60_000);
});
