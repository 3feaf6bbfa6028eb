# Shared by the browser tests (.ci/browser-test.sh, .ci/webrtc-test.sh); sourced, not
# run. Needs ROOT, WORK and LOG_TAG set. Gives:
# - browser_setup: chromium, espeak-ng and sox (apt-get as root when missing), node,
#   the caller's speech as $WORK/speech.wav (48 kHz mono 16-bit PCM, what Chromium's
#   fake audio capture reads and loops; SILENCE=1 makes it silent, to check that a
#   test then fails), and playwright-core under $WORK (it drives Debian's chromium:
#   no browser download);
# - start_example NAME LOG ARGS...: builds and starts examples/NAME on a free loopback
#   port, sets SERVER_PID and SERVER_URL (from its `open http://127.0.0.1:PORT/` line);
# - stop_example: stops it (also on exit).

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SERVER_PID=""
SERVER_URL=""

log() { printf '[%s] %s\n' "$LOG_TAG" "$*"; }

stop_example() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_example EXIT

browser_setup() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  command -v sox >/dev/null 2>&1 || missing+=(sox)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v node >/dev/null 2>&1 || { echo "node is required" >&2; exit 1; }

  espeak-ng -v en-us -s 150 -w "$WORK/speech-raw.wav" \
    "Hi, this is Ada Lovelace, my number is five five five, zero one hundred. I would like to return the desk lamp from order ten forty two."
  sox "$WORK/speech-raw.wav" -r 48000 -c 1 -b 16 -e signed-integer "$WORK/speech.wav" pad 0 0.3
  if [[ -n "${SILENCE:-}" ]]; then
    sox -n -r 48000 -c 1 -b 16 -e signed-integer "$WORK/speech.wav" trim 0 6
  fi
  log "speech: $(sox --i -D "$WORK/speech.wav") s at $(sox --i -r "$WORK/speech.wav") Hz"

  log "installing playwright-core"
  (cd "$WORK" && npm init -y >/dev/null 2>&1 &&
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent playwright-core@1 >/dev/null)
}

start_example() {
  local name=$1 server_log=$2
  shift 2
  (cd "$ROOT" && cargo build --quiet -p realtime-examples --example "$name")
  "$TARGET/debug/examples/$name" "$@" --port 0 >"$server_log" 2>&1 &
  SERVER_PID=$!
  SERVER_URL=""
  for _ in $(seq 1 100); do
    SERVER_URL=$(sed -n 's#^open \(http://127\.0\.0\.1:[0-9]*/\).*#\1#p' "$server_log" | head -n 1)
    [[ -n "$SERVER_URL" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$SERVER_URL" ]]; then
    echo "the $name example did not start:" >&2
    cat "$server_log" >&2
    return 1
  fi
  log "$name at $SERVER_URL ($(head -n 1 "$server_log"))"
}
