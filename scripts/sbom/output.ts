// Where the SBOM scripts write their messages: stdout and stderr by default, a capture in tests.

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
