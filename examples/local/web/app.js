// The page of the local demo: plain JavaScript, no build step. The browser's
// own JSON helpers (PublicKeyCredential.parseCreationOptionsFromJSON,
// parseRequestOptionsFromJSON and credential.toJSON()) do all the base64url
// work, so the server's options go straight in and the credentials straight out.
"use strict";

const API = "/api/passkey";

// The session lives in this page's memory only (window.demo, so that the
// browser test can read it): a reload signs you out. grant is the
// single-use permission to register a passkey that a proof, a passkey
// sign-in or a password sign-in (without passkeys) hands out; proof names
// the mail in flight. conditional says what passkey autofill is doing:
// "off", "starting", "pending" (waiting for the user to pick a passkey in
// the email field's suggestions), "aborted", "used" or "unavailable".
const demo = { session: null, grant: null, grantExpires: 0, proof: null, email: "", conditional: "off", errors: [] };
window.demo = demo;

const $ = (id) => document.getElementById(id);

function status(text, kind) {
  const el = $("status");
  el.textContent = text;
  el.className = kind || "";
}

class APIError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

// api posts body to one of the relying party's routes.
function api(path, body, token) {
  return post(API + path, body, token);
}

async function post(url, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  let resp;
  try {
    resp = await fetch(url, { method: "POST", headers, body: JSON.stringify(body || {}) });
  } catch (err) {
    throw new APIError("network", "The server could not be reached. Is the demo still running?", 0);
  }
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    throw new APIError(data.error || "http_" + resp.status,
      data.message || `The server answered ${resp.status} without saying why.`, resp.status);
  }
  return data;
}

// What to tell the user about a failure, for every error the page can
// meet: the server's own message for its errors (each code has one), and
// the WebAuthn DOMExceptions said in words.
function describe(err) {
  if (err instanceof APIError) return err.message;
  switch (err.name) {
    case "NotAllowedError":
      return "The passkey prompt was cancelled or timed out, or this device has no passkey for this site.";
    case "InvalidStateError":
      return "This device already has a passkey for this account.";
    case "AbortError":
      return "The passkey request was cancelled.";
    case "SecurityError":
      return "Passkeys are bound to localhost: open the page as http://localhost:<port>, not by IP address.";
    case "NotSupportedError":
      return "This device cannot make a passkey of the kind asked for. Sign in with an emailed code instead.";
    case "ConstraintError":
      return "This device cannot verify you (no screen lock or biometrics), so it cannot hold a passkey.";
    default:
      return "Something went wrong: " + err.message;
  }
}

// --- passkey autofill (conditional mediation) -------------------------------

let autofill = null; // the AbortController of the pending conditional request

// startAutofill asks the browser for a passkey with mediation
// "conditional": nothing shows until the user focuses the email field,
// whose suggestions then list this site's passkeys. Picking one signs in.
async function startAutofill() {
  stopAutofill();
  // The controller exists before the first await, so that a path the
  // user takes meanwhile (run calls stopAutofill) stops this one too.
  const ac = new AbortController();
  autofill = ac;
  demo.conditional = "starting";
  let begin, cred;
  try {
    if (!window.PublicKeyCredential || !PublicKeyCredential.isConditionalMediationAvailable ||
        !(await PublicKeyCredential.isConditionalMediationAvailable())) {
      if (autofill === ac) autofill = null;
      demo.conditional = "unavailable";
      return;
    }
    if (ac.signal.aborted) throw ac.signal.reason;
    begin = await api("/discoverable/begin", {});
    if (ac.signal.aborted) throw ac.signal.reason;
    demo.conditional = "pending";
    cred = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.publicKey),
      mediation: "conditional",
      signal: ac.signal,
    });
  } catch (err) {
    if (ac.signal.aborted || err.name === "AbortError") {
      demo.conditional = "aborted"; // the user took another path: not an error
      return;
    }
    if (autofill === ac) autofill = null;
    // Autofill is an offer, not an action of the user's: when it ends
    // (no passkey here, an outage at begin) the other paths remain, and
    // the page says nothing. The reason is kept for whoever debugs it.
    demo.conditional = "ended:" + (err instanceof APIError ? err.code : err.name);
    return;
  }
  if (autofill === ac) autofill = null;
  demo.conditional = "used";
  run(async () => {
    const res = await api("/discoverable/finish", { ceremony: begin.ceremony, credential: cred.toJSON() });
    await signedIn(res, "Signed in with your passkey.");
  }, { keepAutofill: true });
}

