package session

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// DeviceCookie keeps the token that makes a browser a known device for the
// accounts it signed in to (package loginguard): when an account is under a
// guessing attack, sign-ins from unknown devices are paced and known ones
// get in at once. Host-only like the session cookies, so the console's and
// each shop's are separate.
const DeviceCookie = "wsm_device"

// deviceTTL matches loginguard.DeviceTTL; each sign-in renews it.
const deviceTTL = 365 * 24 * time.Hour

// DeviceToken is the browser's device token, if any.
func (k *Kit) DeviceToken(c *fiber.Ctx) string {
	v := c.Cookies(k.CookieName(DeviceCookie))
	if len(v) > 100 {
		return ""
	}
	return v
}

// SetDeviceCookie stores the device token a sign-in returned ("" leaves
// the cookie alone).
func (k *Kit) SetDeviceCookie(c *fiber.Ctx, token string) {
	if token == "" {
		return
	}
	c.Cookie(&fiber.Cookie{Name: k.CookieName(DeviceCookie), Value: token, Path: "/", HTTPOnly: true, Secure: k.cfg.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Now().Add(deviceTTL)})
}
