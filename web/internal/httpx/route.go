// Package httpx is the HTTP plumbing every web area shares: the route
// declaration (Route, Scope, the permission declarations) and the builders
// areas declare their routes with, the one JSON error shape and the mapping
// from domain errors to statuses, strict JSON decoding, CSRF protection, the
// rate limiter, metrics, request ids, the access log, panic recovery,
// security headers and the cookie-name rule.
//
// It imports no area and not the web server package; areas and the server
// import it.
package httpx

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants/perm"
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

// Area is a part of the web server (the API, the console, the platform
// console, the storefront): it declares its routes, and the server
// registers them behind the permission check.
type Area interface {
	Routes() []Route
}

// Table collects route declarations in the order they are made. Order
// matters: the router tries routes in the order they were added, so
// /console/products/new must be declared before /console/products/:product.
// A Table is an Area.
type Table struct {
	routes []Route
}

// Add declares routes as they are.
func (t *Table) Add(rs ...Route) { t.routes = append(t.routes, rs...) }

// Routes returns the declarations in order.
func (t *Table) Routes() []Route { return t.routes }

// Group starts a run of declarations that share a scope and an OpenAPI tag.
func (t *Table) Group(scope Scope, tag string) Group {
	return Group{t: t, scope: scope, tag: tag}
}

// Group declares routes of one scope and tag into a Table.
type Group struct {
	t     *Table
	scope Scope
	tag   string
}

// API declares a JSON API route; body and resp are zero values of its
// request and answer types for the OpenAPI document (nil: none), query
// its documented query parameters.
func (g Group) API(method, path string, p perm.Permission, summary string, body, resp any, h fiber.Handler, query ...QueryParam) {
	g.t.Add(Route{Method: method, Path: path, Perm: string(p), Scope: g.scope, Summary: summary, Tag: g.tag, Body: body, Resp: resp, Handler: h, Query: query})
}

// Page declares a server-rendered page or form post.
func (g Group) Page(method, path string, p perm.Permission, summary string, h fiber.Handler) {
	g.t.Add(Route{Method: method, Path: path, Perm: string(p), Scope: g.scope, Summary: summary, Tag: g.tag, HTML: true, Handler: h})
}

// Browse declares a public page answered for GET and HEAD (crawlers and
// link checkers use HEAD).
func (g Group) Browse(path, summary string, h fiber.Handler) {
	for _, m := range []string{fiber.MethodGet, fiber.MethodHead} {
		g.Page(m, path, Public, summary, h)
	}
}

// Upload limits: the general body limit (the server's Config.BodyLimit)
// does not apply to the routes that take these uploads.
const (
	// UploadLimit caps an uploaded import file or image.
	UploadLimit = 64 << 20
	// PluginUploadLimit caps .wasm uploads (the host's own cap is 16 MiB).
	PluginUploadLimit = 24 << 20
)
