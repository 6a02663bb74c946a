// What the benchmark records about the machine: the runtime (machineInfo) and the load average when
// the permission set allows it. (The CPU model is not readable: Deno grants /proc reads only with -A.)

/** What can be learned about the machine with the bench permission set (no `sys`: no os release). */
export function machineInfo(): Record<string, unknown> {
  const info: Record<string, unknown> = {
    build: { ...Deno.build },
    hardwareConcurrency: navigator.hardwareConcurrency,
    deno: { ...Deno.version },
    userAgent: navigator.userAgent,
  };
  if (Deno.permissions.querySync({ name: "sys", kind: "osRelease" }).state === "granted") {
    info.osRelease = Deno.osRelease();
  }
  return info;
}

/** machineInfo() plus `loadavg` when readable. */
export function machineDetails(): Record<string, unknown> {
  const info = machineInfo();
  const load = loadAverage();
  if (load) info.loadavg = load;
  return info;
}

/** The 1, 5 and 15 minute load averages, when the `sys` permission allows it. */
export function loadAverage(): number[] | undefined {
  if (Deno.permissions.querySync({ name: "sys", kind: "loadavg" }).state !== "granted") return undefined;
  return Deno.loadavg();
}
