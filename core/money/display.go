package money

// Formatter writes amounts for people to read: on pages, in e-mails, in
// messages. The zero Formatter is the one style Wasmart has today, the
// plain decimal followed by the ISO code: "12.50 EUR", "1250 JPY",
// "-0.050 KWD". Formatting per locale (decimal and grouping separators,
// symbols, where the currency goes) belongs here: a Formatter will be made
// for a locale and handed to whatever renders, and calls to Display stay as
// they are.
type Formatter struct{}

// Display writes an amount in minor units of currency for people.
func (Formatter) Display(amount int64, currency string) string {
	return Format(amount, currency) + " " + currency
}
