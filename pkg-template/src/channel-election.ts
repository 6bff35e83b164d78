/**
 * Electing one renewer over a `BroadcastChannel` where Web Locks are missing
 * (Node 20, older browsers). Safety rests on answers, not on timers: a
 * client renews only after every peer it knows has granted its claim, and
 * two claims that meet are settled the same way on both sides (a renewer
 * outranks a claimant, then the smaller id wins). Timers only decide when a
 * silent peer is presumed gone, so a stalled event loop delays a renewal
 * instead of doubling it. The one timing assumption left is discovery: a
 * client that has not yet heard of a peer (both just opened) may renew
 * beside it.
 */

/** A peer (or a renewer) not heard from for this long is presumed gone. */
const SILENT_PEER_MS = 2_000;
/** How often a claimant or renewer says it is still at work: well inside `SILENT_PEER_MS`. */
const HEARTBEAT_MS = 500;
/** How long a new client listens for the peers already on the channel before it may claim alone. */
const DISCOVERY_MS = 50;
/** Peers remembered at most; a page cannot hold more clients than this for one device. */
const MAX_PEERS = 256;

/** The protocol's messages; every one names its sender. */
export type ElectionMessage =
  | { kind: "hello" | "here" | "bye" | "working" | "release" | "claim"; from: string }
  | { kind: "grant" | "deny"; from: string; to: string };

/** This client's claim: who granted it, and since when it waits. */
interface Claim {
  grants: Set<string>;
  started: number;
}

const KINDS = new Set(["hello", "here", "bye", "working", "release", "claim", "grant", "deny"]);
const isId = (value: unknown): value is string => typeof value === "string" && value.length > 0 && value.length <= 64;

export function isElectionMessage(value: unknown): value is ElectionMessage {
  if (typeof value !== "object" || value === null) return false;
  const { kind, from, to } = value as Record<string, unknown>;
  if (typeof kind !== "string" || !KINDS.has(kind) || !isId(from)) return false;
  return kind === "grant" || kind === "deny" ? isId(to) : to === undefined;
}

/** Runs `then` once the messages already queued for this context have been delivered. */
function afterQueuedMessages(then: () => void): void {
  // In Node a timer can fire before messages that arrived during a long
  // turn of the loop; `setImmediate` runs after they are dispatched.
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === "function") immediate(then);
  else setTimeout(then, 0);
}

export class ChannelElection {
  readonly #me = crypto.randomUUID();
  readonly #post: (message: ElectionMessage) => void;
  readonly #openedAt = Date.now();
  /** Peer id → when it was last heard. */
  readonly #peers = new Map<string, number>();
  /** The peer this client waits for, and when it was last heard. */
  #renewer: { id: string; heard: number } | undefined;
  #claim: Claim | undefined;
  #renewing = false;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #wakers = new Set<() => void>();
  /** Runs one election at a time: two of one client would claim against each other. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(post: (message: ElectionMessage) => void) {
    this.#post = post;
    post({ kind: "hello", from: this.#me });
  }

  /**
   * Resolves with `ready()` once it gives a token, or with `renew()` when
   * this client is elected. `ready` is asked again after every message.
   */
  run<T>(signal: AbortSignal, ready: () => T | undefined, renew: () => Promise<T>): Promise<T> {
    const turn = this.#queue.then(() => this.#elect(signal, ready, renew));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  receive(message: ElectionMessage): void {
    const { from } = message;
    if (from === this.#me) return;
    const now = Date.now();
    if (this.#peers.has(from) || this.#peers.size < MAX_PEERS) this.#peers.set(from, now);
    switch (message.kind) {
      case "hello":
        this.#post({ kind: "here", from: this.#me });
        break;
      case "bye":
        this.#peers.delete(from);
        if (this.#renewer?.id === from) this.#renewer = undefined;
        break;
      case "release":
        if (this.#renewer?.id === from) this.#renewer = undefined;
        break;
      case "working":
        if (!this.#renewing && this.#claim === undefined) this.#renewer = { id: from, heard: now };
        break;
      case "claim":
        this.#answer(from, now);
        break;
      case "grant":
        if (message.to === this.#me) this.#claim?.grants.add(from);
        break;
      case "deny":
        if (message.to === this.#me && this.#claim !== undefined) {
          this.#withdraw();
          this.#renewer = { id: from, heard: now };
        }
        break;
      case "here":
        break;
    }
    this.#wake();
  }

  /** Asks the waiting election again whether `ready()` now gives a token. */
  reconsider(): void {
    this.#wake();
  }

  /** Leaves the election; an election under way finishes alone. */
  close(): void {
    this.#post({ kind: "bye", from: this.#me });
    this.#stopHeartbeat();
    this.#peers.clear();
    this.#renewer = undefined;
    this.#wake();
  }

  async #elect<T>(signal: AbortSignal, ready: () => T | undefined, renew: () => Promise<T>): Promise<T> {
    try {
      for (;;) {
        signal.throwIfAborted();
        const token = ready();
        if (token !== undefined) return token;
        const now = Date.now();
        if (this.#renewer !== undefined && now - this.#renewer.heard < SILENT_PEER_MS) {
          await this.#changed(this.#renewer.heard + SILENT_PEER_MS - now, signal);
          continue;
        }
        // A renewer that fell silent is gone: its grant is not awaited either.
        if (this.#renewer !== undefined) this.#peers.delete(this.#renewer.id);
        this.#renewer = undefined;
        const wait = this.#untilWon(this.#claim ?? this.#start(now), now);
        if (wait <= 0) return await this.#lead(renew);
        await this.#changed(wait, signal);
      }
    } finally {
      if (this.#claim !== undefined) this.#withdraw();
    }
  }

  /** Settles a claim the way the claimant settles it too. */
  #answer(from: string, now: number): void {
    if (this.#renewing || (this.#claim !== undefined && this.#me < from)) {
      this.#post({ kind: "deny", from: this.#me, to: from });
      return;
    }
    if (this.#claim !== undefined) this.#withdraw();
    this.#renewer = { id: from, heard: now };
    this.#post({ kind: "grant", from: this.#me, to: from });
  }

  #start(now: number): Claim {
    const claim = { grants: new Set<string>(), started: now };
    this.#claim = claim;
    this.#post({ kind: "claim", from: this.#me });
    this.#startHeartbeat();
    return claim;
  }

  /** Ms until `claim` wins: 0 once every known peer granted it (or fell silent). */
  #untilWon(claim: Claim, now: number): number {
    const discovering = this.#openedAt + DISCOVERY_MS - now;
    if (now - claim.started >= SILENT_PEER_MS) {
      for (const peer of this.#peers.keys()) if (!claim.grants.has(peer)) this.#peers.delete(peer);
      return 0;
    }
    const waiting = [...this.#peers.keys()].some((peer) => !claim.grants.has(peer));
    return waiting ? claim.started + SILENT_PEER_MS - now : Math.max(0, discovering);
  }

  async #lead<T>(renew: () => Promise<T>): Promise<T> {
    this.#claim = undefined;
    this.#renewing = true;
    try {
      return await renew();
    } catch (error) {
      this.#post({ kind: "release", from: this.#me });
      throw error;
    } finally {
      this.#renewing = false;
      this.#stopHeartbeat();
    }
  }

  #withdraw(): void {
    this.#claim = undefined;
    this.#stopHeartbeat();
    this.#post({ kind: "release", from: this.#me });
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => this.#post({ kind: "working", from: this.#me }), HEARTBEAT_MS);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
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
