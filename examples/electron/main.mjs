// Electron main process: one window whose renderer (loaded from file://)
// talks to Halo Cloud itself, plus one query made here in main.
//
//   HALO_BASE_URL=http://127.0.0.1:4010 npm start        (against the simulator)
//   HALO_BASE_URL=https://api.stage.haloconnect.io HALO_SITE_ID=… \
//     HALO_TOKEN_SERVICE_URL=https://your-cloud.example/halo-token npm start
import { app, BrowserWindow, ipcMain, net, session } from "electron";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cloudTokenService, createHaloMain, loadDeviceId, rendererCors, simulatorTokenService } from "./halo-main.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = process.env.HALO_BASE_URL ?? "http://127.0.0.1:4010";
const siteId = process.env.HALO_SITE_ID ?? "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
// Electron's `net.fetch` goes through Chromium's network stack: the
// system proxy and certificate store apply, and there is no CORS.
const fetch = (input, init) => net.fetch(input, init);

app.whenReady().then(async () => {
  const deviceId = await loadDeviceId(join(app.getPath("userData"), "halo-device-id"));
  const getToken = process.env.HALO_TOKEN_SERVICE_URL
    ? cloudTokenService({ url: process.env.HALO_TOKEN_SERVICE_URL, fetch })
    : simulatorTokenService({ baseUrl, subscriptionKey: process.env.HALO_SUBSCRIPTION_KEY ?? "sim-subscription-key", fetch });
  const { handlers } = createHaloMain({ baseUrl, siteId, deviceId, getToken, fetch });
  for (const [channel, handler] of Object.entries(handlers)) ipcMain.handle(channel, handler);

  // The renderer's requests to Halo are cross-origin (Origin: null from
  // file://). If Halo does not answer CORS for it, these headers do.
  const halo = new URL(baseUrl);
  session.defaultSession.webRequest.onHeadersReceived({ urls: [`${halo.protocol}//${halo.hostname}/*`] }, (details, callback) =>
    callback(rendererCors(details)),
  );

  const window = new BrowserWindow({
    width: 900,
    height: 640,
    webPreferences: { preload: join(here, "preload.cjs"), contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  await window.loadFile(join(here, "renderer", "index.html"));
});

app.on("window-all-closed", () => app.quit());
