// Every device-client scenario. Each runs in Node and in Chromium against
// a fresh simulator (see js-tests/device-client.test.mjs).
import { scenarios as errors } from "./errors.mjs";
import { scenarios as queries } from "./queries.mjs";
import { scenarios as registered } from "./registered.mjs";
import { scenarios as tokens } from "./tokens.mjs";
import { scenarios as validation } from "./validation.mjs";

export const scenarios = [...queries, ...registered, ...validation, ...errors, ...tokens];
