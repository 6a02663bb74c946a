// Files the tests look for (a WAL left behind, an index written).

/** Whether `path` exists. */
export function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
