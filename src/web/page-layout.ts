import { html, type Html } from './html.ts';

/** A field's problem, shown next to it and in the summary at the top of the form. */
export interface FieldError {
  field: string;
  message: string;
}

export interface LayoutOptions {
  /** Shown in the header with a sign-out button when someone is signed in. */
  signedInAs?: string | null;
  csrfToken?: string;
  /** Scripts from /assets (CSP allows 'self' only; nothing inline). */
  scripts?: string[];
  /** Moves on to this same-origin path at once (meta refresh), for pages that only hand over. */
  refreshTo?: string;
}

/** The page shell: language, viewport, one stylesheet, a skip link, one <main>. */
export function layout(title: string, body: Html, options: LayoutOptions = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${options.refreshTo ? html`<meta http-equiv="refresh" content="0;url=${options.refreshTo}">
` : ''}<title>${title} · Keyledger</title>
<link rel="stylesheet" href="/assets/keyledger.css">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<span class="brand">Keyledger</span>
${options.signedInAs && options.csrfToken
  ? html`<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${options.csrfToken}"><span>${options.signedInAs}</span> <button type="submit" class="link">Sign out</button></form>`
  : ''}
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}

/** The list of problems at the top of a form, each linking to its field; announced by screen readers. */
export function errorSummary(errors: FieldError[]): Html {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">There is a problem</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul>
</div>`;
}

export interface FieldOptions {
  type?: 'text' | 'email' | 'password' | 'hidden';
  autocomplete?: string;
  value?: string;
  required?: boolean;
  hint?: string;
  inputmode?: 'numeric' | 'text';
  pattern?: string;
  maxlength?: number;
  /** Shown and submitted but not editable (the invited address on the sign-up form). */
  readonly?: boolean;
}

/**
 * A labelled input. Its error (if any) is tied to it with aria-describedby and
 * aria-invalid, and the first invalid field takes the focus.
 */
export function field(name: string, label: string, errors: FieldError[], options: FieldOptions = {}): Html {
  const error = errors.find((e) => e.field === name);
  const firstInvalid = errors[0]?.field === name;
  const described = [options.hint ? `${name}-hint` : null, error ? `${name}-error` : null].filter(Boolean).join(' ');
  return html`<div class="field${error ? ' invalid' : ''}">
<label for="${name}">${label}</label>
${options.hint ? html`<p class="hint" id="${name}-hint">${options.hint}</p>` : ''}
${error ? html`<p class="error" id="${name}-error"><span class="visually-hidden">Error:</span> ${error.message}</p>` : ''}
<input id="${name}" name="${name}" type="${options.type ?? 'text'}"${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.value !== undefined && options.type !== 'password' ? html` value="${options.value}"` : ''}${options.required ? html` required` : ''}${options.readonly ? html` readonly` : ''}${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${options.pattern ? html` pattern="${options.pattern}"` : ''}${options.maxlength ? html` maxlength="${options.maxlength}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}${firstInvalid ? html` autofocus` : ''}>
</div>`;
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A status message (success or information), announced politely. */
export function notice(message: string | null | undefined): Html {
  return message ? html`<p class="notice" role="status">${message}</p>` : html``;
}
