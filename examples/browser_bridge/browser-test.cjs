// Drives the browser bridge page in headless Debian Chromium with a fake microphone
// (a WAV file): connect, wait until the speech reached the bridge and the page shows
// a user transcript line and an agent change, take a screenshot.
//
// Usage (see .ci/browser-test.sh): NODE_PATH=<dir with playwright-core> node browser-test.cjs URL WAV SCREENSHOT
'use strict';

const { chromium } = require('playwright-core');

const [url, wav, screenshot] = process.argv.slice(2);
if (!url || !wav || !screenshot) {
  console.error('usage: node browser-test.cjs URL WAV SCREENSHOT');
  process.exit(2);
}
const TIMEOUT_MS = Number(process.env.BROWSER_TEST_TIMEOUT_MS || 45000);

async function stats() {
  const response = await fetch(new URL('/stats', url));
  return response.json();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required',
    ],
  });
  let failure = null;
  const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
  page.on('console', (message) => { if (message.type() === 'error') console.log(`page error: ${message.text()}`); });
  page.on('pageerror', (error) => console.log(`page exception: ${error.message}`));
  try {
    await page.goto(url);
    await page.click('#connect');
    const started = Date.now();

    // 1. The user's speech reached the bridge: at least one second of audio.
    let heard = 0;
    while (Date.now() - started < TIMEOUT_MS) {
      heard = (await stats()).audio_bytes_in;
      if (heard >= 48000) break;
      await page.waitForTimeout(200);
    }
    if (heard < 48000) throw new Error(`the bridge received only ${heard} bytes of microphone audio`);
    console.log(`speech reached the bridge: ${heard} bytes after ${Date.now() - started} ms`);

    // 2. A user transcript line and an agent change in the page.
    const left = () => Math.max(1000, TIMEOUT_MS - (Date.now() - started));
    await page.waitForSelector('.line.user', { timeout: left() });
    await page.waitForSelector('.agent-change', { timeout: left() });
    await page.waitForSelector('.line.assistant', { timeout: left() });
    console.log(`transcript and agent change shown after ${Date.now() - started} ms`);
    await page.waitForTimeout(700); // let the next lines render for the picture
  } catch (error) {
    failure = error;
  }
  try {
    await page.screenshot({ path: screenshot, fullPage: true });
  } catch (error) {
    console.log(`screenshot failed: ${error.message}`);
  }
  const lines = await page.$$eval('#transcript .line', (nodes) => nodes.map((n) => `${n.className.replace('line ', '')}: ${n.textContent}`)).catch(() => []);
  const agent = await page.textContent('#agent').catch(() => '?');
  // The footer counts what the transcript shows: the same number of handoffs.
  const footer = await page.textContent('#stats').catch(() => '');
  const handoffLines = await page.$$eval('#transcript .line.handoff', (nodes) => nodes.length).catch(() => -1);
  const footerHandoffs = Number((footer.match(/(\d+) handoffs/) || [])[1]);
  console.log(`footer: ${footer}`);
  if (!failure && footerHandoffs !== handoffLines) {
    failure = new Error(`the footer counts ${footerHandoffs} handoffs, the transcript shows ${handoffLines}`);
  }
  console.log(`page: agent badge = ${agent}, ${lines.length} transcript lines`);
  for (const text of lines.slice(0, 14)) console.log(`  ${text}`);
  console.log(`bridge stats: ${JSON.stringify(await stats().catch(() => ({})))}`);
  await browser.close();
  if (failure) {
    console.error(`FAILED: ${failure.message}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`FAILED: ${error.stack || error}`);
  process.exit(1);
});
