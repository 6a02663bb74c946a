// Alias keys: aliases are matched without regard to case, accents or spacing, so "José  Núñez"
// and "jose nunez" name the same entity.

/** The lookup key of an alias. */
export function aliasKey(alias: string): string {
  return alias.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}
