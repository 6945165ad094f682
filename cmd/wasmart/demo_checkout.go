package main

import (
	"context"

	"github.com/wasmart/wasmart/core/checkout"
	"github.com/wasmart/wasmart/core/pricing"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// seedDemoCheckout gives the demo shop checkout settings a shopper can buy
// with: prices in the shop's currency including French VAT, delivery in
// France (Colissimo, free over 50, pick-up in the shop) and the rest of the
// EU, a 30-day return window. It leaves settings a merchant saved alone
// (any shipping zone counts as saved).
func seedDemoCheckout(ctx context.Context, ts *tenants.Service, db *store.DB) error {
	t, err := ts.TenantBySlug(ctx, demoSlug)
	if err != nil {
		return err
	}
	ctx = tenancy.WithActor(tenancy.WithTenant(ctx, t.ID), tenancy.Actor{Kind: "system", ID: "demo-seed", Name: "Demo seed"})
	cur, err := checkout.GetSettings(ctx, db)
	if err != nil {
		return err
	}
	if len(cur.Shipping.Zones) > 0 || len(cur.Shipping.Pickup) > 0 {
		return nil
	}
	eu := []string{"AT", "BE", "DE", "ES", "IE", "IT", "LU", "NL", "PT"}
	s := checkout.Settings{Currency: t.Currency, HoldHours: 72, ReturnWindowDays: 30,
		Tax: pricing.TaxConfig{Inclusive: true, ShippingTaxable: true, Rates: []pricing.TaxRate{{Name: "TVA", Country: "FR", RatePPM: 200_000}}},
		Shipping: pricing.ShippingConfig{
			Zones: []pricing.Zone{
				{Code: "fr", Name: "France", Countries: []string{"FR"}, Methods: []pricing.Method{
					{Code: "colissimo", Label: "Colissimo", Kind: pricing.MethodFlat, Price: 490, FreeOver: 5000, MinDays: 2, MaxDays: 3},
					{Code: "chronopost", Label: "Chronopost express", Kind: pricing.MethodFlat, Price: 1290, MinDays: 1, MaxDays: 1}}},
				{Code: "eu", Name: "European Union", Countries: eu, Methods: []pricing.Method{
					{Code: "eu-post", Label: "International post", Kind: pricing.MethodWeight, Rates: []pricing.WeightRate{{UpToGrams: 2000, Price: 990}, {UpToGrams: 10000, Price: 1990}}, MinDays: 3, MaxDays: 7}}},
			},
			Pickup: []pricing.Method{{Code: "pickup", Label: "Pick up at the shop (Paris)", Kind: pricing.MethodPickup, Location: "1 Rue de l'Exemple, Paris"}},
		}}
	if t.Currency == "" {
		s.Currency = "EUR"
	}
	return checkout.SaveSettings(ctx, db, s)
}
