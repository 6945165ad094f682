package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// ErrorBody is the one JSON error shape every API failure uses.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what is wrong and where.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// StatusOf maps an error code to its HTTP status. This is the only place
// that does.
func StatusOf(code errs.Code) int {
	switch code {
	case errs.Invalid:
		return fiber.StatusBadRequest
	case errs.Unauthenticated:
		return fiber.StatusUnauthorized
	case errs.Forbidden, errs.QuotaExceeded:
		return fiber.StatusForbidden
	case errs.NotFound:
		return fiber.StatusNotFound
	case errs.Conflict:
		return fiber.StatusConflict
	case errs.Unprocessable:
		return fiber.StatusUnprocessableEntity
	case errs.TooLarge:
		return fiber.StatusRequestEntityTooLarge
	case errs.RateLimited:
		return fiber.StatusTooManyRequests
	case errs.Unavailable:
		return fiber.StatusServiceUnavailable
	default:
		return fiber.StatusInternalServerError
	}
}

func codeOfStatus(status int) errs.Code {
	switch status {
	case fiber.StatusBadRequest:
		return errs.Invalid
	case fiber.StatusUnauthorized:
		return errs.Unauthenticated
	case fiber.StatusForbidden:
		return errs.Forbidden
	case fiber.StatusNotFound, fiber.StatusMethodNotAllowed:
		return errs.NotFound
	case fiber.StatusConflict:
		return errs.Conflict
	case fiber.StatusRequestEntityTooLarge, fiber.StatusRequestHeaderFieldsTooLarge:
		return errs.TooLarge
	case fiber.StatusTooManyRequests:
		return errs.RateLimited
	case fiber.StatusUnprocessableEntity:
		return errs.Unprocessable
	case fiber.StatusServiceUnavailable:
		return errs.Unavailable
	}
	if status >= 500 {
		return errs.Internal
	}
	return errs.Invalid
}

// Errors turns the errors handlers return into answers. Internal causes
// are logged, never shown.
type Errors struct {
	Log *slog.Logger
	// BodyLimit is the general request body cap in bytes, named in 413
	// answers.
	BodyLimit int
	// ReadBufferSize caps request headers in bytes, named in 431 answers.
	ReadBufferSize int
}

// unavailableRetry is the Retry-After (seconds) of a 503 that did not set
// its own: the database is unreachable, or a dependency is down.
const unavailableRetry = "10"

// ToError turns any error a handler returned into a domain error and its
// HTTP status; internal causes are logged, never shown. A database that
// cannot be reached (store.IsUnavailable) is a 503, whatever the handler
// wrapped it in. Every 503 carries Retry-After.
func (e *Errors) ToError(c *fiber.Ctx, err error) (int, *errs.Error) {
	status, de := e.classify(c, err)
	if status == fiber.StatusServiceUnavailable && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
		c.Set(fiber.HeaderRetryAfter, unavailableRetry)
	}
	return status, de
}

func (e *Errors) classify(c *fiber.Ctx, err error) (int, *errs.Error) {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := codeOfStatus(fe.Code)
		msg := fe.Message
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			msg = fmt.Sprintf("request body is larger than the %d byte limit", e.BodyLimit)
		}
		if fe.Code == fiber.StatusRequestHeaderFieldsTooLarge {
			msg = fmt.Sprintf("request headers are larger than the %d byte limit", e.ReadBufferSize)
		}
		if fe.Code >= 500 {
			e.Log.Error("request failed", "request_id", RequestID(c), "err", err)
			msg = "internal error"
		}
		return fe.Code, &errs.Error{Code: code, Message: msg}
	}
	var de *errs.Error
	if !errors.As(err, &de) {
		de = &errs.Error{Code: errs.Internal, Message: "internal error", Err: err}
	}
	if StatusOf(de.Code) >= 500 && de.Code != errs.Unavailable && store.IsUnavailable(err) {
		de = &errs.Error{Code: errs.Unavailable, Message: "We are briefly unavailable: please try again in a few seconds.", Err: err}
	}
	status := StatusOf(de.Code)
	if status >= 500 {
		e.Log.Error("request failed", "request_id", RequestID(c), "method", c.Method(), "path", c.Path(), "err", err)
		if de.Code == errs.Internal {
			de = &errs.Error{Code: errs.Internal, Message: "internal error"}
		}
	}
	return status, de
}

// HTMLError renders an error as a page for a browser.
type HTMLError func(c *fiber.Ctx, status int, e *errs.Error) error

// Handler is fiber's error handler: JSON for the API and for clients that
// ask for JSON, the page html renders otherwise.
func (e *Errors) Handler(html HTMLError) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status, de := e.ToError(c, err)
		c.Status(status)
		if WantsJSON(c) {
			return c.JSON(ErrorBody{Error: ErrorDetail{Code: string(de.Code), Message: de.Message, Field: de.Field, RequestID: RequestID(c)}})
		}
		return html(c, status, de)
	}
}

// WantsJSON reports whether an error is answered as JSON: always under
// /api/, else when the client asks for JSON and not for HTML.
func WantsJSON(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// DecodeJSON reads a JSON body strictly into v: unknown fields, trailing
// data, type mismatches and strings with control characters (CheckJSONText) are
// input errors naming the field.
func DecodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) == 0 {
		return errs.Field("body", "a JSON body is required")
	}
	if ct := c.Get(fiber.HeaderContentType); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.Field("body", "Content-Type must be application/json")
	}
	if err := CheckJSONText(body, ""); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errs.Field("body", "unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return errs.Field("body", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Field(field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(name, "unknown field")
	case errors.Is(err, errUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF"):
		return errs.Field("body", "malformed JSON: unexpected end of input")
	}
	return errs.Field("body", "malformed JSON: %v", err)
}

var errUnexpectedEOF = errors.New("unexpected EOF")

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice", k == "array":
		return "an array"
	case k == "struct", k == "map":
		return "an object"
	}
	return k
}

// RetryAfter sets Retry-After when err says how long to wait (it has a
// RetryAfter() time.Duration method, as *loginguard.Wait does) and hands
// err back.
func RetryAfter(c *fiber.Ctx, err error) error {
	var w interface{ RetryAfter() time.Duration }
	if errors.As(err, &w) {
		secs := int((w.RetryAfter() + time.Second - 1) / time.Second)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
	}
	return err
}
