import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

/**
 * The XML plumbing shared by metadata and response parsing: one strict parser
 * and small namespace-aware lookups. Everything SAML hands us is untrusted, so
 * parsing refuses DTDs outright (no entity expansion, no external fetches)
 * and treats any parser complaint as fatal.
 */

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

/** Why a document was refused, for `details.reason`. */
export type XmlRefusal = 'doctype' | 'malformed' | 'empty';

/** The parse result: a document, or why there is none. */
export type ParsedXml = { ok: true; doc: Document; root: Element } | { ok: false; reason: XmlRefusal };

// A DOCTYPE is where entity declarations (billion laughs, XXE) live; SAML never needs one.
const DOCTYPE_OR_ENTITY = /<!(?:DOCTYPE|ENTITY)/i;

/** Parses untrusted XML, refusing any DOCTYPE/ENTITY declaration and any error or warning from the parser. */
export function parseXml(text: string): ParsedXml {
  if (text.trim() === '') return { ok: false, reason: 'empty' };
  if (DOCTYPE_OR_ENTITY.test(text)) return { ok: false, reason: 'doctype' };
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(text, 'text/xml');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (doc.doctype) return { ok: false, reason: 'doctype' };
  const root = doc.documentElement;
  if (!root) return { ok: false, reason: 'malformed' };
  return { ok: true, doc, root };
}

/** Whether a node is the element `ns:localName`. */
export function isElement(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return !!node && node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === localName;
}

/** The element children of `parent` (all of them, or those named `ns:localName`). */
export function childElements(parent: Element, ns?: string, localName?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    if (ns === undefined || isElement(n, ns, localName!)) out.push(n as Element);
  }
  return out;
}

/** The one child `ns:localName` of `parent`, or null when there is none. */
export function childElement(parent: Element, ns: string, localName: string): Element | null {
  return childElements(parent, ns, localName)[0] ?? null;
}

/** Every element named `ns:localName` at any depth below (and including) `root`, in document order. */
export function descendants(root: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  const walk = (el: Element) => {
    if (isElement(el, ns, localName)) out.push(el);
    for (const child of childElements(el)) walk(child);
  };
  walk(root);
  return out;
}

/** Every element at any depth below (and including) `root`. */
export function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (el: Element) => {
    out.push(el);
    for (const child of childElements(el)) walk(child);
  };
  walk(root);
  return out;
}

/**
 * The full character content of an element: every text and CDATA node below
 * it, concatenated, with comments and processing instructions skipped. So
 * `a@victim.com<!---->.evil.com` reads as the whole `a@victim.com.evil.com`,
 * never as the text before the comment.
 */
export function textOf(el: Element): string {
  let out = '';
  const walk = (node: Node) => {
    for (let n = node.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3 || n.nodeType === 4) out += n.nodeValue ?? '';
      else if (n.nodeType === 1) walk(n);
    }
  };
  walk(el);
  return out.trim();
}

/** An attribute's value, or null when absent (xmldom returns '' for both). */
export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}
