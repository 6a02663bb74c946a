// Nothing in the product reaches for a network the operator did not configure: the full HTTP
// surface test passes inside a fresh network namespace that has only a loopback interface.
import assert from "node:assert/strict";

Deno.test("the full HTTP surface test passes under unshare -n with only loopback up", async () => {
  const probe = await new Deno.Command("unshare", { args: ["-n", "true"], stderr: "piped" }).output();
  assert.equal(
    probe.code,
    0,
    `unshare -n is needed for this test (run as root): ${new TextDecoder().decode(probe.stderr)}`,
  );
  const deno = Deno.execPath();
  const out = await new Deno.Command("unshare", {
    args: ["-n", "sh", "-c", `ip link set lo up && exec "${deno}" test -P=test test/e2e/http_test.ts`],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /ok \| [1-9]\d* passed \(\d+ steps\) \| 0 failed/);
});
