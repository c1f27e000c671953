// Sound made by the page itself (Web Audio synthesis): no audio files, no
// third-party requests. Lobby and question music are short looping patterns
// scheduled a little ahead of the clock; ticks, the reveal and the podium are
// one-shot cues. The on/off choice is remembered per page kind in
// localStorage; browsers only let audio start after a tap or a key, so the
// context is created (or resumed) on the first one.
//
// `document.body.dataset.music` names the loop that should be playing,
// `dataset.sound` says "on" or "off" and `dataset.audio` the audio context's
// state ("running" once sound can be heard), so the page and its tests can tell.

const NOTE = (n) => 440 * 2 ** ((n - 69) / 12); // MIDI note number to Hz

// [step, MIDI note, length in steps]; a step is a sixteenth note.
const LOOPS = {
  lobby: {
    bpm: 96,
    steps: 32,
    wave: "triangle",
    gain: 0.07,
    notes: [
      [0, 60, 2], [2, 67, 2], [4, 64, 2], [6, 67, 2], [8, 57, 2], [10, 64, 2], [12, 60, 2], [14, 64, 2],
      [16, 53, 2], [18, 60, 2], [20, 57, 2], [22, 60, 2], [24, 55, 2], [26, 62, 2], [28, 59, 2], [30, 62, 2],
    ],
    bass: [[0, 36, 8], [8, 33, 8], [16, 29, 8], [24, 31, 8]],
  },
  question: {
    bpm: 132,
    steps: 16,
    wave: "square",
    gain: 0.035,
    notes: [[0, 69, 1], [3, 72, 1], [6, 69, 1], [8, 76, 1], [10, 74, 1], [12, 72, 1], [14, 71, 1]],
    bass: [[0, 45, 2], [4, 45, 2], [8, 43, 2], [12, 43, 2]],
  },
};

export class Sound {
  /** key: localStorage key; defaultOn: whether sound plays before anyone chose. */
  constructor({ key, defaultOn }) {
    this.key = key;
    this.enabled = this.load(defaultOn);
    this.ctx = null;
    this.master = null;
    this.loop = null; // name of the loop asked for
    this.scheduler = 0;
    this.nextStep = 0;
    this.nextTime = 0;
    this.publish();
    const unlock = () => this.unlock();
    window.addEventListener("pointerdown", unlock, { capture: true });
    window.addEventListener("keydown", unlock, { capture: true });
  }

  load(defaultOn) {
    try {
      const v = window.localStorage.getItem(this.key);
      return v === null ? defaultOn : v === "on";
    } catch {
      return defaultOn;
    }
  }

  get on() {
    return this.enabled;
  }

  toggle() {
    this.set(!this.enabled);
    return this.enabled;
  }

  set(on) {
    this.enabled = on;
    try { window.localStorage.setItem(this.key, on ? "on" : "off"); } catch { /* private mode */ }
    if (on) this.unlock();
    if (this.master) this.master.gain.setTargetAtTime(on ? 1 : 0, this.ctx.currentTime, 0.02);
    this.restartLoop();
    this.publish();
  }

  publish() {
    document.body.dataset.sound = this.enabled ? "on" : "off";
    document.body.dataset.music = this.loop || "";
  }

