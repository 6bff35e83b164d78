// `halo query`, `halo fhir`, `halo sites`, `halo site`: a table on a
// terminal (a real pty, from `script -qec`), valid JSON and CSV when asked,
// progress on a terminal only, typed failures, and no secret in any output.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../../simulator/index.mjs";
import { KEY, assertNoSecretLeaked, envFor, halo } from "./support.mjs";

const SITE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const TOP3 = "SELECT TOP 3 InternalID, Firstname, Surname FROM Patients ORDER BY InternalID";
const ROWS = [
  { InternalID: 1, Firstname: "John", Surname: "Smith" },
  { InternalID: 2, Firstname: "Jane", Surname: "Citizen" },
  { InternalID: 3, Firstname: "Aiko", Surname: "Tanaka" },
];

let sim;
before(async () => {
  sim = await startSimulator({
    subscriptionKey: KEY,
    asyncStepMs: 10,
    pageRows: 100,
    registeredTimeScale: 0.001,
    tables: { Notes: { columns: [["NoteID", "int"], ["Body", "string"]], rows: [[1, "red \u001b[31malert\u001b[0m"], [2, 'comma, "quoted"\nline']] } },
  });
});
after(async () => {
  await sim?.close();
  assertNoSecretLeaked([KEY]);
});

const run = (args, options = {}) => halo(args, { env: envFor(sim), ...options });

test("on a terminal: an aligned table, numbers to the right", async () => {
  const { code, stdout } = await run(["query", "--site", SITE, TOP3], { tty: true });
  assert.equal(code, 0, stdout);
  // What a terminal shows: the progress line, erased by "\r\x1b[K", then the table.
  assert.match(stdout, /running the query…\r\x1b\[K/);
  const lines = stdout.split(/\r?\n/).map((line) => line.split("\r\x1b[K").pop());
  const at = lines.findIndex((line) => line.startsWith("InternalID"));
  assert.deepEqual(lines.slice(at, at + 6), [
    "InternalID  Firstname  Surname",
    "----------  ---------  -------",
    "         1  John       Smith",
    "         2  Jane       Citizen",
    "         3  Aiko       Tanaka",
    "(3 rows)",
  ]);
});

test("a table escapes control characters from the data (no terminal injection)", async () => {
  const { code, stdout } = await run(["query", "--site", SITE, "SELECT NoteID, Body FROM Notes"]);
  assert.equal(code, 0);
  assert.ok(!stdout.includes("\u001b"), "an escape character reached the terminal");
  assert.match(stdout, /red \\x1b\[31malert\\x1b\[0m/);
  assert.match(stdout, /comma, "quoted"\\x0aline/);
});

test("--json is valid JSON of the rows", async () => {
  const { code, stdout, stderr } = await run(["query", "--json", "--site", SITE, TOP3]);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), ROWS);
  assert.equal(stderr, "", "piped: no progress");
});

test("--csv is RFC 4180, quoting what needs it, the data unchanged", async () => {
  const { code, stdout } = await run(["query", "--csv", "--site", SITE, "SELECT NoteID, Body FROM Notes ORDER BY NoteID"]);
  assert.equal(code, 0);
  assert.equal(stdout, 'NoteID,Body\r\n1,red \u001b[31malert\u001b[0m\r\n2,"comma, ""quoted""\nline"\n');
});

test("--async reads every result page; progress on a terminal, none when piped", async () => {
  const piped = await run(["query", "--async", "--json", "--site", SITE, "SELECT * FROM Observations"]);
  assert.equal(piped.code, 0, piped.stderr);
  const rows = JSON.parse(piped.stdout);
  assert.equal(rows.length, 1000);
  assert.deepEqual(rows.map((row) => row.ObservationID), Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.equal(piped.stderr, "");
  const tty = await run(["query", "--async", "--csv", "--site", SITE, "SELECT * FROM Observations"], { tty: true });
  assert.equal(tty.code, 0);
  assert.match(tty.stdout, /query [0-9a-f-]{36}: (initialising|queued|executing|uploading|successful)/);
  assert.match(tty.stdout, /downloading page 10 of 10 \(1000 rows\)/);
});

test("--registered prints the first result and cancels the registration", async () => {
  const { code, stdout, stderr } = await run(["query", "--registered", "--json", "--site", SITE, "SELECT COUNT(*) AS Total FROM Patients"]);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), [{ Total: 8 }]);
  const statuses = await (await fetch(`${sim.url}/integrator/sites/${SITE}/queries/registered`, { headers: { "Ocp-Apim-Subscription-Key": KEY } })).json();
  const list = Array.isArray(statuses) ? statuses : (statuses.registeredQueries ?? statuses.items ?? []);
  assert.ok(list.length > 0 && list.every((query) => query.status !== "enabled"), JSON.stringify(statuses));
});

