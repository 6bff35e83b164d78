// Result data as Halo sends it: base64 of the UTF-8 JSON text of an array
// of row objects. Rows look like the simulator's Observations, with some
// non-ASCII text (as in real patient names) so UTF-8 decoding is exercised.
import { randomUUID } from "node:crypto";

const NAMES = ["Heart rate", "Systolic blood pressure", "Body weight", "Body temperature — oral", "Zoë's follow-up"];

export function observationRows(count) {
  return Array.from({ length: count }, (_, i) => ({
    ObservationID: i + 1,
    InternalID: (i % 8) + 1,
    ObservationDate: `2026-07-${String((i % 28) + 1).padStart(2, "0")}T09:${String(i % 60).padStart(2, "0")}:00`,
    Code: `${8000 + (i % 997)}-${i % 10}`,
    Name: NAMES[i % NAMES.length],
    Value: Math.round(((i * 7919) % 10000) / 10) / 10,
    Unit: ["/min", "mm[Hg]", "kg", "Cel", "{score}"][i % 5],
  }));
}

export const base64Json = (value) => Buffer.from(JSON.stringify(value), "utf8").toString("base64");

/** `data` of at most `base64Bytes` characters, within 1 % (one result page). */
export function resultData(base64Bytes) {
  let count = 1000;
  let data = base64Json(observationRows(count));
  // Row length grows with the ids: rescale until within 1 % below the target.
  while (data.length > base64Bytes || data.length < base64Bytes * 0.99) {
    count = Math.floor((count * base64Bytes * 0.995) / data.length);
    data = base64Json(observationRows(count));
  }
  return data;
}

/** An immediate query's response body, as Halo answers it, with `rows` rows. */
export function immediateQueryBody(rowCount) {
  const rows = observationRows(rowCount);
  const json = JSON.stringify(rows);
  const now = new Date().toISOString();
  return JSON.stringify({
    id: randomUUID(),
    siteId: "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    mode: "immediate",
    status: "successful",
    createdAt: now,
    updatedAt: now,
    result: { rows: rows.length, data: base64Json(rows), size: Buffer.byteLength(json), parameters: [] },
  });
}
