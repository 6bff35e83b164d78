// Preload (sandboxed, so CommonJS with only `electron` available): the
// renderer's whole window onto the main process. No token service URL, no
// subscription key and no file access cross this bridge.
const { contextBridge, ipcRenderer } = require("electron");

contextBridge.exposeInMainWorld("halo", {
  /** { baseUrl, siteId, deviceId } */
  config: () => ipcRenderer.invoke("halo:config"),
  /** The wasm as a Uint8Array, for `init(bytes)`. */
  wasmBytes: () => ipcRenderer.invoke("halo:wasm"),
  /** A device token for this app's site and device: { accessToken, expiresIn }. */
  getToken: (reason) => ipcRenderer.invoke("halo:token", reason),
  /** Rows of a query the main process runs with its own client. */
  appointments: () => ipcRenderer.invoke("halo:appointments"),
});
