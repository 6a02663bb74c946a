// The task launcher: a database anywhere the operator points, with permissions for exactly it.
import assert from "node:assert/strict";

const decoder = new TextDecoder();

async function launch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=launch", "src/launch.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("launcher: the CLI uses a --db outside ./data and passes exit codes through", async () => {
  const db = `/tmp/ai-memory-launch-${crypto.randomUUID()}/m.db`;
  const stored = await launch([
    "--db",
    db,
    "store",
    "--title",
    "Launcher",
    "--content",
    "outside data",
    "--json",
  ]);
  assert.equal(stored.code, 0, stored.stderr);
  const id = JSON.parse(stored.stdout).id;
  const got = await launch(["get", id, "--db", db, "--json"]);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(JSON.parse(got.stdout).memory.content, "outside data");
  const bad = await launch(["--db", db, "store", "--title", "x", "--content", "y", "--priority", "11"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /priority: must be between 1 and 10/);
});

Deno.test("launcher: a path with a comma is refused before any process starts", async () => {
  const out = await launch(["--db", "/tmp/a,b/m.db", "stats"]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /must not contain a comma/);
});

Deno.test("launcher: `bench` runs the benchmark with its own permission set; main.ts without it says where it is", async () => {
  const help = await launch(["bench", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: ai-memory bench/);
  const bad = await launch(["bench", "--sizes", "ten"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /error \(invalid_input\): --sizes/);
  const unknown = await launch(["bench", "--size", "1000"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--size/);
  // Without the launcher (as a compiled binary runs), the command explains instead of failing oddly.
  const direct = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=cli", "src/main.ts", "bench", "--quick"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(direct.code, 2);
  assert.match(decoder.decode(direct.stderr), /bench: the benchmark runs from a source checkout/);
});
