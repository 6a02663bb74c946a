// Turns text values (HTTP query strings, CLI flags) into the JSON types an operation's schema
// expects, by reading the schema itself; zod then validates the result as for any surface.
import type { z } from "zod";

type Kind = "string" | "number" | "boolean" | "array" | "object" | "other";

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

/** The JSON kind a schema field accepts, looking through optional, default, nullable and unions. */
export function fieldKind(schema: z.ZodType): Kind {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "readonly":
      return fieldKind(def.innerType!);
    case "pipe":
      return fieldKind(def.in!);
    case "union": {
      // A union of a string and an array (e.g. tags) takes comma lists: treat it as an array.
      const kinds = (def.options ?? []).map(fieldKind);
      if (kinds.includes("array")) return "array";
      return kinds[0] ?? "other";
    }
    case "string":
    case "enum":
    case "literal":
      return "string";
    case "number":
    case "int":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return "array";
    case "object":
    case "record":
      return "object";
    default:
      return "other";
  }
}

const NUMBER_REGEXP = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function coerceOne(kind: Kind, value: string): unknown {
  switch (kind) {
    case "number":
      return NUMBER_REGEXP.test(value) ? Number(value) : value;
    case "boolean":
      if (value === "true" || value === "1" || value === "") return true;
      if (value === "false" || value === "0") return false;
      return value;
    case "array":
      return value.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
    case "object":
      try {
        return JSON.parse(value);
      } catch {
        return value; // zod reports "must be a JSON object" with the field name
      }
    default:
      return value;
  }
}

/**
 * Convert text values to the types of `schema`'s fields; unknown keys pass through unchanged.
 * Repeated values (`?tags=a&tags=b`) become arrays for array fields.
 */
export function coerceTextInput(
  schema: z.ZodObject,
  values: Record<string, string | string[]>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values)) {
    const field = schema.shape[key] as z.ZodType | undefined;
    const kind = field ? fieldKind(field) : "other";
    if (Array.isArray(raw)) {
      out[key] = kind === "array"
        ? raw.flatMap((v) => coerceOne("array", v) as string[])
        : coerceOne(kind, raw.at(-1)!);
    } else {
      out[key] = coerceOne(kind, raw);
    }
  }
  return out;
}
