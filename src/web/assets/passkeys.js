// Passkey ceremonies for the hosted pages. Everything else on these pages works
// without JavaScript; WebAuthn cannot. Loaded from this origin only (CSP).
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;

  function show(el) { if (el) el.hidden = false; }

  function fail(box, message) {
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    box.focus && box.focus();
  }

  async function post(url, csrf, body) {
    var res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    });
    var data = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      var err = new Error((data.error && data.error.message) || 'The request failed');
      err.code = data.error && data.error.code;
      throw err;
    }
    return data;
  }

  function explain(err) {
    if (err && err.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
    if (err && err.name === 'InvalidStateError') return 'This device already has a passkey for your account.';
    return (err && err.message) || 'Something went wrong with the passkey.';
  }

  function wire(id, run) {
    var box = document.getElementById(id);
    if (!box || !lib || !lib.browserSupportsWebAuthn()) return;
    show(box);
    var button = box.querySelector('button');
    var error = box.querySelector('[role=alert]');
    button.addEventListener('click', async function () {
      button.disabled = true;
      if (error) error.hidden = true;
      try {
        await run(box);
      } catch (err) {
        if (err && err.code === 'authn.step_up_required') { window.location.assign('/account/reauth?return_to=/account'); return; }
        fail(error, explain(err));
      } finally {
        button.disabled = false;
      }
    });
  }

  // Sign in without typing a username: the browser offers the passkeys it holds for this site.
  wire('passkey-login', async function (box) {
    var csrf = box.dataset.csrf;
    var start = await post('/login/passkey/options', csrf);
    var response = await lib.startAuthentication({ optionsJSON: start.options });
    var done = await post('/login/passkey', csrf, { challengeId: start.challengeId, response: response, org: box.dataset.org || null, returnTo: box.dataset.returnTo || null });
    window.location.assign(done.redirect);
  });

  // The second step of a password sign-in, with a passkey instead of a code.
  wire('passkey-second-factor', async function (box) {
    var csrf = box.dataset.csrf;
    var start = await post('/login/verify/passkey/options', csrf);
    var response = await lib.startAuthentication({ optionsJSON: start.options });
    var done = await post('/login/verify/passkey', csrf, { challengeId: start.challengeId, response: response, returnTo: box.dataset.returnTo || null });
    window.location.assign(done.redirect);
  });

  // Add a passkey to the signed-in account.
  wire('passkey-register', async function (box) {
    var csrf = box.dataset.csrf;
    var nameInput = document.getElementById('passkey_name');
    var start = await post('/account/passkeys/options', csrf);
    var response = await lib.startRegistration({ optionsJSON: start.options });
    var done = await post('/account/passkeys', csrf, { challengeId: start.challengeId, response: response, name: nameInput && nameInput.value ? nameInput.value : null });
    window.location.assign(done.redirect);
  });

  // Confirm it is you with a passkey before a sensitive change.
  wire('passkey-stepup', async function (box) {
    var csrf = box.dataset.csrf;
    var start = await post('/account/reauth/passkey/options', csrf);
    var response = await lib.startAuthentication({ optionsJSON: start.options });
    var done = await post('/account/reauth/passkey', csrf, { challengeId: start.challengeId, response: response, returnTo: box.dataset.returnTo || null });
    window.location.assign(done.redirect);
  });
})();
