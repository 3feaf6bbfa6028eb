// The page of the `webrtc` example: an RTCPeerConnection with the microphone and the
// provider's `oai-events` data channel. The offer goes to this page's own server
// (POST /session, JSON), which posts it to the provider with an ephemeral key the
// page never sees. The transcript comes from the data channel's server events; the
// tools and handoffs run on the server, which the footer counts (/stats).
'use strict';

const $ = (id) => document.getElementById(id);
let pc = null;

function status(text) { $('status').textContent = text; }

function line(kind, text) {
  const div = document.createElement('div');
  div.className = `line ${kind}`;
  div.textContent = text;
  $('transcript').appendChild(div);
}

// One server event from the data channel: the lines a person reads.
function onServerEvent(event) {
  switch (event.type) {
    case 'conversation.item.input_audio_transcription.completed':
      line('user', `caller: ${event.transcript}`);
      break;
    case 'response.output_audio_transcript.done':
    case 'response.output_text.done':
      line('assistant', `desk: ${event.transcript ?? event.text}`);
      break;
    case 'response.output_item.done':
      if (event.item && event.item.type === 'function_call') {
        const kind = event.item.name.startsWith('transfer_to_') ? 'handoff' : 'tool';
        line(kind, `${kind === 'handoff' ? 'handoff' : 'tool'}: ${event.item.name}(${event.item.arguments})`);
      }
      break;
    case 'output_audio_buffer.started':
      status('the desk is speaking');
      break;
    case 'output_audio_buffer.stopped':
    case 'output_audio_buffer.cleared':
      status('listening');
      break;
    case 'error':
      line('error', `error: ${event.error && event.error.message}`);
      break;
    default:
      break;
  }
}

async function connect() {
  $('connect').disabled = true;
  status('starting the microphone');
  const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
  pc = new RTCPeerConnection();
  pc.ontrack = (event) => { $('voice').srcObject = event.streams[0] || new MediaStream([event.track]); };
  pc.onconnectionstatechange = () => status(`WebRTC: ${pc.connectionState}`);
  for (const track of microphone.getAudioTracks()) pc.addTrack(track, microphone);
  const events = pc.createDataChannel('oai-events');
  events.onopen = () => status('connected: talk to the desk');
  events.onmessage = (message) => {
    try { onServerEvent(JSON.parse(message.data)); } catch (error) { console.error(error); }
  };
  await pc.setLocalDescription(await pc.createOffer());
  status('asking the server for the call');
  const response = await fetch('/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sdp: pc.localDescription.sdp }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: body.sdp });
  $('disconnect').disabled = false;
}

function disconnect() {
  if (pc) pc.close();
  pc = null;
  $('connect').disabled = false;
  $('disconnect').disabled = true;
  status('not connected');
}

async function refreshStats() {
  try {
    const s = await (await fetch('/stats')).json();
    $('stats').textContent = `server-side agent: ${s.sidebands} sideband(s), ${s.user_turns} user turns, ${s.tools} tools, ${s.handoffs} handoffs, ${s.errors} errors`;
  } catch (error) {
    $('stats').textContent = '';
  }
}

$('connect').onclick = () => connect().catch((error) => {
  line('error', `could not connect: ${error.message}`);
  disconnect();
});
$('disconnect').onclick = disconnect;
setInterval(refreshStats, 500);
