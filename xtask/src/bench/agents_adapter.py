"""Times openai-agents-python's server-event adapter on frames, one JSON per line.

Usage: python agents_adapter.py FRAMES.jsonl ROUNDS
Prints: <openai-agents version> <median µs per frame> <frames validated> <frames total>

The adapter is what `OpenAIRealtimeWebSocketModel` runs on every server message:
`json.loads` of the text, then the pydantic `TypeAdapter` of the server-event union.
"""

import importlib.metadata
import json
import sys
import time


def adapter():
    try:
        from agents.realtime.openai_realtime import get_server_event_type_adapter

        return get_server_event_type_adapter()
    except ImportError:
        from openai.types.realtime.realtime_server_event import RealtimeServerEvent
        from pydantic import TypeAdapter

        return TypeAdapter(RealtimeServerEvent)


def main():
    path, rounds = sys.argv[1], int(sys.argv[2])
    version = importlib.metadata.version("openai-agents")
    events = adapter()
    with open(path, encoding="utf-8") as handle:
        frames = [line for line in handle.read().splitlines() if line]
    valid = []
    for frame in frames:
        try:
            events.validate_python(json.loads(frame))
            valid.append(frame)
        except Exception:  # noqa: BLE001 - frames the adapter rejects are left out
            pass
    if not valid:
        print(version, "nan", 0, len(frames))
        return

    def one_pass():
        for frame in valid:
            events.validate_python(json.loads(frame))

    started = time.perf_counter()
    one_pass()
    one = max(time.perf_counter() - started, 1e-6)
    reps = max(1, int(0.05 / one))
    figures = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(reps):
            one_pass()
        figures.append((time.perf_counter() - started) * 1e6 / (reps * len(valid)))
    figures.sort()
    print(version, f"{figures[len(figures) // 2]:.3f}", len(valid), len(frames))


main()
