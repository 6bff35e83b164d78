// The renderer: the package's browser build, imported by relative path
// (no bundler), with the wasm bytes handed over by the preload because a
// page on file:// cannot fetch files.
import { init, HaloDeviceClient, HaloError } from "../node_modules/halo-device/dist/browser/index.js";

const status = /** @type {HTMLElement} */ (document.querySelector("#status"));

function list(selector, items) {
  const element = document.querySelector(selector);
  for (const text of items) element.appendChild(document.createElement("li")).textContent = text;
}

async function main() {
  await init(await window.halo.wasmBytes());
  const { baseUrl, siteId, deviceId } = await window.halo.config();
  const client = new HaloDeviceClient({ baseUrl, siteId, deviceId, getToken: ({ reason }) => window.halo.getToken(reason) });

  const { rows } = await client.immediateQuery("SELECT InternalID, Firstname, Surname FROM Patients ORDER BY InternalID");
  list("#patients", rows.map((p) => `${p.InternalID} ${p.Firstname} ${p.Surname}`));
  const appointments = await window.halo.appointments();
  list("#appointments", appointments.map((a) => `${a.AppointmentDate} · patient ${a.InternalID} · ${a.Reason}`));
  status.textContent = `${rows.length} patients, ${appointments.length} appointments`;
  status.dataset.state = "done";
}

main().catch((error) => {
  status.textContent = error instanceof HaloError ? `${error.name} (${error.code}): ${error.message}` : `${error.name}: ${error.message}`;
  status.dataset.state = "error";
});
