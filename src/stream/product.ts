import { readFileSync } from 'node:fs';

/** Keyledger's version as package.json gives it: what SIEM records name as the product version. */
export const PRODUCT_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const PRODUCT_NAME = 'Keyledger';
export const VENDOR_NAME = 'Keyledger';
