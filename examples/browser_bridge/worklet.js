// AudioWorklet: microphone samples to mono pcm16, posted to the page in 100 ms
// buffers, with the level for a meter. The AudioContext runs at the session's rate
// (24 kHz), so the browser has already resampled the microphone: no resampling here.
class Pcm16Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate / 10); // 100 ms
    this.chunk = new Int16Array(this.size);
    this.filled = 0;
    this.peak = 0;
  }

  push(sample) {
    const clamped = Math.max(-1, Math.min(1, sample));
    this.peak = Math.max(this.peak, Math.abs(clamped));
    this.chunk[this.filled++] = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    if (this.filled === this.size) {
      this.port.postMessage({ pcm: this.chunk.buffer, peak: this.peak }, [this.chunk.buffer]);
      // The buffer was transferred (its array is now empty): start a new one.
      this.chunk = new Int16Array(this.size);
      this.filled = 0;
      this.peak = 0;
    }
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    for (const sample of input[0]) this.push(sample); // mono: the first channel
    return true;
  }
}

registerProcessor('pcm16-capture', Pcm16Capture);
