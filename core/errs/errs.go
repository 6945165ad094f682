// Package errs is Wasmart's one error type. Domain code returns *Error values
// with a small set of codes; the web layer maps codes to HTTP statuses in one
// place, shows the message to the user and logs only internal errors.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error. The set is small on purpose.
type Code string

// The codes. Each maps to exactly one HTTP status in the web layer.
const (
	Invalid         Code = "invalid"         // bad input: 400/422
	Unauthenticated Code = "unauthenticated" // no or bad credentials: 401
	Forbidden       Code = "forbidden"       // authenticated but not allowed: 403
	NotFound        Code = "not_found"       // 404 (also used to hide foreign objects)
	Conflict        Code = "conflict"        // unique or version clash: 409
	Unprocessable   Code = "unprocessable"   // well-formed but refused (e.g. idempotency body mismatch): 422
	TooLarge        Code = "too_large"       // body or upload over a limit: 413
	RateLimited     Code = "rate_limited"    // 429
	QuotaExceeded   Code = "quota_exceeded"  // plan limit reached: 402-like, served as 403
	Unavailable     Code = "unavailable"     // suspended shop, dependency down: 503
	Internal        Code = "internal"        // a bug or an unexpected failure: 500
)

// Error is a domain error with a user-safe message and, for input errors, the
// field it is about.
type Error struct {
	Code    Code
	Message string
	Field   string
	Err     error // cause, for logs; never shown to users
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error with a code and a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field builds an Invalid error about one input field.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf is a NotFound error naming what was missing.
func NotFoundf(format string, args ...any) *Error { return E(NotFound, format, args...) }

// Wrap marks err as internal, keeping it as the cause. A nil err gives nil.
func Wrap(err error, op string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// CodeOf returns the code of err: Internal for errors that are not *Error,
// "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
