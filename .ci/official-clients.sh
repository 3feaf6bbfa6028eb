#!/usr/bin/env bash
# The official OpenAI Python SDKs (openai, openai-agents) against the realtime-emulator
# binary on loopback: a GA tool round with each, and the documented Azure preview
# failure (see .ci/official_clients.py). Installs them from PyPI into a venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/official-clients-venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
# Pinned: the versions this check was written against.
"$venv/bin/pip" install --quiet --disable-pip-version-check openai==3.57.0 openai-agents==0.24.0

cargo build --quiet -p realtime-testkit --bin realtime-emulator

work=$(mktemp -d)
emulator_pid=
cleanup() {
  if [[ -n $emulator_pid ]]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# What the emulated model does, in order: a tool call and its answer, for each client.
cat >"$work/script.json" <<'JSON'
[{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, {"say": "It is sunny in Paris."},
 {"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, {"say": "It is sunny in Paris."}]
JSON

key=ci-emulator-key
target/debug/realtime-emulator --port 0 --key "$key" --script "$work/script.json" --pace instant \
  >"$work/banner.txt" 2>&1 &
emulator_pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's#^realtime-emulator listening on ws://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$work/banner.txt")
  [[ -n $port ]] && break
  sleep 0.1
done
if [[ -z $port ]]; then
  echo "the emulator did not start:" >&2
  cat "$work/banner.txt" >&2
  exit 1
fi

EMULATOR_PORT=$port EMULATOR_KEY=$key timeout 110 "$venv/bin/python" .ci/official_clients.py
