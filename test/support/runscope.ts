/**
 * A small replay of Runscope test exports (the format Okta publishes its SCIM
 * integration tests in): each request step is sent with `{{variables}}`
 * substituted, its assertions checked, and its variables extracted for the
 * steps after it. Only what those exports use is supported; anything else
 * fails the step, so a test can never pass by skipping an assertion.
 */

export interface RunscopeStep {
  step_type: string;
  note?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string[] | string>;
  body?: string;
  assertions?: { source: string; comparison: string; property?: string; value?: string | number | null }[];
  variables?: { source: string; name: string | null; property?: string }[];
}

export interface StepResult {
  note: string;
  method: string;
  url: string;
  status: number;
  failures: string[];
}

const substitute = (text: string, vars: Record<string, string>): string =>
  text.replace(/\{\{(\w+)\}\}/g, (m, name: string) => {
    if (!(name in vars)) throw new Error(`no value for the variable {{${name}}}`);
    return vars[name];
  });

/** `Resources[0].name.familyName` in a parsed JSON body. */
function property(json: unknown, path: string): unknown {
  let cur: unknown = json;
  for (const part of path.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    cur = (cur as Record<string, unknown> | undefined)?.[m[1]];
    for (const idx of m[2].match(/\d+/g) ?? []) cur = (cur as unknown[] | undefined)?.[Number(idx)];
  }
  return cur;
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function check(a: NonNullable<RunscopeStep['assertions']>[number], status: number, json: unknown, elapsedMs: number, vars: Record<string, string>): string | null {
  const expected = a.value === null || a.value === undefined ? a.value : substitute(String(a.value), vars);
  const actual = a.source === 'response_status' ? status : a.source === 'response_time' ? elapsedMs : a.source === 'response_json' ? property(json, a.property ?? '') : undefined;
  const label = `${a.source}${a.property ? ` ${a.property}` : ''} ${a.comparison} ${expected ?? ''}`.trim();
  const fail = (why: string) => `${label}: ${why} (got ${asText(actual)})`;
  switch (a.comparison) {
    case 'equal_number':
      return Number(actual) === Number(expected) ? null : fail('not equal');
    case 'equal':
      return asText(actual) === expected ? null : fail('not equal');
    case 'not_empty':
      return actual !== undefined && actual !== null && actual !== '' && !(Array.isArray(actual) && actual.length === 0) ? null : fail('empty');
    case 'is_a_number':
      return typeof actual === 'number' ? null : fail('not a number');
    case 'has_value':
    case 'contains':
      return (Array.isArray(actual) ? actual.map(asText).includes(expected as string) : asText(actual).includes(expected as string)) ? null : fail('missing');
    case 'is_less_than':
      return Number(actual) < Number(expected) ? null : fail('not less');
    default:
      return `${label}: unsupported comparison`;
  }
}

/** Replays `steps` against the server, returning each request step's outcome; `vars` gains the extracted variables. */
export async function replayRunscope(steps: RunscopeStep[], vars: Record<string, string>): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    if (step.step_type === 'pause') continue;
    if (step.step_type !== 'request') throw new Error(`unsupported step type ${step.step_type}`);
    const url = substitute(step.url!, vars).replace(/ /g, '%20');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.headers ?? {})) headers[k] = substitute(Array.isArray(v) ? v.join(', ') : v, vars);
    const started = performance.now();
    const res = await fetch(url, { method: step.method, headers, body: step.body ? substitute(step.body, vars) : undefined });
    const text = await res.text();
    const elapsed = performance.now() - started;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const failures = (step.assertions ?? []).map((a) => check(a, res.status, json, elapsed, vars)).filter((f): f is string => f !== null);
    for (const v of step.variables ?? []) {
      if (!v.name) continue;
      if (v.source !== 'response_json') throw new Error(`unsupported variable source ${v.source}`);
      vars[v.name] = asText(property(json, v.property ?? ''));
    }
    results.push({ note: step.note ?? '', method: step.method!, url, status: res.status, failures });
  }
  return results;
}
