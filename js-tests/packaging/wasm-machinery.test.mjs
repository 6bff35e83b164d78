// The size levers of bench/README.md ("Size levers") stay pulled: the device
// wasm must not regain the panic machinery that one str slice or substring
// search brings (the char formatting and Unicode tables behind
// `str::slice_error_fail`, the two-way substring searcher), the char
// searcher of a `char` pattern (`split('/')`: the core splits with
// `chars::is`) and its `memchr`, a `GenericShunt` copy per
// `collect::<Result<Vec<_>, _>>()`, serde's (de)serializers, nor std's
// dlmalloc in place of talc. A byte budget notices a regression only once
// it adds up past the next KiB; a name is caught the day it comes back.
//
// The names come from the linked wasm that scripts/build-package.mjs leaves
// in build/ (the `name` section, before wasm-opt strips it): wasm-opt only
// removes code, so a function absent there is absent from the package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support.mjs";
import { functionNames } from "../../bench/wasm-names.mjs";

/**
 * What each lever removed, by words that survive both manglings (legacy
 * `_ZN…` and v0 `_RNv…`): `printable` is `core::unicode::printable`, which
 * `<char as Debug>` calls to escape the char a slice panic quotes.
 */
const REMOVED = {
  "str slicing's panic (char Debug, Unicode tables)": /slice_error_fail|printable/,
  "the substring searcher (str::replace, find, contains with a str)": /StrSearcher|TwoWaySearcher/,
  "std's allocator (dlmalloc; talc replaces it)": /dlmalloc/,
  "a char pattern's searcher (split('/'), find(' '), contains('@'); use core::chars::is)": /CharSearcher|memchr/,
  "collect::<Result<Vec<_>, _>>() (GenericShunt; read in a loop)": /GenericShunt/,
  "serde (the device shell reads JS values field by field, src/wasm/fields.rs)": /serde/,
};

const ENTRIES = [
  { wasm: "halo_device.wasm", removed: Object.keys(REMOVED) },
  { wasm: "halo_integrator.wasm", removed: ["std's allocator (dlmalloc; talc replaces it)"] },
];

for (const { wasm, removed } of ENTRIES) {
  test(`${wasm} has none of the machinery the size levers removed`, () => {
    const path = join(ROOT, "build", wasm);
    assert.ok(existsSync(path), `${path} is missing: run node scripts/build-package.mjs first`);
    const names = functionNames(readFileSync(path));
    assert.ok(names.length > 100, `${wasm} keeps its name section (${names.length} names)`);
    for (const lever of removed) {
      const found = names.filter((name) => REMOVED[lever].test(name));
      assert.deepEqual(found, [], `${wasm} regained ${lever}; find the call that brings it (bench/README.md, "Size levers")`);
    }
  });
}
