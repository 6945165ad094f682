package session

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
)

// Record writes an audit entry for a change the request made and that has
// committed; the actor comes from the request's context, the tenant from
// the current principal.
func (k *Kit) Record(c *fiber.Ctx, action, objectType, objectID, summary string) {
	k.RecordCtx(c.UserContext(), k.Current(c).TenantID, c.IP(), action, objectType, objectID, summary)
}

// RecordCtx is Record for work that outlives its request (a background
// import): the actor comes from ctx. A failure is logged, not returned:
// the change it describes has already committed.
func (k *Kit) RecordCtx(ctx context.Context, tenantID, ip, action, objectType, objectID, summary string) {
	err := k.cfg.DB.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		return audit.Record(ctx, q, audit.Entry{TenantID: tenantID, Action: action, ObjectType: objectType, ObjectID: objectID, After: summary, IP: ip})
	})
	if err != nil {
		k.cfg.Log.Warn("audit record", "action", action, "err", err)
	}
}
