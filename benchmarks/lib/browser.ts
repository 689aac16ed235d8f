/**
 * A page opened in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core,
 * which downloads no browser): console errors, failed or any network requests, the charts drawn,
 * and a screenshot checked for content. Used by the report's browser test and its example.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.HEADSTART_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why no browser test can run here, or undefined when Chromium is installed. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `no Chromium at ${CHROMIUM} (apt-get install chromium, or set HEADSTART_CHROMIUM)`;
  }
}

export interface PageCheck {
  consoleErrors: string[];
  /** Every request besides the page itself: a self-contained page makes none. */
  requests: string[];
  failedRequests: string[];
  /** Top-level chart SVGs and the headings of the sections holding them. */
  charts: { id: string; heading: string; width: number; height: number }[];
  screenshot: Buffer;
  /** Of the screenshot, decoded by the browser: distinct colours and the standard deviation of grey levels (0 for a blank page). */
  distinctColours: number;
  greyStd: number;
}

export async function checkPage(
  file: string,
  options: { width?: number; fullPage?: boolean } = {},
): Promise<PageCheck> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'headstart-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: options.width ?? 1400, height: 1000 },
  });
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const failedRequests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => request.url() !== url && requests.push(request.url()));
    page.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('section.chart', (sections) =>
      sections.map((section) => {
        const svg = section.querySelector(':scope > svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: section.id,
          heading: section.querySelector('h2')?.textContent ?? '',
          width: box?.width ?? 0,
          height: box?.height ?? 0,
        };
      }),
    );
    const screenshot = await page.screenshot({ fullPage: options.fullPage ?? true, type: 'png' });
    const { distinctColours, greyStd } = await pixelStats(await context.newPage(), screenshot);
    return { consoleErrors, requests, failedRequests, charts, screenshot, distinctColours, greyStd };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Decodes the PNG in a blank page's canvas (no image library needed) and summarises its pixels. */
async function pixelStats(
  page: import('playwright-core').Page,
  png: Buffer,
): Promise<{ distinctColours: number; greyStd: number }> {
  return page.evaluate(async (base64) => {
    // Runs in the browser; this project's types have no DOM library, so the few globals used are typed here.
    const { Image, document } = globalThis as unknown as BrowserGlobals;
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, image.width, image.height);
    const colours = new Set<number>();
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      const grey = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += grey;
      sumSquares += grey * grey;
    }
    const n = data.length / 4;
    return { distinctColours: colours.size, greyStd: Math.sqrt(Math.max(0, sumSquares / n - (sum / n) ** 2)) };
  }, png.toString('base64'));
}

interface BrowserGlobals {
  Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        drawImage(image: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
  };
}
