#!/usr/bin/env bash
# The official OpenAI Python SDKs (openai, openai-agents) against the realtime-emulator
# binary on loopback: a GA tool round with each, and the documented Azure preview
# failure (see .ci/official_clients.py). Installs them from PyPI into a venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/emulator.sh

# Pinned: the versions this check was written against.
client_venv openai==3.57.0 openai-agents==0.24.0

# What the emulated model does, in order: a tool call and its answer, for each client.
key=ci-emulator-key
start_emulator '[{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, {"say": "It is sunny in Paris."},
 {"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, {"say": "It is sunny in Paris."}]' "$key"

EMULATOR_PORT=$emulator_port EMULATOR_KEY=$key timeout 110 "$venv/bin/python" .ci/official_clients.py
