# Sourced by the official-client checks: builds the realtime-emulator binary and
# starts it on a free loopback port with a script of turns, instant pace.
#   start_emulator SCRIPT_JSON KEY  -> sets $emulator_port; stops it on exit.
#   client_venv PACKAGE...          -> sets $venv, the checks' venv, with PACKAGEs installed.
# The caller runs with `set -euo pipefail` from the repository root.

emulator_pid=
emulator_work=
stop_emulator() {
  if [[ -n $emulator_pid ]]; then kill "$emulator_pid" 2>/dev/null || true; fi
  if [[ -n $emulator_work ]]; then rm -rf "$emulator_work"; fi
}
trap stop_emulator EXIT

start_emulator() {
  local script=$1 key=$2
  cargo build --quiet -p realtime-testkit --bin realtime-emulator
  emulator_work=$(mktemp -d)
  printf '%s\n' "$script" >"$emulator_work/script.json"
  target/debug/realtime-emulator --port 0 --key "$key" --script "$emulator_work/script.json" \
    --pace instant >"$emulator_work/banner.txt" 2>&1 &
  emulator_pid=$!
  emulator_port=
  for _ in $(seq 1 100); do
    emulator_port=$(sed -n 's#^realtime-emulator listening on ws://127\.0\.0\.1:\([0-9]*\).*#\1#p' \
      "$emulator_work/banner.txt")
    [[ -n $emulator_port ]] && return 0
    sleep 0.1
  done
  echo "the emulator did not start:" >&2
  cat "$emulator_work/banner.txt" >&2
  return 1
}

client_venv() {
  venv=target/official-clients-venv
  if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}