test("fhir: a search, every page, as a table or JSON", async () => {
  const { code, stdout } = await run(["fhir", "--json", "--site", SITE, "Patient", "family=Smith"]);
  assert.equal(code, 0);
  const resources = JSON.parse(stdout);
  assert.deepEqual(resources.map((resource) => [resource.resourceType, resource.id]), [["Patient", "1"], ["Patient", "8"]]);
  const table = await run(["fhir", "--site", SITE, "Patient", "family=Smith"]);
  assert.match(table.stdout, /^resourceType +id /);
  assert.match(table.stdout, /\(2 rows\)/);
});

test("sites and site", async () => {
  const sites = await run(["sites", "--pms-id", "12345", "--pms-name", "best practice", "--csv"]);
  assert.equal(sites.code, 0, sites.stderr);
  const [head, ...rows] = sites.stdout.trim().split("\r\n");
  assert.equal(head, "id,practiceName,pmsType,pmsId,authoritative,status,availability,haloLinkVersion");
  assert.deepEqual(rows.map((row) => row.split(",").slice(0, 5)), [
    [SITE, "Halo Clinic North", "BestPractice", "12345", "true"],
    ["3f2504e0-4f89-41d3-9a0c-0305e82c3302", "Halo Clinic North", "BestPractice", "12345", "false"],
  ]);
  const one = await run(["site", SITE, "--json"]);
  assert.equal(JSON.parse(one.stdout).id, SITE);
});

test("Halo's errors are typed, exit 1, and carry no key", async () => {
  const unknown = await run(["site", "00000000-0000-4000-8000-000000000000"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /HALO_NOT_FOUND 404/);
  const sqlError = await run(["query", "--site", SITE, "SELECT Nope FROM Patients"]);
  assert.equal(sqlError.code, 1);
  assert.match(sqlError.stderr, /Invalid column name 'Nope'/);
  const badKey = await halo(["query", "--site", SITE, TOP3], { env: envFor(sim, { HALO_SUBSCRIPTION_KEY: "not-the-key-at-all" }) });
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /HALO_AUTH 401/);
});

test("usage errors exit 2 with a message; --help for every command", async () => {
  const usage = [["query", "--site", SITE], ["query", "--json", "--csv", "--site", SITE, "SELECT 1"], ["sites", "--pms-id", "1", "--pms-name", "Medtech"], ["nope"], ["fhir", "--site", SITE, "Patient", "family"]];
  for (const [i, { code, stderr }] of (await Promise.all(usage.map((args) => run(args)))).entries()) {
    assert.equal(code, 2, usage[i].join(" "));
    assert.match(stderr, /^halo: /);
  }
  const missingKey = await halo(["site", SITE], { env: { HALO_BASE_URL: sim.url } });
  assert.equal(missingKey.code, 2);
  assert.match(missingKey.stderr, /HALO_SUBSCRIPTION_KEY is not set/);
  const commands = ["doctor", "sites", "site", "query", "fhir", "webhook"];
  for (const [i, { code, stdout }] of (await Promise.all(commands.map((command) => halo([command, "--help"])))).entries()) {
    assert.equal(code, 0, commands[i]);
    assert.match(stdout, new RegExp(`Usage: halo ${commands[i]}`));
  }
  const top = await halo(["--help"]);
  assert.match(top.stdout, /npx halo-device/);
});
