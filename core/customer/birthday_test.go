package customer_test

import (
	"context"
	"testing"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

func TestShopperSetsBirthdayOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenancy.WithTenant(context.Background(), "shop-birthday")
		svc := customer.New(db, customer.Options{})
		c, _, err := svc.SignUp(ctx, customer.SignUpInput{Email: "bday@example.com", Password: "long enough password"}, customer.SessionMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetOwnBirthday(ctx, c.ID, customer.Birthday{Month: 2, Day: 30}); !isField(err, "birthday.day") {
			t.Fatalf("30 February: %v", err)
		}
		got, err := svc.SetOwnBirthday(ctx, c.ID, customer.Birthday{Month: 6, Day: 14})
		if err != nil || got.Birthday != (customer.Birthday{Month: 6, Day: 14}) {
			t.Fatalf("first time: %+v %v", got, err)
		}
		if _, err := svc.SetOwnBirthday(ctx, c.ID, customer.Birthday{Month: 7, Day: 1}); !errs.Is(err, errs.Conflict) || !isField(err, "birthday") {
			t.Fatalf("second time: %v", err)
		}
		if got, _ := svc.Get(ctx, c.ID); got.Birthday != (customer.Birthday{Month: 6, Day: 14}) {
			t.Fatalf("changed to %+v", got.Birthday)
		}
		// Staff may change it.
		b := customer.Birthday{Month: 7, Day: 1}
		if got, err := svc.Update(ctx, c.ID, customer.UpdateInput{Email: "bday@example.com", Birthday: &b}); err != nil || got.Birthday != b {
			t.Fatalf("staff: %+v %v", got, err)
		}
		if _, err := svc.SetOwnBirthday(ctx, "nobody", customer.Birthday{Month: 1, Day: 1}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown customer: %v", err)
		}
	})
}

func isField(err error, field string) bool {
	e, ok := err.(*errs.Error)
	return ok && e.Field == field
}