// stopAutofill ends a pending conditional request, so that another
// WebAuthn call (or none) can run: the browser allows one at a time.
function stopAutofill() {
  if (autofill) {
    autofill.abort(new DOMException("The user took another path.", "AbortError"));
    autofill = null;
  }
}

// --- ceremonies -------------------------------------------------------------

// login runs a modal login ceremony: "login" with a username, "discoverable" without.
async function login(kind, body) {
  const begin = await api(`/${kind}/begin`, body);
  const cred = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.publicKey),
  });
  return api(`/${kind}/finish`, { ceremony: begin.ceremony, credential: cred.toJSON() });
}

function grantValid() {
  return demo.grant && Date.now() / 1000 < demo.grantExpires - 5;
}

// register adds a passkey with the grant the page holds; without one it
// first steps up with a passkey of this account (a fresh sign-in gives a
// grant). An account with no passkey and no grant proves its address again.
async function register() {
  if (!grantValid()) {
    let res;
    try {
      res = await login("login", { username: demo.session.email });
    } catch (err) {
      if (err instanceof APIError && err.code === "no_passkeys") {
        await startProof(demo.session.email,
          "To add a passkey, confirm it is you: we sent a code to " + demo.session.email + ".");
        return;
      }
      throw err;
    }
    keepGrant(res);
  }
  const grant = demo.grant;
  demo.grant = null; // single-use, whatever happens next
  const begin = await api("/registration/begin", { grant });
  const cred = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.publicKey),
  });
  const res = await api("/registration/finish", { ceremony: begin.ceremony, credential: cred.toJSON() });
  await signedIn(res, "Passkey added. It signs you in from now on.");
}

function keepGrant(res) {
  demo.grant = res.grant || null;
  demo.grantExpires = res.grantExpires || 0;
}

// --- email proof ------------------------------------------------------------

async function startProof(email, message) {
  const res = await api("/email/start", { email });
  demo.proof = res.proof;
  demo.email = email;
  $("code-to").textContent = email;
  $("code").value = "";
  show("code-step");
  status(message || "We sent a code to " + email + ". It also creates your account if you have none.", "ok");
  $("code").focus();
}

async function verify(body) {
  const res = await api("/email/verify", body);
  demo.proof = null;
  const message = res.recovery
    ? "Account recovered: your address is confirmed. Add a new passkey now; the old ones still work if you find them."
    : "Address confirmed: you are signed in. Add a passkey to sign in without a code next time.";
  await signedIn(res, message);
}

// --- signed in / out --------------------------------------------------------

function show(section) {
  for (const id of ["signed-out", "code-step", "signed-in"]) $(id).hidden = id !== section;
  document.body.dataset.state = section;
}

async function signedIn(res, message) {
  if (res.grant) {
    keepGrant(res);
  } else if (!demo.session || demo.session.email !== res.session.email) {
    keepGrant({}); // someone else's grant must not carry over
  }
  demo.session = res.session;
  const claims = await post("/api/claims", {}, res.session.idToken);
  $("who").textContent = res.session.email;
  $("claims").textContent = JSON.stringify(claims, null, 2);
  offer(res);
  show("signed-in");
  status(message, "ok");
  await listPasskeys();
  window.scrollTo(0, 0);
}

function offer(res) {
  const el = $("offer");
  el.hidden = !demo.grant;
  el.textContent = res.recovery
    ? "You recovered your account with your email address. Add a passkey for this device."
    : "You may add a passkey now, without signing in again.";
}

function signedOut(message) {
  demo.session = null;
  demo.grant = null;
  demo.grantExpires = 0;
  $("claims").textContent = "";
  $("passkeys").replaceChildren();
  show("signed-out");
  status(message, "ok");
  window.scrollTo(0, 0);
  startAutofill();
}

async function signOut() {
  try {
    // 204 also when the session was revoked already (signed out elsewhere).
    await api("/signout", {}, demo.session.accessToken);
    signedOut("Signed out. Your refresh token is revoked.");
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    if (err.code === "not_authorized") {
      signedOut("Signed out. Your session had ended already.");
    } else if (err.code === "network" || err.code === "unavailable") {
      signedOut("Signed out on this page, but the server could not revoke your session: " + err.message);
    } else {
      throw err;
    }
  }
}

// --- passkey management -----------------------------------------------------

const when = (iso) => iso ? new Date(iso).toLocaleString() : "never";

