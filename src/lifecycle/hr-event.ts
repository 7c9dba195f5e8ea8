import { KeyledgerError } from '../platform/errors.ts';

export const HR_EVENT_TYPES = ['employee.terminated', 'employee.rehired'] as const;
export type HrEventType = (typeof HR_EVENT_TYPES)[number];

/** An HR event, as a source posts it (after its signature verified). */
export interface HrEvent {
  /** The sender's unique id of the event; a second delivery with the same id is a replay. */
  id: string;
  type: HrEventType;
  /** The employee number, matched against users.employee_number of the source's organization. */
  employeeId: string;
  /** When the termination or rehire takes effect, normalized to RFC 3339 UTC with milliseconds. */
  effectiveAt: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const FIELDS = ['id', 'type', 'employeeId', 'effectiveAt'];

function invalid(field: string, message: string): KeyledgerError {
  return new KeyledgerError('lifecycle.event_invalid', message, { field });
}

/**
 * Reads an HR event from the raw body (pure): a JSON object with exactly id
 * (1–200 characters), type, employeeId (1–64 characters) and effectiveAt (an
 * RFC 3339 time with a zone). Throws `lifecycle.event_invalid` (details: field).
 */
export function parseHrEvent(body: Buffer | undefined): HrEvent {
  let value: unknown;
  try {
    value = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw invalid('body', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('body', 'the body must be a JSON object');
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !FIELDS.includes(k));
  if (extra.length > 0) throw invalid(extra[0], `unknown field(s) ${extra.join(', ')}; expected ${FIELDS.join(', ')}`);
  if (typeof o.id !== 'string' || o.id.length < 1 || o.id.length > 200) throw invalid('id', 'id must be a string of 1 to 200 characters');
  if (typeof o.type !== 'string' || !(HR_EVENT_TYPES as readonly string[]).includes(o.type)) throw invalid('type', `type must be one of ${HR_EVENT_TYPES.join(', ')}, got ${JSON.stringify(o.type)}`);
  if (typeof o.employeeId !== 'string' || o.employeeId.length < 1 || o.employeeId.length > 64) throw invalid('employeeId', 'employeeId must be a string of 1 to 64 characters');
  if (typeof o.effectiveAt !== 'string' || !RFC3339.test(o.effectiveAt) || Number.isNaN(Date.parse(o.effectiveAt))) {
    throw invalid('effectiveAt', `effectiveAt must be an RFC 3339 time with a zone, got ${JSON.stringify(o.effectiveAt)}`);
  }
  return { id: o.id, type: o.type as HrEventType, employeeId: o.employeeId, effectiveAt: new Date(o.effectiveAt).toISOString() };
}
