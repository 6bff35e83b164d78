import { ChannelElection, isElectionMessage, untilAborted, type ElectionMessage } from "./channel-election.js";
import type { IssuedToken, TokenRequest } from "./types.js";

type GetToken = (request: TokenRequest) => Promise<IssuedToken> | IssuedToken;

/** A token one of the clients renewed, as the others see it. */
interface Shared {
  /** Random, so a client can tell a token another renewed from the one it holds. */
  id: string;
  accessToken: string;
  /** Wall clock (ms since the epoch): every tab has the same one, unlike `performance.now()`. */
  expiresAt: number;
}

type Message = { kind: "token"; token: Shared } | { kind: "ask" } | ElectionMessage;

/**
 * How long the renewer waits for another client to answer "who has a newer
 * token?" before it asks `getToken`: one message round trip between tabs,
 * with room for a busy page. Paid once per renewal by the single renewer.
 */
const ASK_WINDOW_MS = 50;

/** The longest `channel` name; it becomes part of a `BroadcastChannel` and a lock name. */
const MAX_CHANNEL_LENGTH = 100;

function isShared(value: unknown): value is Shared {
  if (typeof value !== "object" || value === null) return false;
  const { id, accessToken, expiresAt } = value as Record<string, unknown>;
  return typeof id === "string" && typeof accessToken === "string" && typeof expiresAt === "number" && Number.isFinite(expiresAt);
}

function isMessage(value: unknown): value is Message {
  if (isElectionMessage(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  const { kind, token } = value as Record<string, unknown>;
  return kind === "ask" || (kind === "token" && isShared(token));
}

/** The channel name if `sharing` is a valid `tokenSharing` option, else why not. */
export function sharingChannel(sharing: unknown): { channel: string } | { problem: string } {
  const channel = typeof sharing === "object" && sharing !== null && Object.prototype.hasOwnProperty.call(sharing, "channel")
    ? (sharing as { channel: unknown }).channel
    : undefined;
  if (typeof channel !== "string" || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH) {
    return { problem: `tokenSharing.channel must be a non-empty string of at most ${MAX_CHANNEL_LENGTH} characters` };
  }
  return { channel };
}

/**
 * What the clients of one context share for one channel, site and device:
 * the newest token, one `BroadcastChannel`, one place in the election, and
 * the turn. However many clients a context makes, the other contexts see
 * one peer, and the context renews at most once at a time.
 */
class Hub {
  readonly name: string;
  latest: Shared | undefined;
  /**
   * The calls of this context, one at a time. A turn begins only after
   * the one before it ended, and each ends by its own signal at the
   * latest, so a waiting call is bounded too.
   */
  turns: Promise<unknown> = Promise.resolve();
  readonly bus: BroadcastChannel;
  readonly election: ChannelElection | undefined;
  users = 0;
  #waiters: Array<() => void> = [];

  constructor(name: string) {
    this.name = name;
    this.bus = new BroadcastChannel(name);
    this.bus.onmessage = (event: MessageEvent) => this.#receive(event.data);
    // Node keeps a process alive while a channel is open; a client must not.
    (this.bus as { unref?: () => void }).unref?.();
    if (typeof navigator !== "object" || navigator.locks === undefined) {
      this.election = new ChannelElection((message) => this.post(message), (held) => this.#offer(held));
    }
  }

  close(): void {
    this.election?.close();
    this.bus.close();
    hubs.delete(this.name);
  }

  post(message: Message): void {
    try {
      this.bus.postMessage(message);
    } catch {
      // A closed channel: the other contexts renew on their own.
    }
  }

  /** Took a token this context renewed, or one another broadcast. */
  adopt(token: Shared): void {
    if (this.latest !== undefined && token.expiresAt <= this.latest.expiresAt) return;
    this.latest = token;
    for (const wake of [...this.#waiters]) wake();
    this.election?.reconsider();
  }

  /** Asks the other contexts for their token; resolves on a newer one or after the window. */
  ask(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
        resolve();
      };
      const timer = setTimeout(wake, ASK_WINDOW_MS);
      this.#waiters.push(wake);
      this.post({ kind: "ask" });
    });
  }

  /** Broadcasts the newest token if it is unexpired and not `held`; true if it did. */
  #offer(held: string | undefined): boolean {
    const latest = this.latest;
    if (latest === undefined || latest.expiresAt <= Date.now() || latest.id === held) return false;
    this.post({ kind: "token", token: latest });
    return true;
  }

  #receive(message: unknown): void {
    if (!isMessage(message)) return;
    if (message.kind === "token") this.adopt(message.token);
    else if (message.kind === "ask") this.#offer(undefined);
    else this.election?.receive(message);
  }
}

