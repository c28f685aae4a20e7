// Reads the Pebble map literal in a notification body template: `{{ {'key': expr, ...} | toJson }}`.
// Only the shape is parsed (top-level keys and their expressions); values are not evaluated.

export interface MapEntry {
  key: string;
  expr: string;
}

/** The entries of the single `{ ... } | toJson` map literal in the template. */
export function parseToJsonMap(template: string): MapEntry[] {
  const start = template.search(/\{\{\s*\{/);
  if (start < 0) throw new Error("no `{{ {...} | toJson }}` in the body");
  const open = template.indexOf("{", template.indexOf("{{", start) + 2);
  const close = matchingBrace(template, open);
  if (!/^\s*\|\s*toJson\s*\}\}/.test(template.slice(close + 1))) {
    throw new Error("the map literal must be piped straight into toJson");
  }
  return splitTopLevel(template.slice(open + 1, close)).map((part) => {
    const m = /^\s*'([A-Za-z]+)'\s*:\s*([\s\S]+?)\s*$/.exec(part);
    if (!m?.[1] || !m[2]) throw new Error(`not a 'key': value entry: ${part}`);
    return { key: m[1], expr: m[2] };
  });
}

/** The value of a plain string literal expression ('...'), or undefined for anything else. */
export function stringLiteral(expr: string): string | undefined {
  const m = /^'([^'\\]*)'$/.exec(expr.trim());
  return m?.[1];
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error("unbalanced map literal");
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      parts.push(body.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(body.slice(from));
  return parts.filter((p) => p.trim() !== "");
}
