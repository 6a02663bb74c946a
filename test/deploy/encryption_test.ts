// Encryption at rest as an inspector checks it: keys from a file or the environment only,
// rekey, clear errors for a wrong or missing key, and no plaintext in any file written.
import assert from "node:assert/strict";
import { runCli, startServer, tempDataDir } from "../support/processes.ts";

const MARKER = "PLAINTEXT-MARKER-4e1c9b";

async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) hits.push(...await filesContaining(path, needle));
    else if (new TextDecoder("latin1").decode(await Deno.readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}

Deno.test("rekey encrypts a plaintext database, changes its key and removes it, with clear key errors", async () => {
  const dir = await tempDataDir();
  const data = `${dir}/data`;
  const db = `${data}/memory.db`;
  await Deno.writeTextFile(`${dir}/k1`, "first key\n");
  await Deno.writeTextFile(`${dir}/k2`, "second key");
  const keyEnv = (file: string) => ({ AI_MEMORY_DB_PASSPHRASE_FILE: `${dir}/${file}` });

  const stored = await runCli(["--db", db, "store", "--title", "Secret", "--content", MARKER, "--json"]);
  assert.equal(stored.code, 0, stored.stderr);
  assert.ok((await filesContaining(data, MARKER)).length > 0, "the marker is visible before encryption");

  const missing = await runCli(["--db", db, "rekey"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /new key: give --new-key-file FILE or AI_MEMORY_DB_NEW_PASSPHRASE/);

  const encrypt = await runCli(["--db", db, "rekey", "--new-key-file", `${dir}/k1`, "--json"]);
  assert.equal(encrypt.code, 0, encrypt.stderr);
  assert.deepEqual(JSON.parse(encrypt.stdout), { rekeyed: true, encrypted: true, memories: 1 });
  assert.deepEqual(await filesContaining(data, MARKER), []);

  const noKey = await runCli(["--db", db, "stats"]);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /file is encrypted \(configure its key\)/);
  const wrongKey = await runCli(["--db", db, "stats"], { env: keyEnv("k2") });
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /the key is wrong/);

  // The key may also come from the environment itself; then rekey to the second key.
  const viaEnv = await runCli(["--db", db, "list", "--json"], {
    env: { AI_MEMORY_DB_PASSPHRASE: "first key" },
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(JSON.parse(viaEnv.stdout).memories[0].content, MARKER);
  const rekey = await runCli(["--db", db, "rekey", "--json"], {
    env: { ...keyEnv("k1"), AI_MEMORY_DB_NEW_PASSPHRASE: "second key" },
  });
  assert.equal(rekey.code, 0, rekey.stderr);
  assert.equal((await runCli(["--db", db, "stats"], { env: keyEnv("k1") })).code, 1);
  const withNew = await runCli(["--db", db, "get", JSON.parse(stored.stdout).id, "--json"], {
    env: keyEnv("k2"),
  });
  assert.equal(withNew.code, 0, withNew.stderr);
  assert.equal(JSON.parse(withNew.stdout).memory.content, MARKER);

  // A server writing through the key leaves no plaintext either (WAL and shared-memory files included).
  const server = await startServer(db, [], { env: keyEnv("k2") });
  try {
    const res = await fetch(`${server.url}/api/v1/memories`, {
      method: "POST",
      body: JSON.stringify({ title: "From HTTP", content: `${MARKER} over http` }),
    });
    assert.equal(res.status, 201, await res.text());
    const busy = await runCli(["--db", db, "rekey", "--new-key-file", `${dir}/k1`], { env: keyEnv("k2") });
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /while another process has it open/);
    assert.deepEqual(await filesContaining(data, MARKER), []);
  } finally {
    await server.stop();
  }
  assert.deepEqual(await filesContaining(data, MARKER), []);

  // Exports and backups written beside the database are encrypted with its key too.
  const exported = await runCli(["--db", db, "export", "--path", `${data}/export.jsonl`, "--json"], {
    env: keyEnv("k2"),
  });
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(JSON.parse(exported.stdout).encrypted, true);
  const backup = await runCli(["--db", db, "backup", `${data}/backup.db`], { env: keyEnv("k2") });
  assert.equal(backup.code, 0, backup.stderr);
  assert.deepEqual(await filesContaining(data, MARKER), []);
  // The scan does find the marker where the operator asks for plaintext.
  const plainExport = await runCli(
    ["--db", db, "export", "--path", `${dir}/plain.jsonl`, "--plaintext"],
    { env: keyEnv("k2") },
  );
  assert.equal(plainExport.code, 0, plainExport.stderr);
  assert.deepEqual(await filesContaining(dir, MARKER), [`${dir}/plain.jsonl`]);

  const decrypt = await runCli(["--db", db, "rekey", "--decrypt", "--json"], { env: keyEnv("k2") });
  assert.equal(decrypt.code, 0, decrypt.stderr);
  assert.deepEqual(JSON.parse(decrypt.stdout), { rekeyed: true, encrypted: false, memories: 2 });
  const plain = await runCli(["--db", db, "search", "http", "--json"]);
  assert.equal(JSON.parse(plain.stdout).count, 1);
});
