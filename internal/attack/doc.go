// Package attack holds no code: its tests drive the whole chain (jwks,
// challenge, cognitobridge against the cognitotest emulator, corbado's
// webhook) under load, faults and hostile input, and fail when one of the
// library's promises breaks. Each property is one test:
//
//   - concurrency_test.go: 100 concurrent first logins of one user make
//     exactly one Cognito user and 100 sessions whose tokens validate;
//     1,000 first logins of distinct users from 50 goroutines all succeed.
//   - faults_test.go: with 30 % of Cognito calls throttled or failing and
//     latency added, every Login succeeds or fails with
//     cognitobridge.ErrUnavailable, VerifyPassword never calls a right
//     password wrong, no user ever lacks the provider attribute, and the
//     users an interrupted create left in FORCE_CHANGE_PASSWORD are repaired
//     by the next CreateUser; a JWKS endpoint that is down, slow, answers
//     garbage or an endless body costs jwks.ErrUnavailable within the fetch
//     timeout while cached keys keep working.
//   - jwksflood_test.go: a burst of 10,000 tokens with random kids costs at
//     most one JWKS fetch per MinRefreshInterval, counted at the server.
//   - hostile_test.go: the RFC 8725 corpus in testdata/hostile.json (alg
//     none, HS256 keyed with the public key, alg confusion, kid tricks, crit,
//     jku/x5u/jwk, JWE and JSON forms, dot floods, oversized tokens,
//     non-JSON parts, mistyped claims, weak and enc keys) is rejected.
//   - differential_test.go: every token jwks accepts, AWS's own verifier
//     (npm aws-jwt-verify, run by testdata/verify.mjs) accepts too; where
//     jwks is stricter, the corpus says why.
//   - bypass_test.go: an attacker holding the app client ID and secret, on
//     the real SDK, gets no tokens by answering CUSTOM_AUTH with the public
//     nonce, an old proof, or a proof for another user, pool or client.
//   - webhook_test.go: the Corbado webhook answers abuse with the right
//     status, also for 1,000 requests from 50 goroutines, and leaks no
//     goroutine.
//   - secrets_test.go: no log line or error text of any suite holds the
//     proof key, a password, a token, a nonce or a Cognito session string
//     (the audit of audit_test.go records them all; env_test.go builds the
//     emulated pools every suite shares).
//
// Suites that produce figures for README.md log them with t.Logf; run
//
//	go test -race -v -run 'Concurrent|Faults|Flood|Differential' ./internal/attack/
//
// to see them. The differential test needs node and aws-jwt-verify under
// $PASSKEYBRIDGE_TOOLS/npm (see internal/testtools): it is skipped without
// them, and fails under CI=true.
package attack
