// The page of the browser bridge: microphone in, assistant audio out, transcript.
// Audio on the WebSocket is binary 24 kHz mono pcm16 both ways; everything else is
// JSON text ({type: "ready" | "line" | "agent" | "audio_item" | "interrupted" | "ended"}).
'use strict';

const RATE = 24000;
const $ = (id) => document.getElementById(id);
const ui = {
  connect: $('connect'), disconnect: $('disconnect'), agent: $('agent'), status: $('status'),
  banner: $('banner'), transcript: $('transcript'), stats: $('stats'), meter: document.querySelector('#meter > div'),
  form: $('say'), text: $('text'),
};

let ws = null;
let context = null;
let microphone = null;
let capture = null;
// Playback: buffers scheduled back to back; stopped all at once on interruption.
let playhead = 0;
let playing = [];
let item = null; // the assistant item whose audio is arriving
let played = new Map(); // item id -> ms played
// The footer counts what this page shows and plays, nothing else, so it always
// agrees with the transcript above it (the bridge's /stats adds up all sessions).
let counts = null;

function resetCounts() {
  counts = { user: 0, assistant: 0, interrupted: 0, toolCalls: 0, handoffs: 0, errors: 0, micBytes: 0, speechBytes: 0 };
  showCounts();
}

function showCounts() {
  if (!counts) return;
  const seconds = (bytes) => (bytes / (RATE * 2)).toFixed(1);
  ui.stats.textContent = `this page: sent ${seconds(counts.micBytes)} s of microphone · received ${seconds(counts.speechBytes)} s of speech · ` +
    `${counts.user} user turns · ${counts.assistant} assistant turns (${counts.interrupted} interrupted) · ` +
    `${counts.toolCalls} tool calls · ${counts.handoffs} handoffs · ${counts.errors} errors`;
}

// Counts one transcript line by the same rules as the transcript's summary.
function countLine(kind, text) {
  if (kind === 'user') counts.user += 1;
  else if (kind === 'assistant') counts.assistant += 1;
  else if (kind === 'interrupted') { counts.assistant += 1; counts.interrupted += 1; }
  else if (kind === 'handoff') counts.handoffs += 1;
  else if (kind === 'error') counts.errors += 1;
  else if (kind === 'tool' && text.startsWith('-> tool call')) counts.toolCalls += 1;
  showCounts();
}

function line(kind, text) {
  const div = document.createElement('div');
  // A handoff line is where the agent changes.
  div.className = kind === 'handoff' ? 'line handoff agent-change' : `line ${kind}`;
  div.textContent = text;
  ui.transcript.appendChild(div);
  countLine(kind, text);
  div.scrollIntoView({ block: 'end' });
}

function setAgent(name) {
  ui.agent.textContent = name;
}

function play(buffer) {
  const pcm = new Int16Array(buffer);
  if (pcm.length === 0) return;
  const audio = context.createBuffer(1, pcm.length, RATE);
  const channel = audio.getChannelData(0);
  for (let n = 0; n < pcm.length; n++) channel[n] = pcm[n] / 0x8000;
  const source = context.createBufferSource();
  source.buffer = audio;
  source.connect(context.destination);
  const start = Math.max(context.currentTime, playhead);
  source.start(start);
  playhead = start + audio.duration;
  const owner = item;
  const ms = Math.round(audio.duration * 1000);
  playing.push(source);
  source.onended = () => {
    playing = playing.filter((s) => s !== source);
    if (owner && source.completed !== false) {
      // Tell the bridge what the user heard, so a barge-in truncates there.
      const total = (played.get(owner) || 0) + ms;
      played.set(owner, total);
      send({ type: 'played', item_id: owner, ms: total });
    }
  };
}

function stopPlayback() {
  for (const source of playing) {
    source.completed = false;
    try { source.stop(); } catch (_) { /* already stopped */ }
  }
  playing = [];
  playhead = context ? context.currentTime : 0;
}

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

function onMessage(event) {
  if (typeof event.data !== 'string') {
    counts.speechBytes += event.data.byteLength;
    showCounts();
    play(event.data);
    return;
  }
  let message;
  try { message = JSON.parse(event.data); } catch (_) { return; }
  switch (message.type) {
    case 'ready':
      ui.banner.textContent = message.banner;
      setAgent(message.agent);
      ui.status.textContent = 'connected: speak, or type below';
      break;
    case 'line':
      line(message.kind, message.text);
      break;
    case 'agent':
      setAgent(message.name);
      break;
    case 'audio_item':
      item = message.item_id;
      break;
    case 'interrupted':
      stopPlayback();
      break;
    case 'ended':
      ui.status.textContent = 'the session ended';
      break;
  }
}

async function connect() {
  ui.connect.disabled = true;
  ui.status.textContent = 'starting the microphone…';
  try {
    // The browser resamples the microphone into a context at the session's rate: no
    // resampler of our own.
    context = new AudioContext({ sampleRate: RATE });
    await context.audioWorklet.addModule('/worklet.js');
    microphone = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const source = context.createMediaStreamSource(microphone);
    capture = new AudioWorkletNode(context, 'pcm16-capture', { numberOfOutputs: 0 });
    source.connect(capture);
  } catch (error) {
    ui.status.textContent = `microphone unavailable: ${error.message}`;
    ui.connect.disabled = false;
    return;
  }
  ui.transcript.textContent = '';
  resetCounts();
  ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = onMessage;
  ws.onclose = () => { ui.status.textContent = 'disconnected'; teardown(); };
  ws.onerror = () => { ui.status.textContent = 'connection error'; };
  capture.port.onmessage = ({ data }) => {
    ui.meter.style.width = `${Math.min(100, Math.round(data.peak * 300))}%`;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(data.pcm);
      counts.micBytes += data.pcm.byteLength;
    }
  };
  ui.disconnect.disabled = false;
  ui.status.textContent = 'connecting…';
}

function teardown() {
  stopPlayback();
  if (microphone) microphone.getTracks().forEach((track) => track.stop());
  if (context) context.close();
  microphone = null; context = null; capture = null;
  ui.connect.disabled = false;
  ui.disconnect.disabled = true;
}

ui.connect.onclick = connect;
ui.disconnect.onclick = () => { if (ws) ws.close(); teardown(); };
ui.form.onsubmit = (event) => {
  event.preventDefault();
  const text = ui.text.value.trim();
  if (text) send({ type: 'text', text });
  ui.text.value = '';
};

// The microphone counter moves many times a second: redraw it at most once a second.
setInterval(showCounts, 1000);
