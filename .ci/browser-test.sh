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
LOG_TAG=browser-test
# shellcheck source=browser-common.sh
source "$ROOT/.ci/browser-common.sh"

browser_setup
start_example browser_bridge "$WORK/bridge.log" --offline

status=0
NODE_PATH="$WORK/node_modules" node "$ROOT/examples/browser_bridge/browser-test.cjs" \
  "$SERVER_URL" "$WORK/speech.wav" "$SCREENSHOT" || status=$?
echo "screenshot: $SCREENSHOT"
if ((status != 0)); then
  echo "--- bridge log ---" >&2
  cat "$WORK/bridge.log" >&2
  echo "browser test: FAILED" >&2
  exit "$status"
fi
echo "browser test: passed"
