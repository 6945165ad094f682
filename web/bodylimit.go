package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// setBodyLimits lets the fasthttp server admit bodies up to the largest
// upload; limitBody then holds every other request to Config.BodyLimit.
func (s *Server) setBodyLimits() {
	if srv := s.app.Server(); srv != nil && srv.MaxRequestBodySize < max(httpx.UploadLimit, httpx.PluginUploadLimit) {
		srv.MaxRequestBodySize = max(httpx.UploadLimit, httpx.PluginUploadLimit)
	}
}

// isUpload reports whether a request may carry an upload larger than the
// general body limit.
func isUpload(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	p := c.Path()
	return strings.HasSuffix(p, "/images") || p == "/console/import" || p == "/api/imports"
}

// limitBody applies Config.BodyLimit to every request but console uploads.
// The fasthttp server itself admits bodies up to httpx.UploadLimit, and reads a
// body before any handler runs (unless the client sent Expect:
// 100-continue), so a refused request may still have been buffered: a
// per-request memory cost of up to httpx.UploadLimit that the IP rate limit
// bounds. Streaming request bodies would remove it.
func (s *Server) limitBody(c *fiber.Ctx) error {
	if !isUpload(c) || !s.isConsoleHost(string(c.Request().Host())) {
		if n := c.Request().Header.ContentLength(); n > s.cfg.BodyLimit || len(c.Request().Body()) > s.cfg.BodyLimit {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, "request body too large")
		}
	}
	return c.Next()
}

// isPluginUpload reports whether a request is a plugin upload, which may
// be larger than Config.BodyLimit.
func isPluginUpload(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	switch c.Path() {
	case "/api/plugins/uploads", "/console/plugins/upload", "/api/platform/plugins", "/platform/plugins":
		return int(c.Request().Header.ContentLength()) <= httpx.PluginUploadLimit
	}
	return false
}