/** Channel name → this context's hub for it. */
const hubs = new Map<string, Hub>();

/**
 * Wraps `getToken` so that the clients on one channel renew once between
 * them. The engine inside each client still decides when it needs a token
 * (first use, expiry, a 401); this answers that need from an unexpired token
 * another client renewed, when there is one this client does not hold yet.
 * Otherwise one client at a time renews: one call per context at a time,
 * and across contexts one holds a Web Lock, which it asks the others for a
 * newer token under, or, without Web Locks, the lease of `ChannelElection`.
 * The holder's `getToken` is abandoned when its signal aborts (at
 * `tokenTimeoutMs`), so a hung one passes the turn on, and a tab closed
 * mid-renewal releases the lock, so the next waiting client renews.
 */
export class TokenSharing {
  readonly #getToken: GetToken;
  #hub: Hub | undefined;
  /** The id of the token this client's engine holds. */
  #held: string | undefined;

  constructor(getToken: GetToken, channel: string, siteId: string, deviceId: string) {
    this.#getToken = getToken;
    const name = `halo-device/${channel}/${siteId}/${deviceId}`;
    // Joined at once, so the peers know each other before the first renewal.
    const hub = hubs.get(name) ?? new Hub(name);
    hubs.set(name, hub);
    hub.users += 1;
    this.#hub = hub;
  }

  /** The `getToken` the client's engine calls. */
  readonly getToken = async (request: TokenRequest): Promise<IssuedToken> => {
    const hub = this.#hub;
    // A token this client already holds is the one that is expiring or
    // that Halo refused: only another one answers the need. A token it
    // gives is then held: ask once, use the answer.
    const ready = () => {
      const token = hub?.latest;
      return token !== undefined && token.expiresAt > Date.now() && token.id !== this.#held ? this.#hand(token) : undefined;
    };
    const now = ready();
    if (now !== undefined) return now;
    const signal = (request as { signal?: unknown }).signal;
    if (hub === undefined || !(signal instanceof AbortSignal)) return this.#renew(request);
    const turn = hub.turns.then(async () => {
      signal.throwIfAborted();
      const first = ready();
      if (first !== undefined) return first;
      if (hub.election !== undefined) return hub.election.run(signal, this.#held, ready, () => this.#renew(request));
      return navigator.locks.request(hub.name, { signal }, async () => {
        const held = ready();
        if (held !== undefined) return held;
        await hub.ask();
        // The signal aborts at `tokenTimeoutMs`: a hung `getToken` gives the lock up there.
        return ready() ?? (await untilAborted(this.#renew(request), signal));
      });
    });
    hub.turns = turn.catch(() => undefined);
    return turn;
  };

  /** Leaves the channel (the context's last client to leave closes it); `close()` of the client calls it. */
  close(): void {
    const hub = this.#hub;
    this.#hub = undefined;
    if (hub !== undefined && --hub.users === 0) hub.close();
  }

  async #renew(request: TokenRequest): Promise<IssuedToken> {
    const issued = await this.#getToken(request);
    // The engine validates what `getToken` returned; a token that it will
    // refuse is not shared either.
    const { accessToken, expiresIn } = (issued ?? {}) as Partial<IssuedToken>;
    const hub = this.#hub;
    if (hub !== undefined && typeof accessToken === "string" && typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn > 0) {
      const token = { id: crypto.randomUUID(), accessToken, expiresAt: Date.now() + expiresIn * 1000 };
      // A renewal the engine gave up (its signal aborted) gives the engine
      // nothing: the token is shared, and this client takes it next time.
      const signal = (request as { signal?: unknown }).signal;
      if (!(signal instanceof AbortSignal && signal.aborted)) this.#held = token.id;
      hub.adopt(token);
      hub.post({ kind: "token", token });
    }
    return issued;
  }

  #hand(token: Shared): IssuedToken {
    this.#held = token.id;
    return { accessToken: token.accessToken, expiresIn: Math.max(1, Math.floor((token.expiresAt - Date.now()) / 1000)) };
  }
}
