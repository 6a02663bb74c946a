// Memory ids: UUID v4, as the reference uses, from one generator that tests can replace.

/** Produces new unique ids. */
export interface IdSource {
  next(): string;
}

/** Random UUID v4 ids from the platform CSPRNG. */
export const randomIds: IdSource = { next: () => crypto.randomUUID() };

/** Deterministic ids for tests: a fixed prefix and a counter, still UUID-shaped. */
export function sequentialIds(prefix = "00000000"): IdSource {
  let n = 0;
  return {
    next: () => {
      n += 1;
      return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
    },
  };
}
