"""The official OpenAI Python SDKs against the realtime emulator on loopback.

Run by .ci/official-clients.sh with the emulator listening on EMULATOR_PORT and
accepting EMULATOR_KEY, scripted: call get_weather, then say a sentence (twice).

1. `openai` (GA client): a tool round, low level.
2. `openai-agents` RealtimeRunner (URL override): the same tool round, high level.
3. `openai-agents` on the Azure OpenAI preview path: the documented failure.
   The preview's session.created has no `session.type`, which the SDK's GA models
   reject, and the GA-shaped session.update it sends comes back with
   "Unknown parameter: 'session.type'.": the problem this project solves.
"""

import asyncio
import json
import logging
import os
import sys

# Let openai-agents name the server event it fails to validate (the emulator's
# frames hold no secret).
os.environ["OPENAI_AGENTS_DONT_LOG_MODEL_DATA"] = "0"

from openai import AsyncOpenAI
from agents import function_tool
from agents.realtime import RealtimeAgent, RealtimeRunner

from client_checks import BOUND, KEY, PORT, check, summary


class Captured(logging.Handler):
    """What openai-agents logs (it reports server events it cannot validate)."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append((record.getMessage(), str(record.exc_info[1]) if record.exc_info else ""))


captured = Captured()
logging.getLogger("openai.agents").addHandler(captured)
logging.getLogger("openai.agents").propagate = False


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def until_done(connection):
    events = []
    async for event in connection:
        events.append(event)
        if event.type in ("response.done", "error"):
            return events
    return events


async def openai_ga_tool_round():
    client = AsyncOpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{PORT}/v1")
    async with client.realtime.connect(model="gpt-realtime") as connection:
        await connection.session.update(
            session={"type": "realtime", "output_modalities": ["text"], "tools": [WEATHER_TOOL]}
        )
        await connection.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]}
        )
        await connection.response.create()
        events = await asyncio.wait_for(until_done(connection), BOUND)
        types = [event.type for event in events]
        check("session.created" in types and "session.updated" in types, "openai GA: session created and updated")
        done = events[-1]
        check(done.type == "response.done", f"openai GA: first response done ({done.type})")
        calls = [item for item in done.response.output if item.type == "function_call"]
        check(len(calls) == 1 and calls[0].name == "get_weather", "openai GA: the model calls get_weather")
        if not calls:
            return
        await connection.conversation.item.create(
            item={"type": "function_call_output", "call_id": calls[0].call_id, "output": json.dumps({"sky": "clear"})}
        )
        await connection.response.create()
        events = await asyncio.wait_for(until_done(connection), BOUND)
        done = events[-1]
        check(done.type == "response.done" and done.response.status == "completed", "openai GA: second response completed")
        texts = [part.text for item in done.response.output if item.type == "message" for part in item.content or [] if getattr(part, "text", None)]
        check(any("sunny" in text for text in texts), f"openai GA: the answer follows the tool output ({texts})")


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Clear skies in {city}."


async def agents_ga_tool_round():
    agent = RealtimeAgent(name="Desk", instructions="Answer briefly.", tools=[get_weather])
    runner = RealtimeRunner(agent)
    session = await runner.run(
        model_config={
            "url": f"ws://127.0.0.1:{PORT}/v1/realtime?model=gpt-realtime",
            "api_key": KEY,
            "initial_model_settings": {"output_modalities": ["text"]},
        }
    )
    seen = []
    errors = []
    async with session:
        await session.send_message("What's the weather in Paris?")

        async def watch():
            async for event in session:
                seen.append(event.type)
                if event.type == "error":
                    errors.append(str(event.error))
                if event.type == "raw_model_event" and getattr(event.data, "type", "") == "error":
                    errors.append(str(event.data))
                if "tool_end" in seen and event.type == "agent_end":
                    return

        try:
            await asyncio.wait_for(watch(), BOUND)
        except asyncio.TimeoutError:
            pass
    check("tool_start" in seen and "tool_end" in seen, f"openai-agents GA: a tool round ({sorted(set(seen))})")
    check(not errors, f"openai-agents GA: no error ({errors})")


async def agents_azure_preview_fails_as_documented():
    agent = RealtimeAgent(name="Desk", instructions="Answer briefly.", tools=[get_weather])
    runner = RealtimeRunner(agent)
    url = (
        f"ws://127.0.0.1:{PORT}/openai/realtime"
        "?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview"
    )
    session = await runner.run(model_config={"url": url, "headers": {"api-key": KEY}})
    captured.messages.clear()
    messages = []
    async with session:

        async def watch():
            async for event in session:
                text = ""
                if event.type == "error":
                    text = str(event.error)
                elif event.type == "raw_model_event":
                    text = str(event.data)
                if "session.type" in text:
                    messages.append(text)
                    return

        try:
            await asyncio.wait_for(watch(), BOUND)
        except asyncio.TimeoutError:
            pass
    invalid_created = [
        message for message, cause in captured.messages
        if "Failed to validate server event" in message and "session.created" in message + cause
    ]
    check(bool(invalid_created), "openai-agents on Azure preview: session.created (no session.type) fails validation")
    check(
        any("Unknown parameter: 'session.type'." in text for text in messages),
        f"openai-agents on Azure preview: the service answers Unknown parameter: 'session.type' ({messages[:1]})",
    )


async def main():
    await openai_ga_tool_round()
    await agents_ga_tool_round()
    await agents_azure_preview_fails_as_documented()
    return summary()


sys.exit(asyncio.run(main()))
