// Placeholder until the SAML protocol core lands.
import { KeyledgerError } from '../../platform/errors.ts';
export interface CertificateInfo { pem: string; fingerprint: string; subject: string; notBefore: string; notAfter: string }
export function readCertificate(_input: string, _now: Date): CertificateInfo { throw new KeyledgerError('internal', 'certificates are not available'); }
export async function generateSpKeyPair(_cn: string, _now: Date): Promise<{ privateKeyPem: string; certificatePem: string; notAfter: string }> { throw new KeyledgerError('internal', 'key generation is not available'); }