async function listPasskeys() {
  const res = await api("/passkeys/list", {}, demo.session.idToken);
  const list = $("passkeys");
  const items = (res.passkeys || []).map((pk) => {
    const li = $("passkey-item").content.firstElementChild.cloneNode(true);
    li.dataset.id = pk.id;
    li.querySelector(".name").textContent = pk.name || pk.authenticator || "Passkey";
    const synced = pk.backupState ? "synced" : pk.backupEligible ? "can sync" : "this device only";
    li.querySelector(".meta").textContent =
      `· created ${when(pk.created)} · last used ${when(pk.lastUsed)} · ${synced}`;
    const form = li.querySelector(".rename-form");
    li.querySelector(".rename").addEventListener("click", () => {
      form.hidden = false;
      const input = li.querySelector(".rename-input");
      input.value = pk.name || "";
      input.focus();
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      run(async () => {
        await api("/passkeys/rename", { id: pk.id, name: li.querySelector(".rename-input").value }, demo.session.idToken);
        await listPasskeys();
        status("Passkey renamed.", "ok");
      });
    });
    li.querySelector(".delete").addEventListener("click", () => run(async () => {
      await api("/passkeys/delete", { id: pk.id }, demo.session.idToken);
      await listPasskeys();
      status("Passkey deleted. It no longer signs you in.", "ok");
    }));
    return li;
  });
  list.replaceChildren(...items);
  $("no-passkeys").hidden = items.length > 0;
  document.body.dataset.passkeys = String(items.length);
}

// --- wiring -----------------------------------------------------------------

function fail(err) {
  const text = describe(err);
  status(text, "error");
  // DOMExceptions have a numeric legacy code; their name is the one to keep.
  const code = err instanceof APIError ? err.code : err.name || "error";
  document.body.dataset.error = code;
  demo.errors.push({ code, text }); // every failure shown, oldest first
}

// run wraps a user action: one at a time, passkey autofill stopped first
// (the user took another path), errors shown with a specific message, and
// data-busy, data-done (a count of finished actions) and data-error for
// whoever watches the page, such as the browser test.
async function run(action, opts) {
  if (document.body.dataset.busy === "true") return;
  if (!(opts && opts.keepAutofill)) stopAutofill();
  document.body.dataset.busy = "true";
  delete document.body.dataset.error;
  status("Working…");
  try {
    await action();
  } catch (err) {
    fail(err);
    if (document.body.dataset.state === "signed-out") startAutofill();
  } finally {
    document.body.dataset.busy = "false";
    document.body.dataset.done = String(Number(document.body.dataset.done || 0) + 1);
  }
}

function onSubmit(formID, action) {
  $(formID).addEventListener("submit", (ev) => {
    ev.preventDefault();
    run(action);
  });
}

function onClick(buttonID, action) {
  $(buttonID).addEventListener("click", () => run(action));
}

onSubmit("email-form", () => startProof($("email").value));

onSubmit("code-form", () => verify({ proof: demo.proof, code: $("code").value.trim() }));

onClick("code-cancel", async () => {
  demo.proof = null;
  if (demo.session) {
    show("signed-in");
    status("Cancelled.", "ok");
  } else {
    signedOut("Cancelled.");
  }
});

onClick("signin-passkey", async () => {
  const res = await login("discoverable", {});
  await signedIn(res, "Signed in with your passkey.");
});

onSubmit("password-form", async () => {
  const res = await api("/password", { username: $("pw-email").value, password: $("pw-password").value });
  $("pw-password").value = "";
  await signedIn(res, res.grant
    ? "Signed in with your password. Add a passkey to stop using it."
    : "Signed in with your password. This account has passkeys: sign in with one of them to add another.");
});

onClick("add-passkey", register);
onClick("signout", signOut);

// A magic link opens this page with #link=<secret>. The fragment never
// reaches a server log or a Referer; drop it from the address bar and
// history at once, then trade it for a session.
function start() {
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
    status("This browser lacks the WebAuthn JSON helpers (Chrome/Chromium 129+, Firefox 119+, Safari 18.4+).", "error");
    return;
  }
  if (!followLink()) startAutofill();
}

// followLink trades a #link=<secret> in the address for a session, and
// reports whether there was one.
function followLink() {
  const link = location.hash.startsWith("#link=") ? location.hash.slice("#link=".length) : "";
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (!link) return false;
  run(() => verify({ link }));
  return true;
}

// A link pasted into this tab's address bar changes only the fragment:
// no reload, but a hashchange.
window.addEventListener("hashchange", followLink);

start();
