// verify.mjs verifies JWTs with aws-jwt-verify, AWS's own verifier, for the
// differential test of internal/attack.
//
// Input, as JSON on stdin:
//
//   {"modules": "<node_modules dir holding aws-jwt-verify>",
//    "jwksUrl": "http://127.0.0.1:<port>/...",   // or "jwksFile": "<path>"
//    "verifier": {"kind": "cognito", "userPoolId": "...", "tokenUse": "id", "clientId": "..."}
//             or {"kind": "jwt", "issuer": "...", "audience": "..."},
//    "tokens": ["...", ...]}
//
// Output, as JSON on stdout: {"version": "<aws-jwt-verify version>",
// "results": [{"accepted": true} | {"accepted": false, "error": "<name>: <message>"}]},
// one result a token, in order. Every JWKS request the verifier makes (the
// Cognito verifier derives https://cognito-idp.<region>.amazonaws.com/...)
// is answered from the JWKS the test serves, through aws-jwt-verify's own
// cache, parser and penalty box.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const input = JSON.parse(readFileSync(0, "utf8"));
const require = createRequire(join(input.modules, "verify.cjs"));
const { CognitoJwtVerifier, JwtVerifier } = require("aws-jwt-verify");
const { SimpleJwksCache } = require("aws-jwt-verify/jwk");
const { version } = JSON.parse(readFileSync(join(input.modules, "aws-jwt-verify", "package.json"), "utf8"));

const fetcher = {
  async fetch() {
    if (input.jwksFile) {
      return readFileSync(input.jwksFile);
    }
    const res = await fetch(input.jwksUrl);
    if (!res.ok) {
      throw new Error(`JWKS answered HTTP ${res.status}`);
    }
    return res.arrayBuffer();
  },
};
const jwksCache = new SimpleJwksCache({ fetcher });

const cfg = input.verifier;
const verifier =
  cfg.kind === "cognito"
    ? CognitoJwtVerifier.create(
        { userPoolId: cfg.userPoolId, tokenUse: cfg.tokenUse, clientId: cfg.clientId },
        { jwksCache },
      )
    : JwtVerifier.create(
        { issuer: cfg.issuer, audience: cfg.audience, jwksUri: input.jwksUrl ?? "https://jwks.invalid/" },
        { jwksCache },
      );
await verifier.hydrate();

const results = [];
for (const token of input.tokens) {
  try {
    await verifier.verify(token);
    results.push({ accepted: true });
  } catch (err) {
    results.push({ accepted: false, error: `${err.name}: ${err.message}`.slice(0, 240) });
  }
}
process.stdout.write(JSON.stringify({ version, results }));
