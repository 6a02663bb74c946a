// Where benchmark reports land: bench/results/<name>-<start time>.json, plus a copy under a fixed
// "latest" name that README and RESULTS.md point at.

/** Write `report` (which must carry its ISO `startedAt`); returns both paths and the JSON text. */
export async function writeResultFiles(
  report: { startedAt: string },
  options: { name: string; latest?: string; dir?: string },
): Promise<{ path: string; latest: string; text: string }> {
  const dir = options.dir ?? "bench/results";
  await Deno.mkdir(dir, { recursive: true });
  const stamp = report.startedAt.slice(0, 19).replaceAll(":", "-") + "Z";
  const path = `${dir}/${options.name}-${stamp}.json`;
  const latest = `${dir}/${options.latest ?? `${options.name}-latest.json`}`;
  const text = JSON.stringify(report, null, 2) + "\n";
  await Deno.writeTextFile(path, text);
  await Deno.writeTextFile(latest, text);
  return { path, latest, text };
}
