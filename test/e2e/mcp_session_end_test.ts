// How an MCP session ends: the client closes the server's stdin (the MCP stdio lifecycle), or a
// signal arrives. Spoken here as raw JSON-RPC lines, so that stdin can close right after the last
// request and the server's exit status is seen.
import assert from "node:assert/strict";
import type { Memory } from "../support/results.ts";
import { fileExists } from "../support/files.ts";
import { runCli, tempDataDir } from "../support/processes.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function spawnMcp(db: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=mcp", "src/main.ts", "mcp", "--db", db],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

const line = (message: Record<string, unknown>) => encoder.encode(JSON.stringify(message) + "\n");
const initialize = line({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e-raw", version: "1" } },
});
const initialized = line({ jsonrpc: "2.0", method: "notifications/initialized" });
const call = (id: number, name: string, args: Record<string, unknown>) =>
  line({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

/** The JSON-RPC answers in a stdout transcript, by id. */
function answers(stdout: string): Map<number, { result?: { structuredContent?: Record<string, unknown> } }> {
  const out = new Map();
  for (const text of stdout.split("\n").filter((l) => l.trim() !== "")) {
    const message = JSON.parse(text);
    if (typeof message.id === "number") out.set(message.id, message);
  }
  return out;
}

/** Read the server's stdout until request `id` has been answered; returns everything read. */
async function readUntilAnswered(
  reader: ReadableStreamDefaultReader<string>,
  id: number,
  sofar = "",
): Promise<string> {
  let stdout = sofar;
  while (!answers(stdout).has(id)) {
    const { value, done } = await reader.read();
    assert.equal(done, false, `the server answered request ${id}: ${stdout}`);
    stdout += value;
  }
  return stdout;
}

// A server that does not end its session is killed after this long, failing the test rather than
// hanging it (the session ends within milliseconds).
const EXIT_WAIT_MS = 15_000;

/** The child's exit status; it is killed (and the test fails) if it has not exited in EXIT_WAIT_MS. */
async function exited(child: Deno.ChildProcess, what: string): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), EXIT_WAIT_MS)));
  const status = await Promise.race([child.status, late]);
  clearTimeout(timer);
  if (status === "late") {
    child.kill("SIGKILL");
    await child.status;
    assert.fail(`the server was still running ${EXIT_WAIT_MS / 1000} s after ${what}`);
  }
  return status;
}

/** Read a stream to its end. */
async function readToEnd(reader: ReadableStreamDefaultReader<string>, sofar: string): Promise<string> {
  let text = sofar;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += value;
  }
}

/** A raw session: the server spawned and initialized, and request 2, a memory_store, answered. */
async function sessionWithStore(db: string, memory: { title: string; content: string }) {
  const child = spawnMcp(db);
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  await writer.write(initialize);
  await writer.write(initialized);
  await writer.write(call(2, "memory_store", memory));
  const stdout = await readUntilAnswered(reader, 2);
  return { child, writer, reader, stdout };
}

async function memoryGet(db: string, id: string): Promise<Memory> {
  const got = await runCli(["get", id, "--db", db, "--json"]);
  assert.equal(got.code, 0, got.stderr);
  return (JSON.parse(got.stdout) as { memory: Memory }).memory;
}

Deno.test("MCP: closing stdin right after the last request answers it, then exits cleanly with its writes made", async () => {
  const db = `${await tempDataDir()}/m.db`;
  const session = await sessionWithStore(db, {
    title: "Harbour lights",
    content: "The ferry leaves at dawn",
  });
  const { child, writer, reader } = session;
  let stdout = session.stdout;
  // The recall and the end of input together: the answer must still come.
  await writer.write(call(3, "memory_recall", { context: "ferry dawn" }));
  await writer.close();
  const status = await exited(child, "the end of its input");
  stdout = await readToEnd(reader, stdout);
  const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
  assert.equal(status.signal, null, "the server ended by itself, not by a signal");
  assert.equal(status.code, 0, stderr);
  const byId = answers(stdout);
  const stored = byId.get(2)?.result?.structuredContent as { id: string; action: string } | undefined;
  assert.equal(stored?.action, "created", stdout);
  const recalled = byId.get(3)?.result?.structuredContent as { memories: { id: string }[] } | undefined;
  assert.deepEqual(recalled?.memories.map((m) => m.id), [stored!.id], stdout);
  assert.equal(fileExists(`${db}-wal`), false, "the store was closed (the last connection removes the WAL)");
  // The recall's touch is written after its answer: it was written before the exit.
  assert.equal((await memoryGet(db, stored!.id)).access_count, 1);
  assert.ok(stderr.includes('"reason":"end of input"'), stderr);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`MCP: ${signal} ends the session cleanly, with the pending writes made`, {
    ignore: Deno.build.os === "windows",
  }, async () => {
    const db = `${await tempDataDir()}/m.db`;
    const session = await sessionWithStore(db, { title: "Signal test", content: "Stopped by a signal" });
    const { child, writer, reader } = session;
    let stdout = session.stdout;
    await writer.write(call(3, "memory_recall", { context: "signal stopped" }));
    stdout = await readUntilAnswered(reader, 3, stdout);
    // stdin stays open: only the signal ends the session.
    child.kill(signal);
    const status = await exited(child, signal);
    stdout = await readToEnd(reader, stdout);
    await writer.close().catch(() => {});
    const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.signal, null, `the server handled ${signal}; stderr: ${stderr}`);
    assert.equal(status.code, 0, stderr);
    assert.ok(stderr.includes('"reason":"signal"'), stderr);
    assert.equal(fileExists(`${db}-wal`), false, "the store was closed");
    const stored = answers(stdout).get(2)?.result?.structuredContent as { id: string };
    const recalled = answers(stdout).get(3)?.result?.structuredContent as { memories: { id: string }[] };
    assert.deepEqual(recalled.memories.map((m) => m.id), [stored.id]);
    assert.equal((await memoryGet(db, stored.id)).access_count, 1, "the recall's touch was written");
  });
}

Deno.test(
  "MCP: a client that stops reading ends the session cleanly instead of crashing the server on EPIPE",
  {
    ignore: Deno.build.os === "windows",
  },
  async () => {
    const db = `${await tempDataDir()}/m.db`;
    const child = spawnMcp(db);
    const writer = child.stdin.getWriter();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    await writer.write(initialize);
    await readUntilAnswered(reader, 1);
    // The client closes its end of stdout: the server's next answer meets a closed pipe.
    await reader.cancel();
    await writer.write(initialized);
    await writer.write(call(2, "memory_store", { title: "Unread", content: "Its answer is never read" }));
    const status = await exited(child, "its output was closed");
    await writer.close().catch(() => {});
    const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.signal, null, stderr);
    assert.equal(status.code, 0, stderr);
    assert.ok(stderr.includes('"reason":"output closed"'), stderr);
    assert.ok(!stderr.includes("Uncaught"), stderr);
    assert.equal(fileExists(`${db}-wal`), false, "the store was closed");
    // The write was made before its answer failed.
    const listed = await runCli(["list", "--db", db, "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { memories: Memory[] }).memories.map((m) => m.title), [
      "Unread",
    ]);
  },
);
