// A WebSocket that reconnects by itself.
//
// - `hello()` builds the first message for every (re)connection, so a player
//   who got a token resumes with it instead of joining again.
// - Backoff: exponential with jitter (0.5–1 × min(cap, base·2^n)); reset once
//   the server has welcomed us.
// - Stops for good on 4401/4403/4404/4409, and when the server rejected the
//   first message (an `error` before any welcome, then a close): the page
//   shows why (`onFatal`).
// - Reconnects at once after `{"type":"reconnect"}` or a 1012 close (server
//   restart), when the tab becomes visible again, and when the network is back.
// - Says "offline" the moment the browser loses the network (navigator.onLine,
//   the `offline` event), not only when the socket finally drops; while
//   offline it does not retry and `send()` refuses, so nothing is silently lost.

export const CLOSE = {
  BAD_INPUT: 4400,
  BAD_TOKEN: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  REPLACED: 4409,
  POLICY: 1008,
  RESTART: 1012,
};

const FATAL = new Set([CLOSE.BAD_TOKEN, CLOSE.FORBIDDEN, CLOSE.NOT_FOUND, CLOSE.REPLACED]);
const FATAL_ERRORS = new Set(["kicked", "bad_token", "room_not_found"]);
const WELCOMES = new Set(["welcome", "host_welcome"]);

export const CLOSE_REASONS = {
  [CLOSE.BAD_TOKEN]: "bad_token",
  [CLOSE.FORBIDDEN]: "forbidden",
  [CLOSE.NOT_FOUND]: "room_not_found",
  [CLOSE.REPLACED]: "replaced",
  [CLOSE.POLICY]: "rate_limited",
};

export function socketUrl(code) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/ws/${encodeURIComponent(code)}`;
}

export class Connection {
  constructor({ code, hello, onMessage, onState = () => {}, onFatal = () => {}, base = 500, cap = 10_000 }) {
    this.code = code;
    this.hello = hello;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onFatal = onFatal;
    this.base = base;
    this.cap = cap;
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = 0;
    this.stopped = false;
    this.state = "idle";
    this.wake = () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    };
    this.online = () => {
      if (this.ws && this.welcomed) this.setState("open");
      this.reconnectNow();
    };
    this.offline = () => this.setState("offline");
  }

  static get offline() {
    return navigator.onLine === false;
  }

  start() {
    this.stopped = false;
    document.addEventListener("visibilitychange", this.wake);
    window.addEventListener("online", this.online);
    window.addEventListener("offline", this.offline);
    this.open();
  }

  stop() {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    document.removeEventListener("visibilitychange", this.wake);
    window.removeEventListener("online", this.online);
    window.removeEventListener("offline", this.offline);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000);
    }
    this.setState("closed");
  }

  send(message) {
    if (Connection.offline) return false;
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.welcomed) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  get connected() {
    return this.state === "open";
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state, this.attempt);
  }

  open() {
    if (this.stopped) return;
    window.clearTimeout(this.retryTimer);
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(socketUrl(this.code));
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    this.welcomed = false;
    let rejection = null; // an error frame before the welcome
    let fatalError = null; // e.g. `kicked`, sent right before a 4403 close
    let restart = false;

    ws.addEventListener("open", () => {
      if (ws !== this.ws) return;
      ws.send(JSON.stringify(this.hello()));
    });

    ws.addEventListener("message", (event) => {
      if (ws !== this.ws) return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!msg || typeof msg.type !== "string") return;
      if (msg.type === "reconnect") {
        restart = true;
        return;
      }
      if (WELCOMES.has(msg.type)) {
        this.welcomed = true;
        this.attempt = 0;
        this.setState(Connection.offline ? "offline" : "open");
      } else if (msg.type === "error") {
        if (!this.welcomed) rejection = msg;
        else if (FATAL_ERRORS.has(msg.code)) fatalError = msg;
      }
      this.onMessage(msg);
    });

    ws.addEventListener("close", (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.welcomed = false;
      if (this.stopped) return;
      if (rejection || FATAL.has(event.code)) {
        this.stopped = true;
        this.setState("closed");
        const error = rejection || fatalError;
        const code = error ? error.code : CLOSE_REASONS[event.code] || `closed_${event.code}`;
        this.onFatal({ code, message: error?.message || "", closeCode: event.code });
        return;
      }
      if (restart || event.code === CLOSE.RESTART) {
        this.attempt = 0;
        this.open();
        return;
      }
      this.retry(event.code === CLOSE.POLICY ? 5_000 : 0);
    });
  }

  retry(floor = 0) {
    if (this.stopped) return;
    window.clearTimeout(this.retryTimer);
    if (Connection.offline) {
      this.setState("offline"); // the `online` event reconnects
      return;
    }
    this.setState("reconnecting");
    const ceiling = Math.min(this.cap, this.base * 2 ** this.attempt);
    const delay = Math.max(floor, ceiling * (0.5 + Math.random() / 2));
    this.attempt += 1;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  /** Skip the backoff wait (tab visible again, network back). */
  reconnectNow() {
    if (this.stopped || this.ws) return;
    this.open();
  }
}
