// Drives the `webrtc` example's page in headless Debian Chromium with a fake
// microphone (a WAV file): connect over real WebRTC, wait until the page shows the
// caller's and the desk's transcript lines (from the `oai-events` data channel) and
// the server's sideband agent ran a tool and a handoff (/stats), check that the
// emulator's voice arrived as audio Chromium decoded, take a screenshot.
//
// Usage (see .ci/webrtc-test.sh): NODE_PATH=<dir with playwright-core> node browser-test.cjs URL WAV SCREENSHOT
'use strict';

const { chromium } = require('playwright-core');

const [url, wav, screenshot] = process.argv.slice(2);
if (!url || !wav || !screenshot) {
  console.error('usage: node browser-test.cjs URL WAV SCREENSHOT');
  process.exit(2);
}
const TIMEOUT_MS = Number(process.env.WEBRTC_TEST_TIMEOUT_MS || 60000);

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
      // The emulator's peer listens on 127.0.0.1 only (host candidates on loopback).
      '--allow-loopback-in-peer-connection',
    ],
  });
  let failure = null;
  const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
  page.on('console', (message) => { if (message.type() === 'error') console.log(`page error: ${message.text()}`); });
  page.on('pageerror', (error) => console.log(`page exception: ${error.message}`));
  const started = Date.now();
  const left = () => Math.max(1000, TIMEOUT_MS - (Date.now() - started));
  try {
    await page.goto(url);
    await page.click('#connect');

    // 1. Real WebRTC: the peer connection connects (ICE, DTLS) and the channel opens.
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('talk to the desk') ||
      document.querySelector('#transcript .line'), null, { timeout: left() });
    console.log(`WebRTC connected, data channel open after ${Date.now() - started} ms`);

    // 2. The caller's speech made turns; the page shows both sides of the call.
    await page.waitForSelector('.line.user', { timeout: left() });
    await page.waitForSelector('.line.assistant', { timeout: left() });
    console.log(`transcript shown after ${Date.now() - started} ms`);

    // 3. The server's agent ran a tool and a handoff over the sideband.
    let s = {};
    while (Date.now() - started < TIMEOUT_MS) {
      s = await stats();
      if (s.tools >= 1 && s.handoffs >= 1) break;
      await page.waitForTimeout(250);
    }
    if (!(s.tools >= 1 && s.handoffs >= 1)) {
      throw new Error(`the sideband agent ran ${s.tools} tools and ${s.handoffs} handoffs: ${JSON.stringify(s)}`);
    }
    await page.waitForSelector('.line.handoff', { timeout: left() });
    console.log(`tool and handoff on the server after ${Date.now() - started} ms`);
    // 4. The emulator's voice reached the browser as audio it decoded (not silence).
    const inbound = await page.evaluate(async () => {
      const report = await pc.getStats();
      for (const stat of report.values()) {
        if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
          return { packets: stat.packetsReceived, energy: stat.totalAudioEnergy };
        }
      }
      return { packets: 0, energy: 0 };
    });
    console.log(`browser received ${inbound.packets} audio packets, total audio energy ${inbound.energy}`);
    if (!(inbound.packets > 0 && inbound.energy > 0)) throw new Error(`no audio from the peer: ${JSON.stringify(inbound)}`);
    const errors = await page.$$eval('#transcript .line.error', (nodes) => nodes.map((n) => n.textContent));
    if (errors.length) throw new Error(`the page shows errors: ${errors.join(' | ')}`);
    await page.waitForTimeout(800); // the footer refreshes for the picture
  } catch (error) {
    failure = error;
  }
  try {
    await page.screenshot({ path: screenshot, fullPage: true });
  } catch (error) {
    console.log(`screenshot failed: ${error.message}`);
  }
  const lines = await page.$$eval('#transcript .line', (nodes) => nodes.map((n) => `${n.className.replace('line ', '')}: ${n.textContent}`)).catch(() => []);
  console.log(`page: status "${await page.textContent('#status').catch(() => '?')}", ${lines.length} transcript lines`);
  for (const text of lines.slice(0, 16)) console.log(`  ${text}`);
  console.log(`server stats: ${JSON.stringify(await stats().catch(() => ({})))}`);
  await browser.close();
  if (failure) {
    console.error(`FAILED: ${failure.message}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
