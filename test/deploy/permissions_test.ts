// The sandbox as an inspector checks it: the server refuses unscoped permissions, and the
// product's permission sets refuse connections the operator did not configure.
import assert from "node:assert/strict";
import { tempDataDir } from "../support/processes.ts";

const decoder = new TextDecoder();

async function run(args: string[], timeoutMs = 20_000) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("the server refuses to start with unrestricted network access unless overridden", async () => {
  const db = `${await tempDataDir()}/p.db`;
  for (const surface of ["serve", "mcp"]) {
    const out = await run(["run", `-P=${surface}`, "--allow-net", "src/main.ts", surface, "--db", db]);
    assert.equal(out.code, 1, `${surface} refused`);
    assert.match(out.stderr, /Refusing to run with unrestricted net access/);
  }
  const files = await run(["run", "-P=serve", "--allow-read", "src/main.ts", "serve", "--db", db]);
  assert.equal(files.code, 1);
  assert.match(files.stderr, /unrestricted read access/);
});

Deno.test("with --allow-broad-permissions the server starts and logs the override", async () => {
  const db = `${await tempDataDir()}/p.db`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=serve",
      "--allow-net",
      "src/main.ts",
      "serve",
      "--port",
      "0",
      "--db",
      db,
      "--allow-broad-permissions",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes('"msg":"listening"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  child.kill("SIGTERM");
  while (!(await reader.read()).done) { /* drain */ }
  await child.status;
  assert.match(text, /"level":"warn","msg":"running with broad permissions by operator override"/);
  assert.match(text, /"msg":"listening"/);
});

Deno.test("the serve permission set refuses connections to hosts the operator did not configure", async () => {
  const out = await run([
    "run",
    "-P=serve",
    "test/support/net_probe.ts",
    "http://127.0.0.2:8999/",
    "http://example.invalid/",
    "https://registry.npmjs.org/",
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout), {
    "http://127.0.0.2:8999/": "NotCapable",
    "http://example.invalid/": "NotCapable",
    "https://registry.npmjs.org/": "NotCapable",
  });
});
