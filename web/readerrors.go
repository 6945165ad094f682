package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

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
