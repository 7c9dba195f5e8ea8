// Passkey ceremonies for the hosted pages (filled in with the passkey routes).
