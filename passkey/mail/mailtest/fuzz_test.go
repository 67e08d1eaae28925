package mailtest

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds parse what any SMTP client may send after DATA: it
// must return a message or an error, never panic, and keep what it
// returns consistent with what it was given.
func FuzzParse(f *testing.F) {
	f.Add([]byte("To: ana@example.com\r\nSubject: hi\r\n\r\nbody\r\n"))
	f.Add([]byte("To: ana@example.com\r\nSubject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCode=3D1\r\n--B\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+eDwvcD4=\r\n--B--\r\n"))
	f.Add([]byte("To: a@b.c\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: multipart/alternative; boundary=Y\r\n\r\n--Y\r\n\r\nt\r\n--Y--\r\n--X--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := parse(raw)
		if err != nil {
			return
		}
		if r.Text == "" || r.To == "" {
			t.Fatalf("parsed without a text body or a recipient: %+v", r)
		}
		if !utf8.ValidString(r.To) {
			t.Fatalf("To is not UTF-8: %q", r.To)
		}
		_ = r.Links()
	})
}
