// Package tenancy carries who a request acts for through context.Context: the
// tenant whose data it may touch, the acting principal, or the explicit
// platform scope used by platform-admin code paths. Storage reads the tenant
// from here to scope every query (and, on PostgreSQL, row-level security).
package tenancy

import "context"

type key int

const (
	tenantKey key = iota
	platformKey
	actorKey
)

// WithTenant returns a context scoped to one tenant.
func WithTenant(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, tenantKey, tenantID)
}

// TenantID returns the tenant the context is scoped to.
func TenantID(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(tenantKey).(string)
	return id, ok && id != ""
}

// WithPlatform returns a context allowed to read and write across tenants.
// Only platform-level code paths (platform console, login, migrations, the
// outbox worker) ask for it.
func WithPlatform(ctx context.Context) context.Context {
	return context.WithValue(ctx, platformKey, true)
}

// ForTenant returns a context scoped to one tenant without the platform
// scope ctx may carry, keeping its deadline and cancellation: what code that
// runs on behalf of one shop inside a cross-tenant loop hands down.
func ForTenant(ctx context.Context, tenantID string) context.Context {
	if IsPlatform(ctx) {
		ctx = context.WithValue(ctx, platformKey, false)
	}
	return WithTenant(ctx, tenantID)
}

// IsPlatform reports whether the context has the cross-tenant platform scope.
func IsPlatform(ctx context.Context) bool {
	v, _ := ctx.Value(platformKey).(bool)
	return v
}

// Actor is who performs an action, for audit records and timelines.
type Actor struct {
	Kind string // "staff", "customer", "token", "system", "platform"
	ID   string
	Name string
	IP   string
}

// WithActor attaches the acting principal.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the acting principal, or a "system" actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	return Actor{Kind: "system", ID: "system", Name: "system"}
}
