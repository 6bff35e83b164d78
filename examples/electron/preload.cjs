// Preload (sandboxed, so CommonJS with only `electron` available): the
// renderer's whole window onto the main process. No token service URL, no
// subscription key and no file access cross this bridge.
const { contextBridge, ipcRenderer } = require("electron");

/** The id of the token this window's client holds (see appTokenBroker in halo-main.mjs). */
let held;

contextBridge.exposeInMainWorld("halo", {
  /** { baseUrl, siteId, deviceId } */
  config: () => ipcRenderer.invoke("halo:config"),
  /** The wasm as a Uint8Array, for `init(bytes)`. */
  wasmBytes: () => ipcRenderer.invoke("halo:wasm"),
  /**
   * A device token for this app's site and device: { accessToken, expiresIn }.
   * The main process renews once for every window; saying which token this
   * window holds lets it tell "give me the current one" from "this one is spent".
   */
  getToken: async (reason) => {
    const { id, accessToken, expiresIn } = await ipcRenderer.invoke("halo:token", held, reason);
    held = id;
    return { accessToken, expiresIn };
  },
  /** Rows of a query the main process runs with its own client. */
  appointments: () => ipcRenderer.invoke("halo:appointments"),
});