  /** Create or resume the audio context; only works during a user gesture. */
  unlock() {
    if (!this.enabled) return;
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!this.ctx) {
      try {
        this.ctx = new Ctx();
      } catch {
        return;
      }
      this.ctx.addEventListener("statechange", () => { document.body.dataset.audio = this.ctx.state; });
      document.body.dataset.audio = this.ctx.state;
      this.master = this.ctx.createGain();
      this.master.gain.value = 1;
      this.master.connect(this.ctx.destination);
    }
    if (this.ctx.state === "suspended") this.ctx.resume().then(() => this.restartLoop(), () => {});
    else this.restartLoop();
  }

  ready() {
    return this.enabled && this.ctx && this.ctx.state === "running";
  }

  /** One note with a short attack and decay. */
  note(freq, at, length, { wave = "sine", gain = 0.1, slide = 0 } = {}) {
    const ctx = this.ctx;
    const osc = ctx.createOscillator();
    const env = ctx.createGain();
    osc.type = wave;
    osc.frequency.setValueAtTime(freq, at);
    if (slide) osc.frequency.exponentialRampToValueAtTime(freq * slide, at + length);
    env.gain.setValueAtTime(0.0001, at);
    env.gain.exponentialRampToValueAtTime(gain, at + 0.01);
    env.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(env).connect(this.master);
    osc.start(at);
    osc.stop(at + length + 0.02);
  }

  // -- loops -----------------------------------------------------------------

  /** Play the named loop ("lobby", "question"), or none (null). */
  music(name) {
    if (name === this.loop) return;
    this.loop = name;
    this.publish();
    this.restartLoop();
  }

  restartLoop() {
    window.clearInterval(this.scheduler);
    this.scheduler = 0;
    if (!this.loop || !this.ready()) return;
    this.nextStep = 0;
    this.nextTime = this.ctx.currentTime + 0.05;
    this.scheduler = window.setInterval(() => this.schedule(), 100);
    this.schedule();
  }

  schedule() {
    const loop = LOOPS[this.loop];
    if (!loop || !this.ready()) return;
    const step = 60 / loop.bpm / 4;
    while (this.nextTime < this.ctx.currentTime + 0.3) {
      const s = this.nextStep % loop.steps;
      for (const [at, n, len] of loop.notes) {
        if (at === s) this.note(NOTE(n), this.nextTime, len * step, { wave: loop.wave, gain: loop.gain });
      }
      for (const [at, n, len] of loop.bass) {
        if (at === s) this.note(NOTE(n), this.nextTime, len * step * 0.9, { wave: "sine", gain: loop.gain * 1.6 });
      }
      this.nextStep += 1;
      this.nextTime += step;
    }
  }

  // -- cues ------------------------------------------------------------------

  /** The last seconds of a question: higher and louder as time runs out. */
  tick(secondsLeft) {
    if (!this.ready()) return;
    const t = this.ctx.currentTime;
    this.note(secondsLeft <= 3 ? 1568 : 1175, t, 0.08, { wave: "square", gain: 0.06 });
  }

  /** Answers revealed: a bright rising chord. */
  reveal() {
    if (!this.ready()) return;
    const t = this.ctx.currentTime;
    [72, 76, 79, 84].forEach((n, i) => this.note(NOTE(n), t + i * 0.06, 0.6, { wave: "triangle", gain: 0.08 }));
  }

  /** A right answer on a phone (only when the player turned sound on). */
  good() {
    if (!this.ready()) return;
    const t = this.ctx.currentTime;
    this.note(NOTE(76), t, 0.15, { wave: "triangle", gain: 0.1 });
    this.note(NOTE(83), t + 0.12, 0.3, { wave: "triangle", gain: 0.1 });
  }

  /** A wrong answer or none on a phone. */
  bad() {
    if (!this.ready()) return;
    this.note(NOTE(52), this.ctx.currentTime, 0.35, { wave: "sawtooth", gain: 0.05, slide: 0.8 });
  }

  /** One podium step appearing: 3 = third place (low), 1 = the winner. */
  podiumStep(rank) {
    if (!this.ready()) return;
    const t = this.ctx.currentTime;
    const root = { 3: 60, 2: 64, 1: 67 }[rank] ?? 60;
    this.note(NOTE(root - 12), t, 0.5, { wave: "triangle", gain: 0.08 });
    this.note(NOTE(root), t + 0.08, 0.4, { wave: "square", gain: 0.04 });
  }

  /** The winner: a short fanfare. */
  fanfare() {
    if (!this.ready()) return;
    const t = this.ctx.currentTime;
    const tune = [[67, 0, 0.15], [67, 0.15, 0.15], [67, 0.3, 0.15], [72, 0.45, 0.9], [76, 0.45, 0.9], [79, 0.45, 0.9]];
    for (const [n, at, len] of tune) this.note(NOTE(n), t + at, len, { wave: "square", gain: 0.045 });
    for (let i = 0; i < 8; i += 1) this.note(NOTE(84 + (i % 4) * 3), t + 1.2 + i * 0.05, 0.12, { gain: 0.04 });
  }
}
