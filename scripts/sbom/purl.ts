// Package URLs (purl) for SBOM components: npm packages, and generic ones for things with no
// registry (operator-supplied models), percent-encoded as the purl specification requires.

/** Percent-encode one purl segment: everything but ASCII letters, digits and `.-_~`. */
export function purlEncode(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The purl of an npm package, e.g. `pkg:npm/%40types/node@20.19.25`: the scope is the namespace,
 * with its `@` percent-encoded.
 */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  const path = slash > 0
    ? `${purlEncode(name.slice(0, slash))}/${purlEncode(name.slice(slash + 1))}`
    : purlEncode(name);
  return `pkg:npm/${path}@${purlEncode(version)}`;
}

/** A `pkg:generic` purl, for a component that no package registry knows. */
export function genericPurl(name: string, version: string): string {
  return `pkg:generic/${purlEncode(name)}@${purlEncode(version)}`;
}
