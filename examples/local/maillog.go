package main

import (
	"fmt"
	"strings"

	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

// mailLine is the terminal's line for one mail the demo sent: whom it
// went to, its subject, and the code and link a proof mail carries, so
// that the demo can be used without opening /dev/mail.
func mailLine(r mailtest.Received) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mail to %s: %q", r.To, r.Subject)
	if code := proofCode(r.Text); code != "" {
		fmt.Fprintf(&b, "  code: %s", code)
	}
	for _, link := range r.Links() {
		fmt.Fprintf(&b, "  link: %s", link)
	}
	return b.String()
}

// proofCode finds the code in the text of a proof mail of
// mail.DefaultTemplates: the one indented line that is not a link.
func proofCode(text string) string {
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		word := strings.TrimSpace(line)
		if word != "" && !strings.Contains(word, " ") && !strings.Contains(word, "://") {
			return word
		}
	}
	return ""
}
