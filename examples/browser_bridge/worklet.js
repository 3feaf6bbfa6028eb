// AudioWorklet: microphone samples (at the AudioContext's rate, often 48 kHz) to
// 24 kHz mono pcm16, posted to the page in 100 ms buffers, with the level for a meter.
class Pcm16Capture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const target = (options.processorOptions && options.processorOptions.targetRate) || 24000;
    this.step = sampleRate / target; // input samples per output sample
    this.position = 0; // read position in the current block; -1 is the previous block's last sample
    this.previous = 0;
    this.size = Math.round(target / 10); // 100 ms
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
    const samples = input[0]; // mono: the first channel
    let t = this.position;
    // Linear interpolation between sample floor(t) and floor(t) + 1.
    while (true) {
      const i = Math.floor(t);
      if (i + 1 >= samples.length) break;
      const a = i < 0 ? this.previous : samples[i];
      const b = samples[i + 1];
      this.push(a + (b - a) * (t - i));
      t += this.step;
    }
    this.position = t - samples.length;
    this.previous = samples[samples.length - 1];
    return true;
  }
}

registerProcessor('pcm16-capture', Pcm16Capture);
