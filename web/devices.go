package web

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// deviceCookie keeps the token that makes a browser a known device for the
// accounts it signed in to (package loginguard): when an account is under a
// guessing attack, sign-ins from unknown devices are paced and known ones
// get in at once. Host-only like the session cookies, so the console's and
// each shop's are separate.
const deviceCookie = "wsm_device"

// deviceTTL matches loginguard.DeviceTTL; each sign-in renews it.
const deviceTTL = 365 * 24 * time.Hour

// device is the browser's device token, if any.
func (s *Server) device(c *fiber.Ctx) string {
	v := c.Cookies(s.cookieName(deviceCookie))
	if len(v) > 100 {
		return ""
	}
	return v
}

// setDevice stores the device token a sign-in returned ("" leaves the
// cookie alone).
func (s *Server) setDevice(c *fiber.Ctx, token string) {
	if token == "" {
		return
	}
	c.Cookie(&fiber.Cookie{Name: s.cookieName(deviceCookie), Value: token, Path: "/", HTTPOnly: true, Secure: s.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(deviceTTL)})
}

// retryAfter sets Retry-After when err says how long to wait (a
// *loginguard.Wait) and hands err back.
func retryAfter(c *fiber.Ctx, err error) error {
	var w interface{ RetryAfter() time.Duration }
	if errors.As(err, &w) {
		secs := int((w.RetryAfter() + time.Second - 1) / time.Second)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
	}
	return err
}
