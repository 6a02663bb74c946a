// Where the SBOM scripts write their messages: stdout and stderr by default, a capture in tests.
import { parseArgs } from "node:util";

/** A sink for a script's normal output and its diagnostics. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

/** The process's stdout and stderr. */
export const STD_OUTPUT: Output = {
  out: (text) => writeAll(Deno.stdout, text),
  err: (text) => writeAll(Deno.stderr, text),
};

/**
 * Parse a script's string options (plus -h/--help) strictly; on bad usage print the error and
 * `usage`, on help print `usage`. Returns the values, or the exit code when the script should stop.
 */
export function parseScriptArgs<K extends string>(
  args: string[],
  options: { defaults: Record<K, string>; usage: string; output: Output },
): Record<K, string> | number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...Object.fromEntries(
          Object.entries(options.defaults).map((
            [name, value],
          ) => [name, { type: "string" as const, default: value }]),
        ),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    options.output.err(`${error instanceof Error ? error.message : String(error)}\n${options.usage}`);
    return 2;
  }
  if (values.help) {
    options.output.out(options.usage);
    return 0;
  }
  return values as Record<K, string>;
}
