import assert from "node:assert/strict";
import { compareHlc, compareVersions, formatHlc, HLC_ZERO, maxHlc, nextHlc, parseHlc } from "./hlc.ts";

const T = 1_780_000_000_000;

Deno.test("a stamp is fixed-width text whose order is time order", () => {
  assert.equal(formatHlc({ ms: T, counter: 3 }), "001780000000000-000003");
  assert.deepEqual(parseHlc("001780000000000-000003"), { ms: T, counter: 3 });
  const stamps = [
    formatHlc({ ms: 9, counter: 999_999 }),
    formatHlc({ ms: 10, counter: 0 }),
    formatHlc({ ms: T, counter: 2 }),
    formatHlc({ ms: T, counter: 10 }),
  ];
  assert.deepEqual([...stamps].reverse().sort(), stamps);
  assert.throws(() => parseHlc("1780000000000-3"), RangeError);
  assert.throws(() => parseHlc("001780000000000-00000a"), /Not a hybrid logical clock stamp/);
});

Deno.test("the next stamp follows the wall clock when it is ahead, the counter when it is not", () => {
  assert.equal(nextHlc(HLC_ZERO, T), formatHlc({ ms: T, counter: 0 }));
  const last = formatHlc({ ms: T, counter: 4 });
  assert.equal(nextHlc(last, T + 1), formatHlc({ ms: T + 1, counter: 0 }));
  assert.equal(nextHlc(last, T), formatHlc({ ms: T, counter: 5 }), "same millisecond");
  assert.equal(nextHlc(last, T - 60_000), formatHlc({ ms: T, counter: 5 }), "the wall clock went back");
  assert.equal(nextHlc(formatHlc({ ms: T, counter: 999_999 }), T), formatHlc({ ms: T + 1, counter: 0 }));
});

Deno.test("the clock never goes backwards, whatever the wall clock does", () => {
  let last = HLC_ZERO;
  const walls = [T, T, T - 5, T + 3, T + 3, T + 1, 0, T + 10];
  for (const wall of walls) {
    const next = nextHlc(last, wall);
    assert.equal(compareHlc(next, last), 1, `${next} after ${last}`);
    last = next;
  }
});

Deno.test("versions order by stamp, then by origin", () => {
  const a = { hlc: formatHlc({ ms: T, counter: 1 }), origin: "ffffffffffffffff" };
  const b = { hlc: formatHlc({ ms: T, counter: 2 }), origin: "0000000000000000" };
  assert.equal(compareVersions(a, b), -1);
  assert.equal(compareVersions(b, a), 1);
  assert.equal(compareVersions({ ...a, origin: "0000000000000001" }, a), -1);
  assert.equal(compareVersions(a, { ...a }), 0);
  assert.equal(maxHlc(a.hlc, b.hlc), b.hlc);
  assert.equal(maxHlc("", a.hlc), a.hlc);
});
