package cognitobridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/passkeybridge/bridge/internal/password"
)

var errEmptyUsername = errors.New("cognitobridge: empty username")

// CreateOptions says how a user that does not exist yet is created. It
// changes nothing about a user that exists.
type CreateOptions struct {
	// EmailVerified: the caller proved that the user controls the address
	// (an emailed code or link, or a provider such as Corbado, which proves
	// addresses itself). Only then is the user created with
	// email_verified=true; otherwise the attribute is left unset, which
	// Cognito reads as false. An unproven address must never be marked
	// verified: Cognito then lets it receive password resets and, on alias
	// pools, sign in as the address.
	EmailVerified bool
}

// CreateUser makes sure username exists as a passwordless-in-practice user
// and returns it. A new user is created with AdminCreateUser (no invitation
// sent; email = username, email_verified = opts.EmailVerified, the provider
// attribute = "true") and confirmed with AdminSetUserPassword: a Permanent
// random password from crypto/rand that nobody ever learns. Two Cognito
// calls.
//
// CreateUser is idempotent. When the user exists (UsernameExistsException,
// also the answer to every loser of concurrent creates) it reads the user
// with AdminGetUser instead and returns it unchanged, with two exceptions:
//   - a disabled user is an error wrapping ErrUserDisabled;
//   - a user the store created whose AdminSetUserPassword never happened
//     (FORCE_CHANGE_PASSWORD and the provider attribute "true") is repaired
//     with a fresh random password (a third call).
//
// A user someone else created is never touched: CreateUser does not mark
// it as the provider's, and does not set its password even when it waits
// in FORCE_CHANGE_PASSWORD for an administrator's invitation. Because
// AdminCreateUser sets the provider attribute in the same call that makes
// the user, a user of the store's own making always carries it.
func (s *Store) CreateUser(ctx context.Context, username string, opts CreateOptions) (*User, error) {
	u, err := s.createUser(ctx, "create user", username, opts)
	if err != nil {
		s.logFailure(ctx, "create user", username, err)
		return nil, err
	}
	return u, nil
}

// createUser runs createUserOnce for username once however many callers
// ask at the same time. Each caller waits only as long as its own ctx
// allows. The shared create runs under its leader's ctx, so when the
// leader gives up its create fails with the leader's context error; every
// waiter whose own ctx is still alive then joins the create again, where
// one of them leads the next attempt. A leader's cancellation thus costs
// the others one more round, never an error and never a create each.
//
// Callers asking with different CreateOptions do not share a create: a
// caller that proved the address must not get a user created unverified
// on another's behalf, nor the other way round.
func (s *Store) createUser(ctx context.Context, op, username string, opts CreateOptions) (*User, error) {
	if username == "" {
		return nil, &Error{Op: op, Err: errEmptyUsername}
	}
	key := username
	if opts.EmailVerified {
		key += "\x00verified"
	}
	for round := 1; ; round++ {
		ch := s.creates.DoChan(key, func() (any, error) {
			return s.createUserOnce(ctx, op, username, opts)
		})
		select {
		case res := <-ch:
			if res.Err != nil {
				// Bounded: each round's leader is another caller whose
				// ctx ended, and this caller's own ctx is alive.
				if res.Shared && isContextError(res.Err) && ctx.Err() == nil && round < maxCreateRounds {
					continue
				}
				return nil, res.Err
			}
			u := *res.Val.(*User) // each caller gets its own copy
			return &u, nil
		case <-ctx.Done():
			return nil, &Error{Op: op, Kind: classify(ctx.Err()), Err: ctx.Err()}
		}
	}
}

// maxCreateRounds bounds how often a caller joins a create again after
// leaders that gave up.
const maxCreateRounds = 8

func (s *Store) createUserOnce(ctx context.Context, op, username string, opts CreateOptions) (*User, error) {
	// Two rounds at most: the second only when the user vanished between
	// UsernameExistsException and AdminGetUser (an administrator deleted it).
	for range 2 {
		u, exists, err := s.tryCreate(ctx, op, username, opts)
		if err != nil || !exists {
			return u, err
		}
		u, err = s.getUser(ctx, op, username)
		if err != nil {
			return nil, err
		}
		switch {
		case u.Status == StatusNotExists:
			continue
		case u.Status == StatusDisabled:
			return nil, &Error{Op: op, Kind: ErrUserDisabled}
		case u.CognitoStatus == string(types.UserStatusTypeForceChangePassword) && u.CreatedByProvider:
			if err := s.setRandomPassword(ctx, op, u.Username); err != nil {
				return nil, err
			}
			u.CognitoStatus = string(types.UserStatusTypeConfirmed)
			s.log.LogAttrs(ctx, levelInfo, "cognitobridge: repaired half-created user", userAttr(username))
		}
		return u, nil
	}
	return nil, &Error{Op: op, Call: "AdminGetUser", Kind: ErrUnavailable,
		Err: errors.New("cognitobridge: user exists and does not exist in turn")}
}

