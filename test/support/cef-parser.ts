/**
 * A small, strict CEF parser for tests, written from the CEF specification
 * rather than from our encoder: seven header fields split on unescaped pipes
 * (`\|` and `\\` unescaped), then extension pairs `key=value` where a key is
 * alphanumeric, a value runs to the space before the next unescaped `key=`,
 * and `\=`, `\\`, `\n`, `\r` are unescaped. A raw line break, an unescaped `=`
 * inside a value, or an unknown escape is an error.
 */

export interface ParsedCef {
  header: { version: string; vendor: string; product: string; productVersion: string; signatureId: string; name: string; severity: string };
  extension: Record<string, string>;
}

export function parseCef(line: string): ParsedCef {
  if (/[\r\n]/.test(line)) throw new Error('a CEF line must not contain a raw line break');
  if (!line.startsWith('CEF:')) throw new Error(`not a CEF line: ${line.slice(0, 20)}`);
  const fields: string[] = [];
  let current = '';
  let i = 4;
  while (fields.length < 7) {
    if (i >= line.length) throw new Error(`CEF header has ${fields.length} fields, expected 7`);
    const c = line[i];
    if (c === '\\') {
      const next = line[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape \\${next} at ${i}`);
      current += next;
      i += 2;
    } else if (c === '|') {
      fields.push(current);
      current = '';
      i++;
    } else {
      current += c;
      i++;
    }
  }
  const [version, vendor, product, productVersion, signatureId, name, severity] = fields;
  return { header: { version, vendor, product, productVersion, signatureId, name, severity }, extension: parseExtension(line.slice(i)) };
}

function parseExtension(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const keyMatch = /^([A-Za-z0-9_]+)=/.exec(text.slice(i));
    if (!keyMatch) throw new Error(`expected an extension key at ${i}: ${text.slice(i, i + 20)}`);
    const key = keyMatch[1];
    i += keyMatch[0].length;
    let value = '';
    for (;;) {
      if (i >= text.length) break;
      const c = text[i];
      // A space followed by the next key ends the value.
      if (c === ' ' && /^ [A-Za-z0-9_]+=/.test(text.slice(i))) {
        i++;
        break;
      }
      if (c === '=') throw new Error(`unescaped = in the value of ${key}`);
      if (c === '\\') {
        const next = text[i + 1];
        const map: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r' };
        if (!(next in map)) throw new Error(`bad extension escape \\${next} in ${key}`);
        value += map[next];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    if (key in out) throw new Error(`duplicate extension key ${key}`);
    out[key] = value;
  }
  return out;
}
