"""The official Azure Voice Live Python SDK against the realtime emulator on loopback.

Run by .ci/voicelive-client.sh with the emulator listening on EMULATOR_PORT and
accepting EMULATOR_KEY, scripted: call get_weather, then say a sentence.

`azure-ai-voicelive` at its default api-version (2026-07-15), typed models only,
as its own samples use them: session.update with a function tool, a user text
turn, response.create; the model calls the tool; the SDK sends the
function_call_output and response.create; the model answers with audio and its
transcript. Every wait has a bound; any failed check exits non-zero.
"""

import asyncio
import json
import sys

from azure.core.credentials import AzureKeyCredential
from azure.ai.voicelive.aio import connect
from azure.ai.voicelive.models import (
    AzureStandardVoice,
    FunctionCallOutputItem,
    FunctionTool,
    InputAudioFormat,
    InputTextContentPart,
    Modality,
    OutputAudioFormat,
    RequestSession,
    ServerEventType,
    ServerVad,
    UserMessageItem,
)

from client_checks import BOUND, KEY, PORT, check, summary


async def until_done(connection):
    """The server events up to this response's response.done (or an error)."""
    events = []
    async for event in connection:
        events.append(event)
        if event.type in (ServerEventType.RESPONSE_DONE, ServerEventType.ERROR):
            return events
    return events


async def tool_round():
    async with connect(
        endpoint=f"http://127.0.0.1:{PORT}",
        credential=AzureKeyCredential(KEY),
        model="gpt-realtime",
    ) as connection:
        created = await asyncio.wait_for(connection.recv(), BOUND)
        check(created.type == ServerEventType.SESSION_CREATED, f"voicelive: session.created first ({created.type})")

        await connection.session.update(
            session=RequestSession(
                modalities=[Modality.TEXT, Modality.AUDIO],
                instructions="Answer briefly.",
                voice=AzureStandardVoice(name="en-US-Ava:DragonHDLatestNeural"),
                input_audio_format=InputAudioFormat.PCM16,
                output_audio_format=OutputAudioFormat.PCM16,
                turn_detection=ServerVad(create_response=True, interrupt_response=True),
                tools=[
                    FunctionTool(
                        name="get_weather",
                        description="The weather in a city.",
                        parameters={
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    )
                ],
                tool_choice="auto",
            )
        )
        updated = await asyncio.wait_for(connection.recv(), BOUND)
        check(updated.type == ServerEventType.SESSION_UPDATED, f"voicelive: session.updated ({updated.type})")
        tools = getattr(getattr(updated, "session", None), "tools", None) or []
        check([tool.name for tool in tools] == ["get_weather"], "voicelive: the session holds the tool")
        # 2026-07-15 adds session.parallel_tool_calls (default true) to the session.
        parallel = getattr(getattr(updated, "session", None), "parallel_tool_calls", None)
        check(parallel is True, f"voicelive 2026-07-15: the session says parallel_tool_calls ({parallel})")

        await connection.conversation.item.create(
            item=UserMessageItem(content=[InputTextContentPart(text="What's the weather in Paris?")])
        )
        await connection.response.create()
        events = await asyncio.wait_for(until_done(connection), BOUND)
        errors = [str(event.error) for event in events if event.type == ServerEventType.ERROR]
        check(not errors, f"voicelive: no error on the first response ({errors})")
        done = events[-1]
        check(done.type == ServerEventType.RESPONSE_DONE, f"voicelive: first response done ({done.type})")
        if done.type != ServerEventType.RESPONSE_DONE:
            return
        calls = [item for item in done.response.output or [] if item.type == "function_call"]
        check(
            len(calls) == 1 and calls[0].name == "get_weather" and json.loads(calls[0].arguments) == {"city": "Paris"},
            "voicelive: the model calls get_weather for Paris",
        )
        if not calls:
            return

        await connection.conversation.item.create(
            item=FunctionCallOutputItem(call_id=calls[0].call_id, output=json.dumps({"sky": "clear"}))
        )
        await connection.response.create()
        events = await asyncio.wait_for(until_done(connection), BOUND)
        types = [event.type for event in events]
        errors = [str(event.error) for event in events if event.type == ServerEventType.ERROR]
        check(not errors, f"voicelive: no error on the second response ({errors})")
        done = events[-1]
        check(
            done.type == ServerEventType.RESPONSE_DONE and done.response.status == "completed",
            "voicelive: second response completed",
        )
        audio = b"".join(
            event.delta for event in events if event.type == ServerEventType.RESPONSE_AUDIO_DELTA and event.delta
        )
        check(len(audio) > 0, f"voicelive: the answer has audio ({len(audio)} bytes)")
        transcript = "".join(
            event.delta for event in events if event.type == ServerEventType.RESPONSE_AUDIO_TRANSCRIPT_DELTA
        )
        check("sunny" in transcript, f"voicelive: the transcript follows the tool output ({transcript!r})")
        check(ServerEventType.RESPONSE_AUDIO_DONE in types, "voicelive: response.audio.done")


async def main():
    await tool_round()
    return summary()


sys.exit(asyncio.run(main()))
