package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
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

// statusOf maps an error code to its HTTP status. This is the only place
// that does.
func statusOf(code errs.Code) int {
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

// unavailableRetry is the Retry-After (seconds) of a 503 that did not set
// its own: the database is unreachable, or a dependency is down.
const unavailableRetry = "10"

// toError turns any error a handler returned into a domain error and its
// HTTP status; internal causes are logged, never shown. A database that
// cannot be reached (store.IsUnavailable) is a 503, whatever the handler
// wrapped it in. Every 503 carries Retry-After.
func (s *Server) toError(c *fiber.Ctx, err error) (int, *errs.Error) {
	status, de := s.classify(c, err)
	if status == fiber.StatusServiceUnavailable && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
		c.Set(fiber.HeaderRetryAfter, unavailableRetry)
	}
	return status, de
}

func (s *Server) classify(c *fiber.Ctx, err error) (int, *errs.Error) {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code := codeOfStatus(fe.Code)
		msg := fe.Message
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			msg = fmt.Sprintf("request body is larger than the %d byte limit", s.cfg.BodyLimit)
		}
		if fe.Code == fiber.StatusRequestHeaderFieldsTooLarge {
			msg = fmt.Sprintf("request headers are larger than the %d byte limit", s.app.Server().ReadBufferSize)
		}
		if fe.Code >= 500 {
			s.log.Error("request failed", "request_id", requestID(c), "err", err)
			msg = "internal error"
		}
		return fe.Code, &errs.Error{Code: code, Message: msg}
	}
	var de *errs.Error
	if !errors.As(err, &de) {
		de = &errs.Error{Code: errs.Internal, Message: "internal error", Err: err}
	}
	if statusOf(de.Code) >= 500 && de.Code != errs.Unavailable && store.IsUnavailable(err) {
		de = &errs.Error{Code: errs.Unavailable, Message: "We are briefly unavailable: please try again in a few seconds.", Err: err}
	}
	status := statusOf(de.Code)
	if status >= 500 {
		s.log.Error("request failed", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "err", err)
		if de.Code == errs.Internal {
			de = &errs.Error{Code: errs.Internal, Message: "internal error"}
		}
	}
	return status, de
}

// errorHandler is fiber's error handler: JSON for the API and for clients
// that ask for JSON, an HTML page otherwise.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	status, de := s.toError(c, err)
	c.Status(status)
	if wantsJSON(c) {
		return c.JSON(ErrorBody{Error: ErrorDetail{Code: string(de.Code), Message: de.Message, Field: de.Field, RequestID: requestID(c)}})
	}
	return s.renderError(c, status, de)
}

func wantsJSON(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// DecodeJSON reads a JSON body strictly into v: unknown fields, trailing
// data, type mismatches and strings with control characters (input.go) are
// input errors naming the field.
func DecodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) == 0 {
		return errs.Field("body", "a JSON body is required")
	}
	if ct := c.Get(fiber.HeaderContentType); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.Field("body", "Content-Type must be application/json")
	}
	if err := checkJSONText(body, ""); err != nil {
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

// hookServerErrors makes requests fasthttp could not read (headers over the
// read buffer: 431; malformed header lines: 400) answer like every other
// error: the API's JSON for /api/* and for clients that ask for JSON, a
// page otherwise. fasthttp has dropped the request's header by then, so the
// request line is recovered from the start of the raw request that its
// error quotes; when even that is missing, the answer is JSON, the form
// every client can read.
func (s *Server) hookServerErrors() {
	srv := s.app.Server()
	if srv == nil || srv.ErrorHandler == nil {
		return
	}
	next := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		if len(ctx.Request.Header.RawHeaders()) == 0 { // the header was not read
			if uri := requestURIFromReadError(err); uri != "" {
				ctx.Request.SetRequestURI(uri)
			} else {
				ctx.Request.Header.Set(fiber.HeaderAccept, fiber.MIMEApplicationJSON)
			}
		}
		next(ctx, err)
	}
}

// requestURIFromReadError finds the request target in fasthttp's "error
// when reading request headers: ... contents: "GET /path HTTP/1.1\r\n..."",
// or returns "".
func requestURIFromReadError(err error) string {
	_, quoted, ok := strings.Cut(err.Error(), "contents: ")
	if !ok {
		return ""
	}
	q, qerr := strconv.QuotedPrefix(quoted)
	if qerr != nil {
		return ""
	}
	raw, qerr := strconv.Unquote(q)
	if qerr != nil {
		return ""
	}
	line, _, _ := strings.Cut(raw, "\n")
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "/") {
		return ""
	}
	return fields[1]
}
