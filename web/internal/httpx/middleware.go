package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The middleware every request passes through, in the order the server
// chains it: request id, access log, recoverer, security headers, the
// per-address rate limit, CSRF.

const requestIDKey = "request_id"

// RequestID returns the request's id (the client's X-Request-Id when it
// sent a usable one, else a random one).
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// AssignRequestID is the middleware that gives every request its id and
// echoes it in X-Request-Id.
func AssignRequestID(c *fiber.Ctx) error {
	id := c.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [12]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(requestIDKey, id)
	c.Set("X-Request-Id", id)
	return c.Next()
}

// Recoverer turns a panic into a logged 500 with the usual error body.
func Recoverer(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic", "request_id", RequestID(c), "path", c.Path(), "panic", r)
				err = fiber.NewError(fiber.StatusInternalServerError, "internal error")
			}
		}()
		return c.Next()
	}
}

// AccessLog answers errors the rest of the chain returned with onError
// (the app's error handler) so the status is final, then counts the
// request in the metrics and logs it.
func AccessLog(log *slog.Logger, onError fiber.ErrorHandler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := onError(c, err); herr != nil {
				c.Status(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		Observe(c, status, time.Since(start))
		if log.Enabled(c.UserContext(), slog.LevelInfo) {
			log.LogAttrs(c.UserContext(), slog.LevelInfo, "http",
				slog.String("request_id", RequestID(c)),
				slog.String("method", c.Method()),
				slog.String("host", c.Hostname()),
				slog.String("path", c.Path()),
				slog.Int("status", status),
				slog.Int("bytes", len(c.Response().Body())),
				slog.String("ip", c.IP()),
				slog.Duration("duration", time.Since(start)),
			)
		}
		return nil
	}
}

// SecurityHeaders sets the content security policy and its companions;
// HSTS when the site is secure or the request came over https.
func SecurityHeaders(secure bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		if secure || c.Protocol() == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return c.Next()
	}
}

// LimitIP refuses a client address's requests beyond limit per l's
// window with a 429 and Retry-After.
func LimitIP(l *Limiter, limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if ok, retry := l.Allow(c.IP(), limit); !ok {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(retry.Seconds()+1)))
			return fiber.NewError(fiber.StatusTooManyRequests, "too many requests from this address; retry later")
		}
		return c.Next()
	}
}

// RedirectToLogin sends a browser to a sign-in page that brings it back to
// the page it asked for (next=).
func RedirectToLogin(c *fiber.Ctx, login string) error {
	return c.Redirect(login+"?next="+escapeNext(c.OriginalURL()), fiber.StatusSeeOther)
}

func escapeNext(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "?", "%3F", " ", "%20", "+", "%2B").Replace(s)
}

// NewFormKey is a random key a rendered form posts back, so a repeated
// submit of the same form is recognised (an idempotency key per form).
func NewFormKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
