// The page of the local demo: plain JavaScript, no build step. The browser's
// own JSON helpers (PublicKeyCredential.parseCreationOptionsFromJSON,
// parseRequestOptionsFromJSON and credential.toJSON()) do all the base64url
// work, so the server's options go straight in and the credentials straight out.
"use strict";

// The session lives in this page's memory only (window.demo, so that the
// browser test can read it): a reload signs you out.
const demo = { session: null, grant: null };
window.demo = demo;

const $ = (id) => document.getElementById(id);

function status(text, kind) {
  const el = $("status");
  el.textContent = text;
  el.className = kind || "";
}

class APIError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

async function api(path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  const resp = await fetch(path, { method: "POST", headers, body: JSON.stringify(body || {}) });
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new APIError(data.error || "http_" + resp.status, data.message);
  return data;
}

// register runs a registration ceremony; body names the user and, for a
// password user, carries the grant; token is an ID token for adding a
// passkey to a signed-in account.
async function register(body, token) {
  const begin = await api("/api/passkey/registration/begin", body, token);
  const cred = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.publicKey),
  });
  return api("/api/passkey/registration/finish", { ceremony: begin.ceremony, credential: cred.toJSON() });
}

// login runs a login ceremony: "login" with a username, "discoverable" without.
async function login(kind, body) {
  const begin = await api(`/api/passkey/${kind}/begin`, body);
  const cred = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.publicKey),
  });
  return api(`/api/passkey/${kind}/finish`, { ceremony: begin.ceremony, credential: cred.toJSON() });
}

async function showSignedIn(session, message) {
  demo.session = session;
  const claims = await api("/api/claims", {}, session.idToken);
  $("who").textContent = session.email;
  $("claims").textContent = JSON.stringify(claims, null, 2);
  $("offer").hidden = !demo.grant;
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  document.body.dataset.state = "signed-in";
  status(message, "ok");
  window.scrollTo(0, 0);
}

function showSignedOut(message) {
  demo.session = null;
  demo.grant = null;
  $("claims").textContent = "";
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  document.body.dataset.state = "signed-out";
  status(message, "ok");
  window.scrollTo(0, 0);
}

// run wraps a user action: one at a time, errors shown, and data-busy,
// data-done (a count of finished actions) and data-error for whoever
// watches the page, such as the browser test.
async function run(action) {
  if (document.body.dataset.busy === "true") return;
  document.body.dataset.busy = "true";
  status("Working…");
  try {
    await action();
  } catch (err) {
    const text = err instanceof APIError ? err.message
      : err.name === "NotAllowedError" ? "The passkey prompt was cancelled or timed out."
      : err.name === "InvalidStateError" ? "This device already has a passkey for this account."
      : "Something went wrong: " + err.message;
    status(text, "error");
    document.body.dataset.error = err.code || err.name || "error";
  } finally {
    document.body.dataset.busy = "false";
    document.body.dataset.done = String(Number(document.body.dataset.done || 0) + 1);
  }
}

function onSubmit(formID, action) {
  $(formID).addEventListener("submit", (ev) => {
    ev.preventDefault();
    delete document.body.dataset.error;
    run(action);
  });
}

function onClick(buttonID, action) {
  $(buttonID).addEventListener("click", () => {
    delete document.body.dataset.error;
    run(action);
  });
}

onSubmit("signup-form", async () => {
  const session = await register({ username: $("signup-email").value });
  await showSignedIn(session, "Account created. Your passkey signs you in from now on.");
});

onClick("signin-passkey", async () => {
  await showSignedIn(await login("discoverable", {}), "Signed in with your passkey.");
});

onSubmit("signin-name-form", async () => {
  await showSignedIn(await login("login", { username: $("signin-email").value }), "Signed in with your passkey.");
});

onSubmit("password-form", async () => {
  const res = await api("/api/passkey/password", {
    username: $("pw-email").value,
    password: $("pw-password").value,
  });
  $("pw-password").value = "";
  demo.grant = res.grant;
  await showSignedIn(res.session, "Signed in with your password. Add a passkey to stop using it.");
});

onClick("add-passkey", async () => {
  // A fresh password sign-in carries a grant for the first passkey; an
  // account with passkeys adds more with its session's ID token.
  let session;
  if (demo.grant) {
    try {
      session = await register({ username: demo.session.email, grant: demo.grant });
    } catch (err) {
      if (!(err instanceof APIError && err.code === "session_required")) throw err;
      // The account has passkeys already: a password is not enough there.
      session = await register({}, demo.session.idToken);
    }
  } else {
    session = await register({}, demo.session.idToken);
  }
  demo.grant = null;
  await showSignedIn(session, "Passkey added.");
});

onClick("signout", async () => {
  await api("/api/signout", {}, demo.session.accessToken);
  showSignedOut("Signed out.");
});

if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
  status("This browser lacks the WebAuthn JSON helpers (Chrome/Chromium 129+, Firefox 119+, Safari 18.4+).", "error");
}
