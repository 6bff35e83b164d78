import { HaloError } from "./errors.js";

/**
 * Where to load the wasm from: a URL (string or `URL`), a `Response` (or a
 * promise of one), a compiled `WebAssembly.Module`, or the raw bytes.
 *
 * @example
 * await init("/assets/halo_device_bg.wasm");        // a URL
 * await init(fetch("/assets/halo_device_bg.wasm")); // or a Response, or a promise of one
 */
export type InitInput =
  | string
  | URL
  | Request
  | Response
  | Promise<Response>
  | CompiledModule
  | ArrayBuffer
  | ArrayBufferView;

/**
 * `WebAssembly.Module`, spelled so that it also type-checks where the DOM
 * lib is absent (a Node or Electron main-process project with `@types/node`).
 *
 * @example
 * const module: CompiledModule = await WebAssembly.compileStreaming(fetch("/assets/halo_device_bg.wasm"));
 * await init(module);
 */
export type CompiledModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never[]) => infer M } } ? M : never;

type LoadWasm = (input?: { module_or_path: InitInput }) => Promise<unknown>;
/** The wasm's `onPanic`: registers what its panic hook calls before it traps. */
type OnPanic = (listener: (cause: Error) => void) => void;

/**
 * @internal One entry's wasm module: loaded once, by the Node entry at import
 * or by `init()` in browsers. Each entry (`halo-device`,
 * `halo-device/integrator`) has its own, so a browser downloads only its own.
 */
export class WasmLoader {
  #ready = false;
  #loading: Promise<void> | undefined;
  #poisoned: HaloError | undefined;
  #trap: ((error: HaloError) => void) | undefined;
  /** Rejects when the instance is poisoned; calls race it so none hangs. */
  readonly trapped: Promise<never> = new Promise<never>((_resolve, reject) => {
    this.#trap = reject;
  });

  constructor(
    private readonly entry: string,
    private readonly load: LoadWasm,
    private readonly onPanic: OnPanic,
  ) {
    // Awaited only through `Promise.race`: never an unhandled rejection.
    this.trapped.catch(() => {});
  }

  markReady(): void {
    // A panic in a future no call awaits (a token renewal) traps outside
    // every call: the hook tells us, so that pending calls settle and later
    // ones fail at once instead of hanging on a dead executor.
    this.onPanic((cause) => this.poison(cause));
    this.#ready = true;
  }

  /**
   * The instance trapped or panicked: nothing more runs on it. Returns the error every
   * call gets from now on, `cause` being the first trap.
   */
  poison(cause: unknown): HaloError {
    if (this.#poisoned === undefined) {
      this.#poisoned = new HaloError(
        `${this.entry}'s WebAssembly instance trapped and is poisoned: no call can run on it any more; reload the page or restart the process (and please report this bug)`,
        { code: "HALO_INTERNAL", retryable: false, cause },
      );
      this.#trap?.(this.#poisoned);
    }
    return this.#poisoned;
  }

  async #load(input: InitInput | undefined): Promise<void> {
    const fail = (what: string, cause?: unknown, retryable = false): HaloError =>
      new HaloError(
        `${this.entry} could not load its WebAssembly: ${what}. Serve the .wasm file as application/wasm, or pass its bytes: init(bytes); under a Content-Security-Policy, script-src needs 'wasm-unsafe-eval'`,
        { code: "HALO_LOAD", retryable, cause },
      );
    let source = input;
    let url = "the wasm URL";
    if (typeof source === "string" || source instanceof URL || (typeof Request === "function" && source instanceof Request)) {
      url = typeof source === "string" ? source : source instanceof URL ? source.href : source.url;
      source = fetch(source);
    }
    if (source instanceof Promise) {
      // A file:// page, or a Content-Security-Policy whose connect-src
      // leaves the URL out, makes fetch fail with no reason given.
      source = await source.catch((error: unknown) =>
        Promise.reject(fail(`fetching ${url} failed (offline, or blocked: file:// or CSP connect-src)`, error, true)),
      );
    }
    if (typeof Response === "function" && source instanceof Response) {
      // A 404 page or an app's HTML fallback in place of the file would
      // otherwise fail deep in the compiler ("expected magic word").
      const type = source.headers.get("Content-Type") ?? "no content type";
      const served = `got ${type} (HTTP ${source.status}) from ${source.url || url}`;
      if (!source.ok) throw fail(served);
      if (!/^application\/wasm\b/i.test(type)) {
        const bytes = await source.arrayBuffer();
        if (!isWasm(bytes)) throw fail(`${served}, not WebAssembly`);
        source = bytes;
      }
    } else if ((source instanceof ArrayBuffer || ArrayBuffer.isView(source)) && !isWasm(source as ArrayBuffer | ArrayBufferView)) {
      throw fail("the bytes given to init() are not WebAssembly");
    }
    try {
      await this.load(source === undefined ? undefined : { module_or_path: source });
    } catch (error) {
      throw error instanceof HaloError ? error : fail(String(error), error);
    }
  }

  /** Throws the error that tells a browser user to call `init()` first, or that the instance is poisoned. */
  assertReady(): void {
    if (this.#poisoned !== undefined) throw this.#poisoned;
    if (!this.#ready) {
      throw new HaloError(`${this.entry} is not initialised: call \`await init()\` (from "${this.entry}") first`, {
        code: "HALO_NOT_INITIALISED",
        retryable: false,
      });
    }
  }

  init(input?: InitInput): Promise<void> {
    if (this.#ready) return Promise.resolve();
    this.#loading ??= this.#load(input).then(
      () => this.markReady(),
      (error: unknown) => {
        this.#loading = undefined; // a failed load can be tried again
        throw error;
      },
    );
    return this.#loading;
  }
}

/** Whether `bytes` start with WebAssembly's magic word, `\0asm`. */
function isWasm(bytes: ArrayBuffer | ArrayBufferView): boolean {
  const head = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, Math.min(4, bytes.byteLength)) : new Uint8Array(bytes, 0, Math.min(4, bytes.byteLength));
  return head.length === 4 && head[0] === 0 && head[1] === 0x61 && head[2] === 0x73 && head[3] === 0x6d;
}
