#!/usr/bin/env bash
# The official Azure Voice Live Python SDK (azure-ai-voicelive, at its default
# api-version 2026-07-15) against the realtime-emulator binary on loopback: a tool
# round (see .ci/voicelive_client.py). Installs it from PyPI into a venv.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/emulator.sh

# Pinned: the version this check was written against (its default api-version is
# 2026-07-15); the async client needs the aiohttp extra.
client_venv "azure-ai-voicelive[aiohttp]==1.3.1"

# What the emulated model does, in order: a tool call, then its answer.
key=ci-emulator-key
start_emulator '[{"call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, {"say": "It is sunny in Paris."}]' "$key"

EMULATOR_PORT=$emulator_port EMULATOR_KEY=$key timeout 60 "$venv/bin/python" .ci/voicelive_client.py
