// A countdown that follows the server's clock: every `question`, `paused`,
// `resumed` and `time` frame carries `time_left_ms`, and each one resets the
// local deadline (or, paused, freezes it). The visible number updates every
// tick; the screen reader hears it only at a few moments; `onSecond` hears
// every new whole second (the projector's last-seconds ticks).

import { announce } from "./dom.js";
import { fmtNumber, t } from "./i18n.js";

const ANNOUNCE_AT = [60, 30, 20, 10, 5];

export class Countdown {
  /** number: element for the seconds; bar: element scaled by --left (0..1); live: polite region. */
  constructor({ number, bar, live, onSecond = () => {} }) {
    this.onSecond = onSecond;
    this.paused = false;
    this.number = number;
    this.bar = bar;
    this.live = live;
    this.timer = 0;
    this.deadline = 0;
    this.limit = 1;
    this.lastSecond = null;
  }

  start(timeLeftMs, limitMs, { quiet = false, paused = false } = {}) {
    this.stop();
    this.paused = paused;
    this.deadline = performance.now() + Math.max(0, timeLeftMs);
    this.limit = Math.max(1, limitMs || timeLeftMs || 1);
    this.lastSecond = null;
    const seconds = Math.ceil(timeLeftMs / 1000);
    if (seconds > 0 && !quiet) this.say(seconds);
    this.frozen = Math.max(0, timeLeftMs);
    this.tick();
    if (!paused) this.timer = window.setInterval(() => this.tick(), 200);
  }

  /** "10 seconds left", read out in the page's language. */
  say(seconds) {
    announce(this.live, t("common.countdown.left", { count: seconds }));
  }

  left() {
    if (this.paused) return this.frozen;
    return Math.max(0, this.deadline - performance.now());
  }

  tick() {
    const left = this.left();
    const seconds = Math.ceil(left / 1000);
    if (this.number && seconds !== this.lastSecond) {
      this.number.textContent = fmtNumber(seconds);
      this.number.closest("[data-urgent]")?.setAttribute("data-urgent", seconds <= 5 ? "true" : "false");
      if (this.lastSecond !== null && ANNOUNCE_AT.includes(seconds)) {
        this.say(seconds);
      }
      if (this.lastSecond !== null && !this.paused) this.onSecond(seconds);
    }
    this.lastSecond = seconds;
    if (this.bar) this.bar.style.setProperty("--left", String(left / this.limit));
    if (left <= 0) this.stop();
  }

  stop() {
    if (this.timer) window.clearInterval(this.timer);
    this.timer = 0;
  }
}
