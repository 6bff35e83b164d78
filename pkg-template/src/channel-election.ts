/**
 * One renewer at a time over a `BroadcastChannel` where Web Locks are
 * missing (Node 20, older browsers). The oldest context on the channel (its
 * rank is when it opened; ids break ties) hands out a lease: a context that
 * needs a token asks it (`need`), it grants one asker at a time (`grant`),
 * and the lease holder renews, broadcasts the token and gives the lease back
 * (`release`). Every message is one post, so a renewal costs O(contexts)
 * posts however many contexts need it at once; the first version, where
 * every claimant asked every peer, cost O(contexts²) and collapsed at ~20.
 * Only one context per channel takes part (token-sharing.ts joins the
 * clients of a context into one), so clients in one context cost nothing.
 *
 * Timers decide only when a silent leader or lease holder is presumed gone
 * (a dead worker, a closed tab that said nothing), and a lease holder's
 * renewal is bounded by its own `getToken` signal, which the client aborts
 * after `tokenTimeoutMs`: a hung renewer gives the lease back at that bound.
 * Two contexts may renew at once only while their views of who leads
 * differ: just after both opened, or when a leader stalled past
 * `SILENT_PEER_MS` comes back.
 */

/** A leader or lease holder not heard from for this long is presumed gone. */
const SILENT_PEER_MS = 2_000;
/** How often a busy leader or a lease holder says it is still there: well inside `SILENT_PEER_MS`. */
const HEARTBEAT_MS = 500;
/** How long a new context listens for the ones already on the channel before it may lead alone. */
const DISCOVERY_MS = 50;
/** Peers and askers remembered at most; one device does not run more contexts than this. */
const MAX_PEERS = 256;

/** The protocol's messages; every one names its sender and its rank, directed ones their addressee. */
export type ElectionMessage = { from: string; rank: number } & (
  | { kind: "hello" | "here" | "bye" | "working" }
  | { kind: "grant" | "release"; to: string }
  /** `held`: the id of the token the asker holds, so the leader can answer with a newer one instead. */
  | { kind: "need"; to: string; held?: string }
);

const isId = (value: unknown): value is string => typeof value === "string" && value.length > 0 && value.length <= 64;

export function isElectionMessage(value: unknown): value is ElectionMessage {
  if (typeof value !== "object" || value === null) return false;
  const { kind, from, to, rank, held } = value as Record<string, unknown>;
  const directed = kind === "need" || kind === "grant" || kind === "release";
  const known = directed || kind === "hello" || kind === "here" || kind === "bye" || kind === "working";
  return known && isId(from) && Number.isFinite(rank) && (directed ? isId(to) : to === undefined) && (held === undefined || isId(held));
}

/** Runs `then` once the messages already queued for this context have been delivered. */
function afterQueuedMessages(then: () => void): void {
  // In Node a timer can fire before messages that arrived during a long
  // turn of the loop; `setImmediate` runs after they are dispatched.
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === "function") immediate(then);
  else setTimeout(then, 0);
}

