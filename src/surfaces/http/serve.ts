// Running the HTTP surface: listen on the configured address until SIGINT/SIGTERM, with clear
// errors for an address the permission set does not allow or another process holds.
import { MemoryError } from "../../core/errors.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { createApp } from "./app.ts";

/** Serve the catalog over HTTP; resolves after a signal has stopped the server. */
export async function serveHttp(deps: Deps, options: { catalog: readonly Operation[] }): Promise<void> {
  const app = createApp(deps, options);
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const address = `${deps.config.host}:${deps.config.port}`;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: deps.config.host,
      port: deps.config.port,
      signal: controller.signal,
      onListen: ({ hostname, port }) =>
        deps.log.info("listening", { url: `http://${hostname}:${port}`, port }),
    }, app.fetch);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new MemoryError(
        "unavailable",
        `Cannot listen on ${address}: the serve permission set allows only loopback addresses`,
      );
    }
    if (err instanceof Deno.errors.AddrInUse) {
      throw new MemoryError("unavailable", `Cannot listen on ${address}: the address is already in use`);
    }
    throw err;
  }
  await server.finished;
  deps.log.info("stopped");
}
