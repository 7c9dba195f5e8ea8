// Posts the SAML request form to the identity provider as soon as the page loads (the button stays for browsers without scripts).
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('sso-post');
  if (form) form.submit();
});
