import { Field } from '../../components/form.tsx';

/**
 * The body members for a public key as the API takes it: `{ jwk }` for text that is a JSON object,
 * `{ pem }` otherwise (a `-----BEGIN PUBLIC KEY-----` block). Throws when JSON-looking text does not parse.
 */
export function publicKeyBody(text: string): { jwk: Record<string, unknown> } | { pem: string } {
  const t = text.trim();
  if (!t.startsWith('{')) return { pem: t };
  let jwk: unknown;
  try {
    jwk = JSON.parse(t);
  } catch {
    throw new Error('The key looks like a JWK but is not valid JSON.');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new Error('A JWK is a JSON object.');
  return { jwk: jwk as Record<string, unknown> };
}

/** A labelled text area for a public key (JWK or PEM), with what Keyledger accepts in the hint. */
export function PublicKeyInput({ label, value, onChange, error }: { label: string; value: string; onChange: (v: string) => void; error?: string | null }) {
  return (
    <Field
      label={label}
      error={error}
      hint={
        <>
          A JWK (JSON) or a PEM <code>BEGIN PUBLIC KEY</code> block: RSA 2048–8192 bits (RS256), EC P-256 or P-384 (ES256/ES384), or Ed25519 (EdDSA). The public half only — never paste a private key; Keyledger refuses one.
        </>
      }
    >
      <textarea value={value} onChange={(e) => onChange(e.target.value)} rows={6} required maxLength={10_000} spellCheck={false} className="mono" />
    </Field>
  );
}
