// Following a session's server-sent events. EventSource reconnects by itself after a network
// hiccup; an `end` event says whether to reconnect (stream time limit) or stop (session over).

import { api } from "./api.js";

export const EVENT_KINDS = ["hello", "step", "reset", "state", "end"];

export class Stream {
  /**
   * @param {string} id  the session
   * @param {{onEvent: Function, onStatus: Function}} handlers
   *   onEvent(kind, data); onStatus("live" | "reconnecting" | "closed")
   */
  constructor(id, handlers, owner = false) {
    this.id = id;
    this.owner = owner; // the owner's own stream is not counted as a watcher
    this.handlers = handlers;
    this.source = null;
    this.closed = false;
  }

  open() {
    this.closed = false;
    const source = new EventSource(api.eventsUrl(this.id) + (this.owner ? "?role=owner" : ""));
    this.source = source;
    for (const kind of EVENT_KINDS) {
      source.addEventListener(kind, (e) => {
        if (this.source !== source) return;
        const data = JSON.parse(e.data);
        if (kind === "end") {
          source.close();
          if (data.reconnect && !this.closed) {
            this.handlers.onStatus("reconnecting");
            setTimeout(() => !this.closed && this.open(), 500);
          } else {
            this.closed = true;
            this.handlers.onStatus("closed");
          }
        }
        this.handlers.onEvent(kind, data);
      });
    }
    source.addEventListener("open", () => this.source === source && this.handlers.onStatus("live"));
    source.addEventListener("error", () => {
      if (this.source !== source) return;
      this.handlers.onStatus(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    });
  }

  close() {
    this.closed = true;
    if (this.source) this.source.close();
    this.source = null;
  }
}
