package web

import (
	"reflect"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Permission declarations that are not permission names.
const (
	// Public routes need no credentials (health, login form, storefront).
	Public = "public"
	// Authenticated routes need a signed-in staff member or platform admin
	// but no particular permission (own profile, MFA, shop switcher).
	Authenticated = "authenticated"
	// Customer routes need a storefront customer session.
	Customer = "customer"
)

// Scope says whose data a route touches.
type Scope int

const (
	// ScopeNone routes touch no tenant's data.
	ScopeNone Scope = iota
	// ScopeTenant routes act on the current tenant's data; the cross-tenant
	// test calls every one of them with foreign credentials.
	ScopeTenant
	// ScopePlatform routes are for platform admins.
	ScopePlatform
	// ScopeStorefront routes resolve the tenant from the Host header.
	ScopeStorefront
)

// Route is one entry of the route table. Every route the server serves is
// declared here with the permission it needs; nothing is registered on the
// fiber app directly.
type Route struct {
	Method  string
	Path    string // fiber syntax: /api/products/:id
	Perm    string // a permission name, or Public, Authenticated, Customer
	Scope   Scope
	Summary string
	Tag     string
	// Body is a zero value of the JSON request body type, for the OpenAPI
	// document; nil when the route takes none.
	Body any
	// Resp is a zero value of the JSON response type, for the OpenAPI
	// document; nil for HTML pages and empty answers.
	Resp any
	// Query documents the route's query parameters in OpenAPI.
	Query []QueryParam
	// HTML marks a server-rendered page or form post (not in OpenAPI).
	HTML bool
	// Handler serves the request after the permission check passed.
	Handler fiber.Handler
}

// QueryParam is an optional query parameter of a route.
type QueryParam struct {
	Name        string
	Type        string // string (default), boolean or integer
	Enum        []string
	Description string
}

// IsAPI reports whether the route is part of the JSON API.
func (r Route) IsAPI() bool { return strings.HasPrefix(r.Path, "/api/") }

// Routes returns the route table, sorted by path then method.
func (s *Server) Routes() []Route {
	out := append([]Route(nil), s.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// handle registers a route: the permission check runs before the handler.
func (s *Server) handle(r Route) {
	if r.Perm == "" {
		// Still registered so TestEveryRouteHasPermission can name it; it
		// refuses every request rather than serve unchecked.
		s.routes = append(s.routes, r)
		app := s.app
		if r.Scope == ScopeStorefront {
			app = s.storeApp
		}
		app.Add(r.Method, r.Path, func(c *fiber.Ctx) error {
			return fiber.NewError(fiber.StatusForbidden, "route declares no permission")
		})
		return
	}
	s.routes = append(s.routes, r)
	if r.Scope == ScopeStorefront {
		s.storeApp.Add(r.Method, r.Path, s.authorize(r), r.Handler)
		return
	}
	s.app.Add(r.Method, r.Path, s.authorize(r), r.Handler)
}

// typeName is the OpenAPI schema name of a body type.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t.Name()
}