// tryCreate runs AdminCreateUser and, when it made the user, confirms it.
// exists reports UsernameExistsException (or AliasExistsException: on an
// alias pool another user holds the address as its verified alias).
//
// Pool types differ in what the username is, and tryCreate follows each:
//   - plain pools: the user is named by the address;
//   - email as a username attribute: Cognito takes the address as Username,
//     names the user with a UUID equal to its sub, and returns that name,
//     which the password call then uses;
//   - email as an alias: Cognito refuses an address as Username ("cannot be
//     of email format"), so the user is created under a generated name
//     with the address as its email attribute. The store supports these
//     pools instead of refusing them in New because many existing pools
//     are of this kind and nothing else in the flow needs the username to
//     be the address: sign-in, Status and the challenge accept the alias,
//     and the triggers compare the proof over the canonical name Cognito
//     reports. An alias only works once it is verified, so on such pools a
//     user is created only with CreateOptions.EmailVerified: an unverified
//     address would find nobody at the next Login, which would then create
//     another user, and another.
func (s *Store) tryCreate(ctx context.Context, op, username string, opts CreateOptions) (u *User, exists bool, err error) {
	out, err := s.adminCreateUser(ctx, username, username, opts)
	if err != nil && aliasPoolRefusal(err) {
		if !opts.EmailVerified {
			return nil, false, &Error{Op: op, Call: "AdminCreateUser", Kind: ErrMisconfigured, Err: errAliasUnverified}
		}
		var name string
		if name, err = generatedUsername(); err != nil {
			return nil, false, &Error{Op: op, Err: err}
		}
		out, err = s.adminCreateUser(ctx, name, username, opts)
	}
	if err != nil {
		if code, _ := apiCode(err); code == codeUsernameExists || code == codeAliasExists {
			return nil, true, nil
		}
		return nil, false, callError(op, "AdminCreateUser", err)
	}
	u = &User{Username: username, Status: StatusExists, Enabled: true}
	if out.User != nil {
		u = s.user(aws.ToString(out.User.Username), username, out.User.Enabled, out.User.UserStatus, out.User.Attributes)
	}
	if err := s.setRandomPassword(ctx, op, u.Username); err != nil {
		// The user stays in FORCE_CHANGE_PASSWORD with the provider
		// attribute: the next CreateUser or Login repairs it.
		return nil, false, err
	}
	u.CognitoStatus = string(types.UserStatusTypeConfirmed)
	s.log.LogAttrs(ctx, levelInfo, "cognitobridge: created user", userAttr(username))
	return u, false, nil
}

// adminCreateUser creates the user name with the address email, marked as
// the provider's, without an invitation.
func (s *Store) adminCreateUser(ctx context.Context, name, email string, opts CreateOptions) (*cip.AdminCreateUserOutput, error) {
	attrs := []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String(email)},
		{Name: aws.String(s.attr), Value: aws.String("true")},
	}
	if opts.EmailVerified {
		attrs = append(attrs, types.AttributeType{Name: aws.String("email_verified"), Value: aws.String("true")})
	}
	return s.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:     aws.String(s.poolID),
		Username:       aws.String(name),
		MessageAction:  types.MessageActionTypeSuppress,
		UserAttributes: attrs,
		// ForceAliasCreation stays false: an address that is another
		// user's verified alias is that user's (AliasExistsException),
		// never moved to a new one.
	})
}

var errAliasUnverified = errors.New("cognitobridge: the pool has email as an alias, which signs users in only with a verified address: create users with CreateOptions.EmailVerified")

// aliasPoolRefusal recognises AdminCreateUser's answer on a pool with
// email as an alias attribute: "Username cannot be of email format, since
// user pool is configured for email alias."
func aliasPoolRefusal(err error) bool {
	code, msg := apiCode(err)
	return code == codeInvalidParameter && strings.Contains(strings.ToLower(msg), "cannot be of email format")
}

// generatedUsername names a user on an alias pool: a random UUID (version
// 4), the form Cognito gives users on pools with username attributes. It
// is neither an address nor a phone number, which such pools refuse.
func generatedUsername() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// setRandomPassword gives the user a Permanent random password, which
// moves it from FORCE_CHANGE_PASSWORD to CONFIRMED. The password is
// dropped as soon as the call returns.
func (s *Store) setRandomPassword(ctx context.Context, op, username string) error {
	pw, err := password.Generate()
	if err != nil {
		return &Error{Op: op, Err: err}
	}
	_, err = s.client.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(s.poolID),
		Username:   aws.String(username),
		Password:   aws.String(pw),
		Permanent:  true,
	})
	if err != nil {
		return callError(op, "AdminSetUserPassword", err)
	}
	return nil
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
