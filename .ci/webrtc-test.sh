#!/usr/bin/env bash
# Browser-direct WebRTC test of examples/webrtc: headless Debian Chromium with a fake
# microphone playing speech made by espeak-ng connects over real WebRTC (ICE on
# loopback, DTLS, SCTP, Opus) to the embedded emulator's peer, through the example
# server running offline on a loopback port.
#
# Runs once per provider in PROVIDERS (default: "openai azure-openai", the emulator's
# OpenAI and Azure OpenAI GA v1 endpoints). Passes when, for each, the page shows the
# caller's and the desk's transcript lines (from the `oai-events` data channel), the
# server's sideband agent ran a tool and a handoff on the same call, and Chromium
# decoded the peer's audio. Screenshots go to SCREENSHOTS (a directory) as
# webrtc-<provider>.png; prints `screenshot: PATH` for each. Needs chromium, espeak-ng and sox
# (apt-get as root when missing) and npm (the registry) for playwright-core, which
# drives Debian's chromium (no browser download).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/webrtc-test.XXXXXX")
SCREENSHOTS=${SCREENSHOTS:-$WORK}
PROVIDERS=${PROVIDERS:-openai azure-openai}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SERVER_PID=""

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

log() { printf '[webrtc-test] %s\n' "$*"; }

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

# 2. The caller's voice: espeak-ng, as 48 kHz mono 16-bit PCM WAV (Chromium's fake
#    audio capture reads it and loops it).
espeak-ng -v en-us -s 150 -w "$WORK/speech-raw.wav" \
  "Hi, this is Ada Lovelace, my number is five five five, zero one hundred. I would like to return the desk lamp from order ten forty two."
sox "$WORK/speech-raw.wav" -r 48000 -c 1 -b 16 -e signed-integer "$WORK/speech.wav" pad 0 0.3
# SILENCE=1: a silent microphone instead, to check that the test then fails (the
# emulator's peer hears speech only, by the packets' audio level).
if [[ -n "${SILENCE:-}" ]]; then
  sox -n -r 48000 -c 1 -b 16 -e signed-integer "$WORK/speech.wav" trim 0 6
fi
log "speech: $(sox --i -D "$WORK/speech.wav") s at $(sox --i -r "$WORK/speech.wav") Hz"

# 3. playwright-core only (it drives /usr/bin/chromium; no browser download).
log "installing playwright-core"
(cd "$WORK" && npm init -y >/dev/null 2>&1 &&
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent playwright-core@1 >/dev/null)

# 4. The example server, offline (the embedded emulator's WebRTC peer), on a free port.
log "building the example"
(cd "$ROOT" && cargo build --quiet -p realtime-examples --example webrtc)

# 5. Per provider: the server, then the page.
run_one() {
  local provider=$1
  local screenshot="$SCREENSHOTS/webrtc-$provider.png"
  "$TARGET/debug/examples/webrtc" --provider "$provider" --offline --port 0 >"$WORK/server-$provider.log" 2>&1 &
  SERVER_PID=$!
  local url=""
  for _ in $(seq 1 100); do
    url=$(sed -n 's#^open \(http://127\.0\.0\.1:[0-9]*/\).*#\1#p' "$WORK/server-$provider.log" | head -n 1)
    [[ -n "$url" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "the example server did not start ($provider):" >&2
    cat "$WORK/server-$provider.log" >&2
    return 1
  fi
  log "$provider: server at $url ($(head -n 1 "$WORK/server-$provider.log"))"
  local status=0
  NODE_PATH="$WORK/node_modules" node "$ROOT/examples/webrtc/browser-test.cjs" \
    "$url" "$WORK/speech.wav" "$screenshot" || status=$?
  echo "screenshot: $screenshot"
  cleanup
  SERVER_PID=""
  if ((status != 0)); then
    echo "--- server log ($provider) ---" >&2
    cat "$WORK/server-$provider.log" >&2
    echo "webrtc test ($provider): FAILED" >&2
    return "$status"
  fi
  log "$provider: passed"
}

mkdir -p "$SCREENSHOTS"
for provider in $PROVIDERS; do
  run_one "$provider"
done
echo "webrtc test: passed"
