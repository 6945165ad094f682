package pricing_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/pricing"
)

// A cart of two lines delivered to Paris: list prices include French VAT,
// flat-rate delivery is free over €50, and no promotion or plugin is set.
func ExamplePipeline_Price() {
	var p pricing.Pipeline // the zero value: no promotions, no plugins
	res, err := p.Price(context.Background(), &pricing.Input{
		Currency: "EUR",
		Lines: []pricing.Line{
			{ID: "1", VariantID: "shirt-m", Title: "Shirt", Quantity: 2, UnitPrice: 2000, Taxable: true, RequiresShipping: true},
			{ID: "2", VariantID: "mug", Title: "Mug", Quantity: 1, UnitPrice: 1250, Taxable: true, RequiresShipping: true},
		},
		Destination:  pricing.Address{Country: "FR", PostalCode: "75011"},
		ShippingCode: "colissimo",
		Shipping: pricing.ShippingConfig{Zones: []pricing.Zone{{
			Code: "fr", Name: "France", Countries: []string{"FR"},
			Methods: []pricing.Method{{Code: "colissimo", Label: "Colissimo", Kind: pricing.MethodFlat, Price: 490, FreeOver: 5000, MinDays: 2, MaxDays: 3}},
		}}},
		Tax: pricing.TaxConfig{Inclusive: true, ShippingTaxable: true, Rates: []pricing.TaxRate{{Name: "TVA", Country: "FR", RatePPM: 200_000}}},
		Now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("merchandise:", money.Format(res.Merchandise, res.Currency))
	fmt.Println("shipping:", money.Format(res.ShippingTotal, res.Currency), res.Shipping.Label)
	for _, t := range res.Taxes {
		fmt.Println("of which", t.Name+":", money.Format(t.Amount, res.Currency))
	}
	fmt.Println("total:", money.Format(res.Total, res.Currency))
	// Output:
	// merchandise: 52.50
	// shipping: 0.00 Colissimo
	// of which TVA: 8.75
	// total: 52.50
}
