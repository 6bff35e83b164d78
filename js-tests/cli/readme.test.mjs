// The npm README's "The halo command" section runs as written: every
// `npx halo-device …` line of its sh blocks exits 0 against the simulator
// (its webhook line against a receiver holding the same secret).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../simulator/index.mjs";
import { KEY, SECRET, assertNoSecretLeaked, envFor, shell, startReceiver } from "./support.mjs";

const README = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "pkg-template", "README.md");

function commandLines() {
  const text = readFileSync(README, "utf8");
  const start = text.indexOf("\n## The halo command\n");
  assert.notEqual(start, -1, "no ## The halo command section");
  const section = text.slice(start, text.indexOf("\n## ", start + 1));
  const blocks = [...section.matchAll(/\n```sh\n([\s\S]*?)\n```/g)].map((match) => match[1]);
  return blocks.flatMap((block) => block.split("\n")).filter((line) => line.startsWith("npx halo-device "));
}

let sim;
let receiver;
let dir;
before(async () => {
  sim = await startSimulator({ subscriptionKey: KEY, asyncStepMs: 10 });
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), "halo-readme-"));
});
after(async () => {
  await sim?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
  assertNoSecretLeaked([KEY, SECRET]);
});

test("every documented halo line runs and exits 0", async () => {
  const lines = commandLines();
  assert.ok(lines.length >= 7, `only ${lines.length} documented lines`);
  for (const line of lines) {
    const { code, stdout, stderr } = await shell(line.replace("http://localhost:3000/halo/webhook", receiver.url), { env: envFor(sim, { HALO_WEBHOOK_SECRET: SECRET }), cwd: dir });
    assert.equal(code, 0, `${line}\n${stdout}${stderr}`);
  }
  assert.equal(readFileSync(join(dir, "observations.csv"), "utf8").split("\r\n").length, 1001);
  assert.equal(receiver.verified.length, 1);
});

test("`npx halo-device` itself resolves to the installed bin (offline, no download)", async () => {
  const { code, stdout } = await shell("command npx --offline halo-device --help", { cwd: join(dirname(fileURLToPath(import.meta.url)), "..", "..") });
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^halo — Halo Cloud from the command line/);
});
