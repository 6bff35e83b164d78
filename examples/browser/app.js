// A browser app with no login of its own: it asks its server for the Halo
// settings and for device tokens (POST /api/halo-token), then queries the
// practice directly from the page.
import { init, HaloDeviceClient, HaloError, generateDeviceId } from "halo-device";

const status = /** @type {HTMLElement} */ (document.querySelector("#status"));
const table = /** @type {HTMLTableElement} */ (document.querySelector("#patients"));

/** A device id kept per browser, so Halo sees the same device each visit. */
function storedDeviceId() {
  let id = localStorage.getItem("halo-device-id");
  if (id === null) {
    id = generateDeviceId();
    localStorage.setItem("halo-device-id", id);
  }
  return id;
}

async function main() {
  await init(); // fetches halo_device_bg.wasm from next to the package's index.js
  const { baseUrl, siteId } = await (await fetch("/api/config")).json();
  const client = new HaloDeviceClient({
    baseUrl,
    siteId,
    deviceId: storedDeviceId(),
    getToken: async ({ siteId, deviceId, reason, signal }) => {
      const response = await fetch("/api/halo-token", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        // A token service that caches must not answer "rejected" from its cache.
        body: JSON.stringify({ siteId, deviceId, reason }),
        signal,
      });
      if (!response.ok) throw new Error(`token service answered ${response.status}`);
      return response.json();
    },
  });

  status.textContent = "Querying the practice…";
  const { rows } = await client.immediateQuery("SELECT InternalID, Title, Firstname, Surname, DOB, Suburb FROM Patients ORDER BY InternalID");
  const body = table.tBodies[0];
  for (const patient of rows) {
    const row = body.insertRow();
    for (const value of [patient.InternalID, `${patient.Title} ${patient.Firstname} ${patient.Surname}`, patient.DOB, patient.Suburb]) {
      row.insertCell().textContent = String(value);
    }
  }
  table.hidden = false;
  status.textContent = `${rows.length} patients`;
  status.dataset.state = "done";
  const { expiresAt, renewals } = client.tokenInfo();
  document.querySelector("#token").textContent = `Device token #${renewals}, valid until ${expiresAt?.toLocaleTimeString()}`;
}

main().catch((error) => {
  status.dataset.state = "error";
  status.textContent = error instanceof HaloError ? `${error.name} (${error.code}): ${error.message}` : String(error);
});
