#!/usr/bin/env bash
# Browser test of examples/browser_bridge: headless Debian Chromium with a fake
# microphone playing speech made by espeak-ng, against the bridge running offline
# (embedded emulator) on a loopback port.
#
# Passes when the speech reached the bridge (/stats), and the page shows a user
# transcript line, an agent change and an assistant line. Prints `screenshot: PATH`.
# Needs root for apt-get when chromium, espeak-ng or sox are missing; needs npm (the
# registry) for playwright-core, which drives Debian's chromium (no browser download).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/browser-test.XXXXXX")
SCREENSHOT=${SCREENSHOT:-$WORK/browser-bridge.png}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BRIDGE_PID=""

cleanup() {
  if [[ -n "$BRIDGE_PID" ]] && kill -0 "$BRIDGE_PID" 2>/dev/null; then
    kill "$BRIDGE_PID" 2>/dev/null || true
    wait "$BRIDGE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

log() { printf '[browser-test] %s\n' "$*"; }

# 1. System packages.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v sox >/dev/null 2>&1 || missing+=(sox)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v node >/dev/null 2>&1 || { echo "node is required" >&2; exit 1; }

# 2. The caller's voice: espeak-ng, converted by sox to 48 kHz mono 16-bit PCM WAV
#    (what Chromium's fake audio capture reads; it loops the file).
espeak-ng -v en-us -s 150 -w "$WORK/speech-raw.wav" \
  "Hi, this is Ada Lovelace, my number is five five five, zero one hundred. I would like to return the desk lamp from order ten forty two."
sox "$WORK/speech-raw.wav" -r 48000 -c 1 -b 16 -e signed-integer "$WORK/speech.wav" pad 0 0.3
# SILENCE=1: a silent microphone instead, to check that the test then fails (the
# offline emulator hears speech only, so no user turn comes).
if [[ -n "${SILENCE:-}" ]]; then
  sox -n -r 48000 -c 1 -b 16 -e signed-integer "$WORK/speech.wav" trim 0 6
fi
log "speech: $(sox --i -D "$WORK/speech.wav") s at $(sox --i -r "$WORK/speech.wav") Hz"

# 3. playwright-core only (it drives /usr/bin/chromium; no browser download).
log "installing playwright-core"
(cd "$WORK" && npm init -y >/dev/null 2>&1 &&
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent playwright-core@1 >/dev/null)

# 4. The bridge, offline, on a free loopback port.
log "building the bridge"
(cd "$ROOT" && cargo build --quiet -p realtime-examples --example browser_bridge)
"$TARGET/debug/examples/browser_bridge" --offline --port 0 >"$WORK/bridge.log" 2>&1 &
BRIDGE_PID=$!
URL=""
for _ in $(seq 1 100); do
  URL=$(sed -n 's#^open \(http://127\.0\.0\.1:[0-9]*/\).*#\1#p' "$WORK/bridge.log" | head -n 1)
  [[ -n "$URL" ]] && break
  kill -0 "$BRIDGE_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "the bridge did not start:" >&2
  cat "$WORK/bridge.log" >&2
  exit 1
fi
log "bridge at $URL ($(head -n 1 "$WORK/bridge.log"))"

# 5. The page.
status=0
NODE_PATH="$WORK/node_modules" node "$ROOT/examples/browser_bridge/browser-test.cjs" \
  "$URL" "$WORK/speech.wav" "$SCREENSHOT" || status=$?
echo "screenshot: $SCREENSHOT"
if ((status != 0)); then
  echo "--- bridge log ---" >&2
  cat "$WORK/bridge.log" >&2
  echo "browser test: FAILED" >&2
  exit "$status"
fi
echo "browser test: passed"
