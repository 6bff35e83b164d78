import { ChannelElection, isElectionMessage, type ElectionMessage } from "./channel-election.js";
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
 * Wraps `getToken` so that the clients on one channel renew once between
 * them. The engine inside each client still decides when it needs a token
 * (first use, expiry, a 401); this answers that need from an unexpired token
 * another client renewed, when there is one this client does not hold yet.
 * Otherwise one client at a time (a Web Lock) asks the others for a newer
 * token, then calls `getToken` and broadcasts what it got. A tab closed
 * mid-renewal releases the lock, so the next waiting client renews.
 * Without Web Locks the clients elect the renewer over the channel itself
 * (`ChannelElection`).
 */
export class TokenSharing {
  readonly #getToken: GetToken;
  readonly #name: string;
  #bus: BroadcastChannel | undefined;
  #election: ChannelElection | undefined;
  #latest: Shared | undefined;
  /** The id of the token this client's engine holds. */
  #held: string | undefined;
  #waiters: Array<() => void> = [];

  constructor(getToken: GetToken, channel: string, siteId: string, deviceId: string) {
    this.#getToken = getToken;
    this.#name = `halo-device/${channel}/${siteId}/${deviceId}`;
    // Joined at once, so the peers know each other before the first renewal.
    this.#open();
  }

  /** The `getToken` the client's engine calls. */
  readonly getToken = async (request: TokenRequest): Promise<IssuedToken> => {
    // A token this client already holds is the one that is expiring or
    // that Halo refused: only another one answers the need.
    const usable = (token: Shared | undefined): token is Shared =>
      token !== undefined && token.expiresAt > Date.now() && token.id !== this.#held;
    if (usable(this.#latest)) return this.#hand(this.#latest);
    const locks = typeof navigator === "object" ? navigator.locks : undefined;
    const signal = (request as { signal?: unknown }).signal;
    if (locks === undefined) {
      if (this.#election === undefined || !(signal instanceof AbortSignal)) return this.#renew(request);
      return this.#election.run(signal, () => (usable(this.#latest) ? this.#hand(this.#latest) : undefined), () => this.#renew(request));
    }
    return locks.request(this.#name, signal instanceof AbortSignal ? { signal } : {}, async () => {
      if (!usable(this.#latest)) await this.#ask();
      return usable(this.#latest) ? this.#hand(this.#latest) : this.#renew(request);
    });
  };

  /** Leaves the channel; `close()` of the client calls it. */
  close(): void {
    this.#election?.close();
    this.#election = undefined;
    this.#bus?.close();
    this.#bus = undefined;
    this.#latest = undefined;
  }

  #open(): void {
    if (this.#bus !== undefined) return;
    const bus = new BroadcastChannel(this.#name);
    bus.onmessage = (event: MessageEvent) => this.#receive(event.data);
    // Node keeps a process alive while a channel is open; a client must not.
    (bus as { unref?: () => void }).unref?.();
    this.#bus = bus;
    if (typeof navigator !== "object" || navigator.locks === undefined) this.#election = new ChannelElection((message) => this.#post(message));
  }

  #receive(message: unknown): void {
    if (!isMessage(message)) return;
    if (message.kind === "token") {
      if (this.#latest === undefined || message.token.expiresAt > this.#latest.expiresAt) {
        this.#latest = message.token;
        for (const wake of [...this.#waiters]) wake();
        this.#election?.reconsider();
      }
      return;
    }
    // Whoever asks or claims may lack a token this client has: answering with it saves a renewal.
    if ((message.kind === "ask" || message.kind === "claim") && this.#latest !== undefined && this.#latest.expiresAt > Date.now()) {
      this.#post({ kind: "token", token: this.#latest });
    }
    if (message.kind !== "ask") this.#election?.receive(message);
  }

  /** Asks the other clients for their token; resolves on a newer one or after the window. */
  #ask(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((waiter) => waiter !== wake);
        resolve();
      };
      const timer = setTimeout(wake, ASK_WINDOW_MS);
      this.#waiters.push(wake);
      this.#post({ kind: "ask" });
    });
  }

  async #renew(request: TokenRequest): Promise<IssuedToken> {
    const issued = await this.#getToken(request);
    // The engine validates what `getToken` returned; a token that it will
    // refuse is not shared either.
    const { accessToken, expiresIn } = (issued ?? {}) as Partial<IssuedToken>;
    if (typeof accessToken === "string" && typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn > 0) {
      const token = { id: crypto.randomUUID(), accessToken, expiresAt: Date.now() + expiresIn * 1000 };
      this.#latest = token;
      this.#held = token.id;
      this.#post({ kind: "token", token });
    }
    return issued;
  }

  #hand(token: Shared): IssuedToken {
    this.#held = token.id;
    return { accessToken: token.accessToken, expiresIn: Math.max(1, Math.floor((token.expiresAt - Date.now()) / 1000)) };
  }

  #post(message: Message): void {
    try {
      this.#bus?.postMessage(message);
    } catch {
      // A closed channel: the other clients renew on their own.
    }
  }
}