/** Settles as `promise` does, or rejects with `signal.reason` once it aborts; `promise` may then never settle. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  const aborted = new Promise<never>((_, reject) => {
    signal.throwIfAborted();
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  return Promise.race([promise, aborted]);
}

interface Peer {
  rank: number;
  heard: number;
}

export class ChannelElection {
  readonly #me: string = crypto.randomUUID();
  readonly #rank = Date.now();
  readonly #post: (message: ElectionMessage) => void;
  /** Answers a need with a token newer than `held`, when there is one; true if it did. */
  readonly #offer: (held: string | undefined) => boolean;
  /** Peer id → its rank and when it was last heard. */
  readonly #peers = new Map<string, Peer>();
  /** As leader: who waits for the lease, in order, and who holds it. */
  #askers: string[] = [];
  #holder: { id: string; heard: number } | undefined;
  /** As asker: the leader this context asked, and since when. */
  #asked: { leader: string; at: number } | undefined;
  #granted = false;
  #leaderBeat: ReturnType<typeof setInterval> | undefined;
  #wakers = new Set<() => void>();

  constructor(post: (message: ElectionMessage) => void, offer: (held: string | undefined) => boolean) {
    this.#post = post;
    this.#offer = offer;
    this.#send("hello");
  }

  /**
   * Resolves with `ready()` once it gives a token, or with `renew()` once
   * this context holds the lease. `ready` is asked again after every
   * message. One run at a time: token-sharing.ts queues the calls of a context.
   */
  async run<T>(signal: AbortSignal, held: string | undefined, ready: () => T | undefined, renew: () => Promise<T>): Promise<T> {
    try {
      for (;;) {
        signal.throwIfAborted();
        const token = ready();
        if (token !== undefined) return token;
        if (this.#granted) return await this.#lead(renew, signal);
        const now = Date.now();
        const discovering = this.#rank + DISCOVERY_MS - now;
        if (discovering > 0) {
          await this.#changed(discovering, signal);
          continue;
        }
        const leader = this.#leader();
        if (this.#asked?.leader !== leader) {
          this.#withdraw();
          this.#asked = { leader, at: now };
          if (leader === this.#me) this.#queue(this.#me);
          else this.#send("need", leader, held);
          continue;
        }
        if (leader === this.#me) {
          await this.#changed(SILENT_PEER_MS, signal);
          continue;
        }
        // Asked, and waiting: a leader silent since well after the ask is gone.
        const silentAt = Math.max(this.#asked.at, this.#peers.get(leader)?.heard ?? 0) + SILENT_PEER_MS;
        if (now >= silentAt) {
          this.#peers.delete(leader);
          continue;
        }
        await this.#changed(silentAt - now, signal);
      }
    } finally {
      this.#withdraw();
    }
  }

  receive(message: ElectionMessage): void {
    const { from } = message;
    if (from === this.#me) return;
    const now = Date.now();
    // Any message says its sender is there, a peer presumed gone included.
    if (this.#peers.has(from) || this.#peers.size < MAX_PEERS) this.#peers.set(from, { rank: message.rank, heard: now });
    if (message.kind === "hello") this.#send("here");
    if (this.#holder?.id === from) this.#holder.heard = now;
    switch (message.kind) {
      case "bye":
        this.#peers.delete(from);
        this.#release(from);
        break;
      case "need":
        // Whoever asks is served, even if this context knows an older one:
        // the asker will hear of it and move on, and meanwhile it is not stuck.
        if (message.to === this.#me && !this.#offer(message.held)) this.#queue(from);
        break;
      case "release":
        if (message.to === this.#me) this.#release(from);
        break;
      case "grant":
        if (message.to !== this.#me) break;
        if (this.#asked?.leader === from) this.#granted = true;
        // A lease this context no longer waits for goes straight back.
        else this.#send("release", from);
        break;
    }
    this.#wake();
  }

  /** Asks the waiting run again whether `ready()` now gives a token. */
  reconsider(): void {
    // A renewed token answers everyone who waits for the lease.
    this.#askers = [];
    this.#pump();
    this.#wake();
  }

  /** Leaves the election; a run under way finishes alone. */
  close(): void {
    this.#send("bye");
    this.#askers = [];
    this.#holder = undefined;
    this.#pump();
    this.#peers.clear();
    this.#wake();
  }

  /** The oldest context this one knows, itself included. */
  #leader(): string {
    let best = { id: this.#me, rank: this.#rank };
    for (const [id, { rank }] of this.#peers) {
      if (rank < best.rank || (rank === best.rank && id < best.id)) best = { id, rank };
    }
    return best.id;
  }

  async #lead<T>(renew: () => Promise<T>, signal: AbortSignal): Promise<T> {
    this.#granted = false;
    const beat = setInterval(() => this.#send("working"), HEARTBEAT_MS);
    (beat as { unref?: () => void }).unref?.();
    try {
      // The signal aborts at the client's `tokenTimeoutMs`: a hung `getToken` loses the lease there.
      return await untilAborted(renew(), signal);
    } finally {
      clearInterval(beat);
    }
  }

  /** Gives back the lease this context asked for or holds. */
  #withdraw(): void {
    const asked = this.#asked;
    this.#asked = undefined;
    this.#granted = false;
    if (asked === undefined) return;
    if (asked.leader === this.#me) this.#release(this.#me);
    else this.#send("release", asked.leader);
  }

  // The leader's side.

  #queue(id: string): void {
    if (this.#holder?.id !== id && !this.#askers.includes(id) && this.#askers.length < MAX_PEERS) this.#askers.push(id);
    this.#pump();
  }

  #release(id: string): void {
    this.#askers = this.#askers.filter((asker) => asker !== id);
    if (this.#holder?.id === id) this.#holder = undefined;
    this.#pump();
  }

  /** Grants the lease to the next asker once it is free, and keeps the askers told that the leader lives. */
  #pump(): void {
    const now = Date.now();
    if (this.#holder !== undefined && this.#holder.id !== this.#me && now - this.#holder.heard >= SILENT_PEER_MS) {
      this.#peers.delete(this.#holder.id);
      this.#holder = undefined;
    }
    const next = this.#holder === undefined ? this.#askers.shift() : undefined;
    if (next !== undefined) {
      this.#holder = { id: next, heard: now };
      if (next === this.#me) {
        this.#granted = true;
        this.#wake();
      } else this.#send("grant", next);
    }
    const busy = this.#holder !== undefined || this.#askers.length > 0;
    if (busy && this.#leaderBeat === undefined) {
      this.#leaderBeat = setInterval(() => {
        this.#send("working");
        this.#pump();
      }, HEARTBEAT_MS);
      (this.#leaderBeat as { unref?: () => void }).unref?.();
    } else if (!busy && this.#leaderBeat !== undefined) {
      clearInterval(this.#leaderBeat);
      this.#leaderBeat = undefined;
    }
  }

  #send(kind: ElectionMessage["kind"], to?: string, held?: string): void {
    this.#post({ kind, from: this.#me, rank: this.#rank, to, held } as ElectionMessage);
  }

  #wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Resolves on the next message, after `ms`, or rejects when `signal` aborts. */
  #changed(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        signal.removeEventListener("abort", abort);
        outcome();
      };
      const wake = settle(resolve);
      const abort = settle(() => reject(signal.reason));
      const timer = setTimeout(() => afterQueuedMessages(wake), ms);
      this.#wakers.add(wake);
      signal.addEventListener("abort", abort, { once: true });
    });
  }
}
