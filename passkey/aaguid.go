package passkey

import "encoding/hex"

// knownAuthenticators names the passkey providers users are most likely to
// meet, by the AAGUID their authenticators report at registration. The
// entries are copied from the community-maintained list of passkey provider
// AAGUIDs, github.com/passkeydeveloper/passkey-authenticator-aaguids
// (aaguid.json at commit 47b6f84e4e3c, August 2026), with the list's names;
// that list renamed fbfc3007… from "iCloud Keychain" to "Apple Passwords"
// in November 2025.
//
// The names are for display only: an authenticator chooses the AAGUID it
// reports, and with "none" attestation (this relying party's choice) no
// one vouches for it. Nothing here may decide who is let in.
var knownAuthenticators = map[string]string{
	"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
	"adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
	"b5397666-4885-aa6b-cebf-e52262a439a2": "Chromium Browser",
	"771b48fd-d3d4-4f74-9232-fc157ab0507a": "Edge on Mac",
	"08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
	"9ddd1817-af5a-4672-a2b9-3e3dd95000a9": "Windows Hello",
	"6028b017-b1d4-4c02-b4b3-afcdafc96bb2": "Windows Hello",
	"d3452668-01fd-4c12-926c-83a4204853aa": "Microsoft Password Manager",
	"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "Apple Passwords",
	"dd4ec289-e01d-41c9-bb89-70fa845d4bf2": "iCloud Keychain (Managed)",
	"53414d53-554e-4700-0000-000000000000": "Samsung Pass",
	"bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
	"d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
	"531126d6-e717-415c-9320-3d9aa6981239": "Dashlane",
	"b84e4048-15dc-4dd0-8640-f4f60813c8af": "NordPass",
	"0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6": "Keeper",
	"f3809540-7f14-49c1-a8b3-8f813b225541": "Enpass",
	"b78a0a55-6ef8-d246-a042-ba0f6d55050c": "LastPass",
	"50726f74-6f6e-5061-7373-50726f746f6e": "Proton Pass",
	"fdb141b2-5d84-443e-8a35-4698c205a502": "KeePassXC",
	"eaecdef2-1c31-5634-8639-f1cbd9c00a08": "KeePassDX",
}

// authenticatorName returns the provider's name for a 16-byte AAGUID, or ""
// when the AAGUID is unknown, all zeros (authenticators that keep their
// model to themselves) or not 16 bytes.
func authenticatorName(aaguid []byte) string {
	if len(aaguid) != 16 {
		return ""
	}
	return knownAuthenticators[formatAAGUID(aaguid)]
}

// formatAAGUID writes a 16-byte AAGUID the way the list keys it: lower-case
// hex in the 8-4-4-4-12 form of a UUID.
func formatAAGUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
