package mail

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SESAPI is the one Amazon SES v2 call SES makes; *sesv2.Client
// satisfies it.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SESConfig says how to send through Amazon SES.
type SESConfig struct {
	// Client is usually sesv2.NewFromConfig(awsCfg); the identity behind
	// it needs ses:SendEmail for From's address or domain.
	Client SESAPI
	// From is the sender: a verified SES identity, "Example <no-reply@example.com>".
	From string
	// ConfigurationSet, if set, names the SES configuration set the mail
	// is sent under (event publishing, dedicated IPs).
	ConfigurationSet string
}

// SES is a Mailer that sends each message with one SES v2 SendEmail
// call, as "simple" content: SES builds the MIME message itself.
type SES struct {
	cfg SESConfig
}

var _ Mailer = (*SES)(nil)

// NewSES validates cfg and returns a Mailer for it.
func NewSES(cfg SESConfig) (*SES, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: SES client missing", ErrMisconfigured)
	}
	if err := checkFrom(cfg.From); err != nil {
		return nil, err
	}
	return &SES{cfg: cfg}, nil
}

// Send sends m with SendEmail.
func (s *SES) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	body := &types.Body{Text: utf8Content(m.Text)}
	if m.HTML != "" {
		body.Html = utf8Content(m.HTML)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.cfg.From),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: utf8Content(m.Subject),
			Body:    body,
		}},
	}
	if s.cfg.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.cfg.ConfigurationSet)
	}
	if _, err := s.cfg.Client.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("%w: ses: %w", ErrUnavailable, err)
	}
	return nil
}

func utf8Content(s string) *types.Content {
	return &types.Content{Data: aws.String(s), Charset: aws.String("UTF-8")}
}
