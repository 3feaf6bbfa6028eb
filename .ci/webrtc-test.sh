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
LOG_TAG=webrtc-test
# shellcheck source=browser-common.sh
source "$ROOT/.ci/browser-common.sh"

browser_setup

# Per provider: the example server offline (the embedded emulator's WebRTC peer),
# then the page.
run_one() {
  local provider=$1
  local screenshot="$SCREENSHOTS/webrtc-$provider.png"
  local server_log="$WORK/server-$provider.log"
  start_example webrtc "$server_log" --provider "$provider" --offline
  local status=0
  NODE_PATH="$WORK/node_modules" node "$ROOT/examples/webrtc/browser-test.cjs" \
    "$SERVER_URL" "$WORK/speech.wav" "$screenshot" || status=$?
  echo "screenshot: $screenshot"
  stop_example
  if ((status != 0)); then
    echo "--- server log ($provider) ---" >&2
    cat "$server_log" >&2
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
