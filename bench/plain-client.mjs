// The alternative the package competes with: twenty lines of hand-written
// fetch. It sends what the package sends for an immediate query (same URL,
// headers and body) and decodes `data` the same way (base64 -> UTF-8 ->
// JSON.parse), but has no validation, timeouts, retries or token renewal.
// It is also the init baseline (what importing "your own client" costs), so
// it must load in a browser too: no node: imports.

/** Base64 of UTF-8 JSON rows -> rows, with the runtime's native decoders. */
export function decodeData(data) {
  if (!data) return [];
  const text = typeof Buffer === "function"
    ? Buffer.from(data, "base64").toString("utf8")
    : new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  return JSON.parse(text);
}

export function plainClient({ baseUrl, siteId, deviceId, accessToken, fetch = globalThis.fetch }) {
  const url = `${baseUrl}/desktop/sites/${siteId}/queries/immediate`;
  return async function immediateQuery(text) {
    const response = await fetch(url, {
      method: "POST",
      headers: { Accept: "application/json", Authorization: `Bearer ${accessToken}`, DeviceId: deviceId, "Content-Type": "application/json" },
      body: JSON.stringify({ command: { text, executionMode: "reader", type: "text", parameters: [] } }),
    });
    const query = await response.json();
    if (!response.ok) throw new Error(`Halo answered ${response.status}`);
    return { queryId: query.id, rows: decodeData(query.result?.data), query };
  };
}
