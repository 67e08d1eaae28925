package mailtest_test

import (
	"context"
	"fmt"
	"net/smtp"

	"github.com/passkeybridge/bridge/passkey/mail/mailtest"
)

// A test delivers to the server over loopback and reads the parsed mail.
func ExampleStart() {
	srv, err := mailtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	msg := "To: ana@example.com\r\nSubject: Hello\r\n\r\nYour code is 493027.\r\n"
	if err := smtp.SendMail(srv.Addr(), nil, "no-reply@example.com", []string{"ana@example.com"}, []byte(msg)); err != nil {
		panic(err)
	}
	got, err := srv.Wait(context.Background(), "ana@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(got.To, got.Subject)
	fmt.Printf("%q\n", got.Text)
	// Output:
	// ana@example.com Hello
	// "Your code is 493027.\r\n"
}
