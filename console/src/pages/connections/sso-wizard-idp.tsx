import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { Field } from '../../components/form.tsx';
import { ErrorNote } from '../../components/states.tsx';
import type { SsoConnection } from './shared.tsx';

type SamlSource = 'metadata' | 'manual';

/**
 * Step 2 of the wizard: the identity provider's settings. SAML takes the IdP
 * metadata (a file read in the browser, or pasted) or the entity ID, SSO URL
 * and certificate by hand; OIDC the issuer, client id and write-only secret.
 * The API checks them all before anything is saved.
 */
export function IdpSettingsForm({ orgApi, type, onCreated }: { orgApi: string; type: 'saml' | 'oidc'; onCreated: (c: SsoConnection) => void }) {
  const [name, setName] = useState(type === 'saml' ? 'SAML' : 'OIDC');
  const [source, setSource] = useState<SamlSource>('metadata');
  const [metadataXml, setMetadataXml] = useState('');
  const [fileNote, setFileNote] = useState<string | null>(null);
  const [entityId, setEntityId] = useState('');
  const [ssoUrl, setSsoUrl] = useState('');
  const [certificate, setCertificate] = useState('');
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const { busy, error, run } = useAction();

  async function readFile(file: File | undefined) {
    if (!file) return;
    if (file.size > 200_000) {
      setFileNote(`${file.name} is larger than 200 kB; metadata documents are much smaller.`);
      return;
    }
    setMetadataXml(await file.text());
    setFileNote(`Read ${file.name} (${file.size} bytes).`);
  }

  function body(): Record<string, unknown> {
    const common = { type, name: name.trim() };
    if (type === 'oidc') return { ...common, issuer: issuer.trim(), clientId: clientId.trim(), clientSecret };
    if (source === 'metadata') return { ...common, metadataXml };
    return { ...common, idp: { entityId: entityId.trim(), ssoUrl: ssoUrl.trim(), certificates: [certificate.trim()] } };
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const created = await apiSend<SsoConnection>('POST', `${orgApi}/sso-connections`, body());
      setClientSecret('');
      onCreated(created);
    });
  }

  return (
    <form onSubmit={(e) => void submit(e)}>
      <Field label="Connection name" hint="How administrators will recognise it, e.g. Okta">
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </Field>
      {type === 'saml' ? (
        <>
          <fieldset className="choice">
            <legend>Identity provider settings</legend>
            <label>
              <input type="radio" name="saml-source" checked={source === 'metadata'} onChange={() => setSource('metadata')} />
              Upload or paste the IdP’s metadata document
            </label>
            <label>
              <input type="radio" name="saml-source" checked={source === 'manual'} onChange={() => setSource('manual')} />
              Enter entity ID, SSO URL and certificate
            </label>
          </fieldset>
          {source === 'metadata' ? (
            <>
              <Field label="Metadata file" hint={fileNote ?? 'Okta: “Identity Provider metadata”; Entra ID: “Federation Metadata XML”. Read in your browser.'}>
                <input type="file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml" onChange={(e) => void readFile(e.target.files?.[0])} />
              </Field>
              <Field label="Metadata XML" hint="Filled from the file, or paste the document here.">
                <textarea value={metadataXml} onChange={(e) => setMetadataXml(e.target.value)} rows={6} required maxLength={200_000} spellCheck={false} />
              </Field>
            </>
          ) : (
            <>
              <Field label="IdP entity ID" hint="The issuer of the IdP’s assertions">
                <input value={entityId} onChange={(e) => setEntityId(e.target.value)} required maxLength={1024} />
              </Field>
              <Field label="IdP SSO URL" hint="Where sign-in requests go (https)">
                <input type="url" value={ssoUrl} onChange={(e) => setSsoUrl(e.target.value)} required maxLength={2048} />
              </Field>
              <Field label="IdP signing certificate" hint="PEM (-----BEGIN CERTIFICATE-----) or base64 DER">
                <textarea value={certificate} onChange={(e) => setCertificate(e.target.value)} rows={5} required spellCheck={false} />
              </Field>
            </>
          )}
        </>
      ) : (
        <>
          <Field label="Issuer or discovery URL" hint="e.g. https://acme.okta.com — checked by discovery before anything is saved">
            <input type="url" value={issuer} onChange={(e) => setIssuer(e.target.value.replace(/\/\.well-known\/openid-configuration$/, ''))} required maxLength={2048} />
          </Field>
          <Field label="Client ID">
            <input value={clientId} onChange={(e) => setClientId(e.target.value)} required maxLength={512} autoComplete="off" />
          </Field>
          <Field label="Client secret" hint="Write-only: stored encrypted, never shown again.">
            <input type="password" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} required maxLength={2048} autoComplete="new-password" />
          </Field>
        </>
      )}
      <ErrorNote error={error} title="The connection was not created" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Create connection
        </button>
      </div>
    </form>
  );
}
