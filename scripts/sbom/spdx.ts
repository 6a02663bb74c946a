// SPDX licence expressions: parsing ("(MIT OR Apache-2.0)", "A AND B", "X WITH Y"), the set of SPDX
// ids this project writes as CycloneDX `license.id`, and deciding whether an expression is allowed.

/** A parsed SPDX licence expression. */
export type SpdxExpression =
  | { kind: "licence"; id: string; exception?: string }
  | { kind: "and" | "or"; left: SpdxExpression; right: SpdxExpression };

/**
 * SPDX licence ids written as CycloneDX `license.id` (the CycloneDX schema restricts `id` to the SPDX
 * list). Any other syntactically valid id is written as an `expression`, never as an invented `id`.
 */
export const KNOWN_SPDX_IDS: ReadonlySet<string> = new Set([
  "0BSD",
  "AFL-2.1",
  "AFL-3.0",
  "AGPL-3.0-only",
  "AGPL-3.0-or-later",
  "Apache-1.1",
  "Apache-2.0",
  "Artistic-2.0",
  "blessing",
  "BlueOak-1.0.0",
  "BSD-1-Clause",
  "BSD-2-Clause",
  "BSD-2-Clause-Patent",
  "BSD-3-Clause",
  "BSD-3-Clause-Clear",
  "BSL-1.0",
  "CC-BY-3.0",
  "CC-BY-4.0",
  "CC-BY-SA-4.0",
  "CC0-1.0",
  "CDDL-1.0",
  "CDDL-1.1",
  "EPL-1.0",
  "EPL-2.0",
  "GPL-2.0-only",
  "GPL-2.0-or-later",
  "GPL-3.0-only",
  "GPL-3.0-or-later",
  "ISC",
  "LGPL-2.1-only",
  "LGPL-2.1-or-later",
  "LGPL-3.0-only",
  "LGPL-3.0-or-later",
  "MIT",
  "MIT-0",
  "MPL-1.1",
  "MPL-2.0",
  "OFL-1.1",
  "PSF-2.0",
  "Python-2.0",
  "Unlicense",
  "UPL-1.0",
  "WTFPL",
  "Zlib",
]);

const ID_REGEXP = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9][A-Za-z0-9.-]*\+?$/;
const TOKEN_REGEXP = /\(|\)|[^\s()]+/g;

function tokenize(text: string): string[] {
  return text.match(TOKEN_REGEXP) ?? [];
}

function isOperator(token: string | undefined, operator: "AND" | "OR" | "WITH"): boolean {
  return token === operator || token === operator.toLowerCase();
}

/**
 * Parse an SPDX licence expression. Operators are `AND`, `OR` and `WITH` (upper or lower case);
 * `AND` binds tighter than `OR`; parentheses group.
 * @throws {SyntaxError} when `text` is not an SPDX expression (e.g. "SEE LICENSE IN LICENSE.md")
 */
export function parseSpdxExpression(text: string): SpdxExpression {
  const tokens = tokenize(text);
  let position = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`Cannot parse SPDX expression "${text}": ${why}`);
  };
  const parseOr = (): SpdxExpression => {
    let left = parseAnd();
    while (isOperator(tokens[position], "OR")) {
      position++;
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): SpdxExpression => {
    let left = parseTerm();
    while (isOperator(tokens[position], "AND")) {
      position++;
      left = { kind: "and", left, right: parseTerm() };
    }
    return left;
  };
  const parseTerm = (): SpdxExpression => {
    const token = tokens[position++];
    if (token === undefined) return fail("unexpected end");
    if (token === "(") {
      const inner = parseOr();
      if (tokens[position++] !== ")") fail('missing ")"');
      return inner;
    }
    if (!ID_REGEXP.test(token) || ["AND", "OR", "WITH"].includes(token.toUpperCase())) {
      return fail(`"${token}" is not a licence id`);
    }
    if (isOperator(tokens[position], "WITH")) {
      const exception = tokens[position + 1];
      if (exception === undefined || !ID_REGEXP.test(exception)) fail("WITH needs an exception id");
      position += 2;
      return { kind: "licence", id: token, exception: exception as string };
    }
    return { kind: "licence", id: token };
  };
  if (tokens.length === 0) fail("empty");
  const expression = parseOr();
  if (position !== tokens.length) fail(`unexpected "${tokens[position]}"`);
  return expression;
}

/** The text of one licence term, e.g. "MIT" or "GPL-2.0-only WITH Classpath-exception-2.0". */
export function licenceTermText(term: { id: string; exception?: string }): string {
  return term.exception === undefined ? term.id : `${term.id} WITH ${term.exception}`;
}

/**
 * The licence terms that stop `expression` from being allowed: empty when it is allowed. `OR` is
 * allowed when either side is, `AND` only when both are; a `WITH` term must be allowed as a whole
 * ("X WITH Y"). Ids compare case-insensitively, as SPDX specifies.
 * @param allowed lower-cased allowed terms
 */
export function disallowedTerms(expression: SpdxExpression, allowed: ReadonlySet<string>): string[] {
  switch (expression.kind) {
    case "licence": {
      const text = licenceTermText(expression);
      return allowed.has(text.toLowerCase()) ? [] : [text];
    }
    case "or": {
      const left = disallowedTerms(expression.left, allowed);
      if (left.length === 0) return [];
      const right = disallowedTerms(expression.right, allowed);
      return right.length === 0 ? [] : [...left, ...right];
    }
    case "and":
      return [...disallowedTerms(expression.left, allowed), ...disallowedTerms(expression.right, allowed)];
  }
}
