// Package money is Wasmart's one place for amounts of money: which
// currencies exist and how many decimals each has (Known, Digits, from ISO
// 4217), the plain decimal form that files and feeds use (Format) and the
// one rule for reading an amount someone typed or a file holds (Parse), the
// form people read (Formatter), the limits every price and total stays
// within (MaxUnitPrice, MaxAmount, CheckUnitPrice), and exact proportional
// rounding (RoundDiv).
//
// An amount is an int64 count of the currency's minor unit: cents for USD,
// yen for JPY, fils (1/1000) for KWD, 1/10000 for CLF. Floats are never
// used. The package owns no tables and imports only core/errs.
package money

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/wasmart/wasmart/core/errs"
)

// Limits on amounts, chosen so no sum can overflow int64.
const (
	// MaxAmount caps any single unit price, fee or total (10^15 minor units).
	MaxAmount = 1_000_000_000_000_000
	// MaxUnitPrice caps a unit price so quantity × price × lines fits int64
	// (pricing.MaxLines × pricing.MaxQuantity × MaxUnitPrice = 5·10^17). It
	// is the one limit: the catalog checks prices against it where they are
	// set (CheckUnitPrice), and checkout where they are priced.
	MaxUnitPrice = 10_000_000_000 // 10^10 minor units: 100 million USD
)

// Digits returns the number of minor-unit digits ISO 4217 gives a currency
// (JPY 0, USD 2, KWD 3, CLF 4). A code that is not Known gets 2.
func Digits(currency string) int {
	if d, ok := minorUnits[currency]; ok {
		return d
	}
	return 2
}

// Known reports whether c is an active ISO 4217 code with a minor unit, that
// is a currency a shop can price in. Codes are upper case: "EUR", not "eur".
func Known(c string) bool {
	_, ok := minorUnits[c]
	return ok
}

// Format writes an amount as a plain decimal in the currency's major unit:
// exactly Digits decimals after a dot, no grouping, a leading "-" when
// negative ("12.50" for 1250 USD, "1250" for 1250 JPY, "1.250" for 1250 KWD,
// "-0.05"). It is the form files and machine-read markup (CSV, JSON-LD) use,
// and the form Parse reads back; people get Formatter.Display.
func Format(amount int64, currency string) string {
	d := Digits(currency)
	u := uint64(amount)
	if amount < 0 {
		u = -u // two's complement: right for math.MinInt64 too
	}
	s := strconv.FormatUint(u, 10)
	if d > 0 {
		if len(s) <= d {
			s = strings.Repeat("0", d+1-len(s)) + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if amount < 0 {
		s = "-" + s
	}
	return s
}

// Parse reads a non-negative amount of currency that a person typed or a
// file holds, into minor units. There is one rule, so a price is never
// guessed: digits, optionally a dot and decimals; no sign, no thousands
// separators, no comma for decimals ("1.250" and "1,250" are refused rather
// than read one way or the other). At most the currency's decimals count,
// except that zeros past them are allowed up to two decimals ("1000.00" is
// 1000 JPY, as spreadsheets and Shopify exports write it; "12.50" is not).
// Surrounding spaces are ignored. Amounts above MaxAmount are refused.
//
// Every error is an errs.Field error naming field, showing what was given
// and an amount written the currency's way ("1250.00", "1250", "1250.000").
func Parse(field, s, currency string) (int64, error) {
	d := Digits(currency)
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errs.Field(field, "is empty; write an amount like %s", example(currency))
	}
	if s[0] == '-' {
		return 0, errs.Field(field, "must not be negative (%q); write an amount like %s", s, example(currency))
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") || !allDigits(whole) || !allDigits(frac) {
		return 0, errs.Field(field, "%q is not an amount; write it with a dot for decimals and no thousands separators, like %s", s, example(currency))
	}
	if len(frac) > max(d, 2) || strings.TrimRight(frac[min(d, len(frac)):], "0") != "" {
		return 0, errs.Field(field, "has more decimals than %s allows (%q); write it like %s", currency, s, example(currency))
	}
	frac = frac[:min(d, len(frac))] + strings.Repeat("0", d-min(d, len(frac)))
	whole = strings.TrimLeft(whole, "0")
	n, err := strconv.ParseInt("0"+whole+frac, 10, 64)
	if err != nil || n > MaxAmount { // all digits: err means out of range
		return 0, errs.Field(field, "is too large (%q); the largest amount is %s", s, Format(MaxAmount, currency))
	}
	return n, nil
}

// example is 1250 in the currency's major unit, written the way Parse
// reads it.
func example(currency string) string {
	d := Digits(currency)
	if d == 0 {
		return "1250"
	}
	return "1250." + strings.Repeat("0", d)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckUnitPrice is the one check of a unit price (a variant's price,
// compare-at price or cost): 0 to MaxUnitPrice minor units. field names the
// input in the error; currency, when known, words the limit in it.
func CheckUnitPrice(field string, amount int64, currency string) error {
	if amount >= 0 && amount <= MaxUnitPrice {
		return nil
	}
	if amount < 0 {
		return errs.Field(field, "must not be negative")
	}
	limit := strconv.FormatInt(MaxUnitPrice, 10) + " minor units"
	if currency != "" {
		limit = Formatter{}.Display(MaxUnitPrice, currency)
	}
	return errs.Field(field, "must be at most %s, the largest price checkout accepts", limit)
}

// RoundDiv returns a*b/c rounded half away from zero, computed with a
// 128-bit intermediate so a*b cannot overflow; a result beyond MaxAmount
// saturates to ±MaxAmount. c must be > 0; a may be negative, b must be >= 0.
func RoundDiv(a, b, c int64) int64 {
	neg := a < 0
	ua := uint64(a)
	if neg {
		ua = -ua
	}
	hi, lo := bits.Mul64(ua, uint64(b))
	uc := uint64(c)
	if hi >= uc { // quotient would overflow: saturate
		if neg {
			return -MaxAmount
		}
		return MaxAmount
	}
	q, r := bits.Div64(hi, lo, uc)
	if r >= uc-r { // r*2 >= c without overflow
		q++
	}
	if q > uint64(MaxAmount) {
		q = uint64(MaxAmount)
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// Portion is the part of total that part units of whole carry, rounded
// down: floor(total × part / whole), with a 128-bit intermediate. total
// may be negative (the result is then rounded toward zero); 0 <= part <=
// whole and whole > 0, else 0. Taking slices of a whole cumulatively —
// Portion(t, k, n) − Portion(t, j, n) for units j+1…k — never sums past t
// and gives exactly t once all n units are taken, whatever the split:
// returns and their discounts are reversed that way.
func Portion(total, part, whole int64) int64 {
	if whole <= 0 || part < 0 || part > whole {
		return 0
	}
	neg := total < 0
	ut := uint64(total)
	if neg {
		ut = -ut
	}
	hi, lo := bits.Mul64(ut, uint64(part))
	q, _ := bits.Div64(hi, lo, uint64(whole)) // part <= whole: no overflow
	if neg {
		return -int64(q)
	}
	return int64(q)
}
