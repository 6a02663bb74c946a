// Run under a product permission set: tries connections the operator did not allow and prints
// what happened to each, so a test can show the sandbox refuses them.
const targets = Deno.args;
const results: Record<string, string> = {};
for (const url of targets) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    results[url] = `connected ${res.status}`;
  } catch (err) {
    results[url] = (err as Error).name;
  }
}
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(results) + "\n"));
