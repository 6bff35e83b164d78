// 7. Streaming a large result page (see stream-child.mjs): the simulator
// generates the page row by row, so neither side holds it whole.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { control, SITE_ID } from "../js-tests/scenarios/support.mjs";

const CHILD = fileURLToPath(new URL("./stream-child.mjs", import.meta.url));

/** Streams a page of `rows` rows of `rowBytes` JSON bytes each (about `rows × rowBytes` in all). */
export async function measureStream({ baseUrl, rows, rowBytes }) {
  const { queryId } = await control(baseUrl, "POST", `sites/${SITE_ID}/queries/generated`, { rows, rowBytes });
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", CHILD, baseUrl, queryId], { encoding: "utf8" });
  return { ...JSON.parse(stdout), pageBytes: rows * (rowBytes + 1) + 1 };
}
