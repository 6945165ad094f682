package money_test

import (
	"fmt"

	"github.com/wasmart/wasmart/core/money"
)

// A price typed into a form or read from a CSV file, stored in minor units,
// written back for a file and shown to a person.
func Example() {
	for _, c := range []struct{ typed, currency string }{{"12.5", "EUR"}, {"1000.00", "JPY"}, {"1.250", "KWD"}, {"1,250", "USD"}} {
		amount, err := money.Parse("price", c.typed, c.currency)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(amount, money.Format(amount, c.currency), money.Formatter{}.Display(amount, c.currency))
	}
	// Output:
	// 1250 12.50 12.50 EUR
	// 1000 1000 1000 JPY
	// 1250 1.250 1.250 KWD
	// invalid: "1,250" is not an amount; write it with a dot for decimals and no thousands separators, like 1250.00 (price)
}
