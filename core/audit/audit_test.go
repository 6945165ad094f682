package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func TestRecordAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithActor(context.Background(), tenancy.Actor{Kind: "staff", ID: "u1", Name: "Ann", IP: "10.0.0.1"})
		a := tenancy.WithTenant(ctx, "ta")
		start := time.Now().UTC().Add(-time.Second)
		// Rolled back with the change: nothing recorded.
		_ = db.Write(a, func(ctx context.Context, q bun.IDB) error {
			if err := audit.Record(ctx, q, audit.Entry{TenantID: "ta", Action: "x.y"}); err != nil {
				return err
			}
			return errors.New("change failed")
		})
		actions := []string{"staff.invite", "staff.remove", "role.create", "role.update", "token.create"}
		for i, act := range actions {
			if err := db.Write(a, func(ctx context.Context, q bun.IDB) error {
				e := audit.Entry{TenantID: "ta", Action: act, ObjectType: "thing", ObjectID: act, Before: "", After: "v"}
				if i == 4 {
					e.ActorKind, e.ActorID = "token", "k1"
				}
				return audit.Record(ctx, q, e)
			}); err != nil {
				t.Fatal(err)
			}
		}
		b := tenancy.WithTenant(ctx, "tb")
		if err := db.Write(b, func(ctx context.Context, q bun.IDB) error {
			return audit.Record(ctx, q, audit.Entry{TenantID: "tb", Action: "staff.invite"})
		}); err != nil {
			t.Fatal(err)
		}
		all, err := audit.List(ctx, db, audit.Filter{TenantID: "ta"})
		if err != nil || len(all.Entries) != 5 {
			t.Fatalf("list: %d %v", len(all.Entries), err)
		}
		if e := all.Entries[0]; e.Action != "token.create" || e.ActorID != "k1" || all.Entries[1].ActorName != "Ann" || all.Entries[1].IP != "10.0.0.1" {
			t.Fatalf("newest first / actor: %+v", all.Entries[:2])
		}
		staff, _ := audit.List(ctx, db, audit.Filter{TenantID: "ta", Action: "staff.*"})
		if len(staff.Entries) != 2 {
			t.Fatalf("prefix filter: %d", len(staff.Entries))
		}
		byActor, _ := audit.List(ctx, db, audit.Filter{TenantID: "ta", ActorID: "u1"})
		if len(byActor.Entries) != 4 {
			t.Fatalf("actor filter: %d", len(byActor.Entries))
		}
		obj, _ := audit.List(ctx, db, audit.Filter{TenantID: "ta", ObjectType: "thing", ObjectID: "role.update"})
		if len(obj.Entries) != 1 {
			t.Fatalf("object filter: %d", len(obj.Entries))
		}
		inRange, _ := audit.List(ctx, db, audit.Filter{TenantID: "ta", From: start, To: time.Now().Add(time.Minute)})
		future, _ := audit.List(ctx, db, audit.Filter{TenantID: "ta", From: time.Now().Add(time.Hour)})
		if len(inRange.Entries) != 5 || len(future.Entries) != 0 {
			t.Fatalf("time filter: %d %d", len(inRange.Entries), len(future.Entries))
		}
		// Cursor pagination walks every entry once.
		seen := map[string]bool{}
		cur := ""
		for pages := 0; ; pages++ {
			p, err := audit.List(ctx, db, audit.Filter{TenantID: "ta", Limit: 2, Cursor: cur})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Entries {
				if seen[e.ID] {
					t.Fatal("duplicate across pages")
				}
				seen[e.ID] = true
			}
			if p.Next == "" {
				break
			}
			cur = p.Next
		}
		if len(seen) != 5 {
			t.Fatalf("paginated %d entries", len(seen))
		}
		_, err = audit.List(ctx, db, audit.Filter{TenantID: "ta", From: time.Now(), To: time.Now().Add(-time.Hour)})
		if e, ok := errors.AsType[*errs.Error](err); !ok || e.Field != "from" {
			t.Fatalf("bad range: %v", err)
		}
	})
}
