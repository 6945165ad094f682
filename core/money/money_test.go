package money

import (
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/core/errs"
)

func TestDigitsAndKnown(t *testing.T) {
	for _, c := range []struct {
		code   string
		digits int
		known  bool
	}{
		{"USD", 2, true}, {"EUR", 2, true}, {"JPY", 0, true}, {"KRW", 0, true}, {"ISK", 0, true}, {"UYI", 0, true},
		{"KWD", 3, true}, {"BHD", 3, true}, {"IQD", 3, true}, {"TND", 3, true},
		{"CLF", 4, true}, {"UYW", 4, true}, // the two tables this package replaced disagreed on these
		{"COP", 2, true}, {"IDR", 2, true}, // CLDR says 0; ISO 4217 says 2
		{"BOV", 2, true}, {"CHE", 2, true}, {"USN", 2, true}, // funds codes are active codes
		{"XCG", 2, true}, {"ZWG", 2, true}, {"SLE", 2, true}, {"VED", 2, true},
		{"ANG", 2, false}, {"CUC", 2, false}, {"ZWL", 2, false}, {"SLL", 2, false}, {"HRK", 2, false}, // withdrawn
		{"XAU", 2, false}, {"XDR", 2, false}, {"XTS", 2, false}, {"XXX", 2, false}, // no minor unit
		{"eur", 2, false}, {"EURO", 2, false}, {"", 2, false}, {"ABC", 2, false},
	} {
		if d := Digits(c.code); d != c.digits {
			t.Errorf("Digits(%q) = %d, want %d", c.code, d, c.digits)
		}
		if k := Known(c.code); k != c.known {
			t.Errorf("Known(%q) = %v, want %v", c.code, k, c.known)
		}
	}
	counts := map[int]int{}
	for _, d := range minorUnits {
		counts[d]++
	}
	// List One of 2025-05-12: 179 codes, of which 13 have no minor unit.
	if len(minorUnits) != 166 || counts[0] != 17 || counts[2] != 140 || counts[3] != 7 || counts[4] != 2 {
		t.Errorf("table has %d codes, by digits %v", len(minorUnits), counts)
	}
	for c := range minorUnits {
		if len(c) != 3 || strings.ToUpper(c) != c {
			t.Errorf("malformed code %q", c)
		}
	}
}

func TestFormatAndDisplay(t *testing.T) {
	for _, c := range []struct {
		amount        int64
		cur           string
		plain, person string
	}{
		{1250, "USD", "12.50", "12.50 USD"},
		{5, "EUR", "0.05", "0.05 EUR"},
		{0, "EUR", "0.00", "0.00 EUR"},
		{-5, "EUR", "-0.05", "-0.05 EUR"},
		{1250, "JPY", "1250", "1250 JPY"}, // not "12.50 JPY"
		{-1250, "JPY", "-1250", "-1250 JPY"},
		{1250, "KWD", "1.250", "1.250 KWD"},
		{-7, "BHD", "-0.007", "-0.007 BHD"},
		{1, "CLF", "0.0001", "0.0001 CLF"},
		{123456789, "UYW", "12345.6789", "12345.6789 UYW"},
		{MaxAmount, "USD", "10000000000000.00", "10000000000000.00 USD"},
		{math.MaxInt64, "USD", "92233720368547758.07", "92233720368547758.07 USD"},
		{math.MinInt64, "USD", "-92233720368547758.08", "-92233720368547758.08 USD"},
	} {
		if s := Format(c.amount, c.cur); s != c.plain {
			t.Errorf("Format(%d, %s) = %q, want %q", c.amount, c.cur, s, c.plain)
		}
		if s := (Formatter{}).Display(c.amount, c.cur); s != c.person {
			t.Errorf("Display(%d, %s) = %q, want %q", c.amount, c.cur, s, c.person)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
	}{
		{"12.50", "USD", 1250},
		{"12.5", "USD", 1250},
		{"12", "USD", 1200},
		{"0.99", "EUR", 99},
		{"0", "EUR", 0},
		{"007.10", "EUR", 710},
		{" 12.50 ", "USD", 1250},
		{"1250", "JPY", 1250},
		{"1000.00", "JPY", 1000}, // spreadsheet and Shopify form: zeros up to two decimals
		{"1000.0", "JPY", 1000},
		{"1.250", "KWD", 1250},
		{"1.25", "KWD", 1250},
		{"12", "KWD", 12000},
		{"1.2345", "CLF", 12345},
		{"1", "CLF", 10000},
		{"0.0001", "UYW", 1},
		{"10000000000000.00", "USD", MaxAmount},
		{"1000000000000000", "JPY", MaxAmount},
	} {
		got, err := Parse("price", c.in, c.cur)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q, %s) = %d, %v; want %d", c.in, c.cur, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in, cur string
		says    []string
	}{
		{"", "USD", []string{"is empty", "1250.00"}},
		{"   ", "JPY", []string{"is empty; write an amount like 1250"}},
		{"-5", "USD", []string{"must not be negative", `"-5"`, "1250.00"}},
		{"-0", "USD", []string{"must not be negative"}},
		{"+5", "USD", []string{`"+5" is not an amount`, "1250.00"}},
		{"12,50", "EUR", []string{`"12,50" is not an amount`, "dot for decimals", "1250.00"}},
		{"1,250", "USD", []string{"is not an amount"}},
		{"1,250.00", "USD", []string{"is not an amount"}},
		{"1.250,00", "EUR", []string{"is not an amount"}},
		{"1 250.00", "EUR", []string{"is not an amount"}},
		{"1_250", "EUR", []string{"is not an amount"}},
		{"12.5.0", "USD", []string{"is not an amount"}},
		{".5", "USD", []string{"is not an amount"}},
		{"12.", "USD", []string{"is not an amount"}},
		{"$5", "USD", []string{"is not an amount"}},
		{"5 EUR", "EUR", []string{"is not an amount"}},
		{"1e3", "USD", []string{"is not an amount"}},
		{"twelve", "KWD", []string{"is not an amount", "1250.000"}},
		{"١٢", "USD", []string{"is not an amount"}}, // Arabic-Indic digits
		{"1.250", "USD", []string{"more decimals than USD", `"1.250"`, "1250.00"}},
		{"12.500", "USD", []string{"more decimals than USD"}}, // three decimals for a two-decimal currency: never guessed
		{"12.50", "JPY", []string{"more decimals than JPY", "like 1250"}},
		{"12.000", "JPY", []string{"more decimals than JPY"}},
		{"1.2500", "KWD", []string{"more decimals than KWD", "1250.000"}},
		{"1.23456", "CLF", []string{"more decimals than CLF", "1250.0000"}},
		{"10000000000000.01", "USD", []string{"is too large", "10000000000000.00"}},
		{"1000000000000001", "JPY", []string{"is too large"}},
		{"99999999999999999999999", "USD", []string{"is too large"}},
		{"92233720368547758.08", "USD", []string{"is too large"}},
	} {
		got, err := Parse("variants[0].price", c.in, c.cur)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != "variants[0].price" {
			t.Errorf("Parse(%q, %s) = %d, %v; want an Invalid error about variants[0].price", c.in, c.cur, got, err)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(e.Message, s) {
				t.Errorf("Parse(%q, %s): %q does not say %q", c.in, c.cur, e.Message, s)
			}
		}
		if Digits(c.cur) == 0 && strings.Contains(e.Message, "1250.") {
			t.Errorf("Parse(%q, %s): %q shows decimals for a currency without", c.in, c.cur, e.Message)
		}
	}
}

func TestCheckUnitPrice(t *testing.T) {
	for _, ok := range []int64{0, 1, MaxUnitPrice} {
		if err := CheckUnitPrice("price", ok, "EUR"); err != nil {
			t.Errorf("%d: %v", ok, err)
		}
	}
	for _, c := range []struct {
		amount int64
		cur    string
		says   string
	}{
		{-1, "EUR", "must not be negative"},
		{math.MinInt64, "EUR", "must not be negative"},
		{MaxUnitPrice + 1, "EUR", "at most 100000000.00 EUR"},
		{MaxUnitPrice + 1, "JPY", "at most 10000000000 JPY"},
		{MaxUnitPrice + 1, "KWD", "at most 10000000.000 KWD"},
		{math.MaxInt64, "", "at most 10000000000 minor units"},
	} {
		err := CheckUnitPrice("cost", c.amount, c.cur)
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "cost" || !strings.Contains(e.Message, c.says) {
			t.Errorf("CheckUnitPrice(%d, %s) = %v, want %q", c.amount, c.cur, err, c.says)
		}
	}
}

func TestRoundDiv(t *testing.T) {
	for _, c := range []struct{ a, b, c, want int64 }{
		{5, 1, 2, 3},   // 2.5 → 3: half away from zero
		{-5, 1, 2, -3}, // -2.5 → -3
		{4, 1, 3, 1},
		{5, 1, 3, 2},
		{-4, 1, 3, -1},
		{0, 7, 3, 0},
		{999, 100_000, 1_000_000, 100},  // 10 % tax on 999 yen: 99.9 → 100
		{1250, 200_000, 1_200_000, 208}, // VAT inside a 12.50 price: 208.33 → 208
		{MaxAmount, 1_000_000, 1_000_000, MaxAmount}, // a*b past 2^63, exact
		{1 << 62, 4, 8, MaxAmount},                   // saturates
		{-(1 << 62), 4, 8, -MaxAmount},
		{math.MaxInt64, math.MaxInt64, 1, MaxAmount}, // quotient past 2^64
		{math.MinInt64, 1, 1, -MaxAmount},
		{-(1 << 40), 3, 2, -(3 << 39)},
	} {
		if got := RoundDiv(c.a, c.b, c.c); got != c.want {
			t.Errorf("RoundDiv(%d, %d, %d) = %d, want %d", c.a, c.b, c.c, got, c.want)
		}
	}
}

// currencies is one of each number of digits, for the fuzz tests.
var currencies = []string{"JPY", "USD", "KWD", "CLF"}

// FuzzParseFormat checks that every amount Format writes, Parse reads back,
// and that whatever Parse accepts is a non-negative amount within MaxAmount
// that Format then writes in a form Parse reads to the same value.
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"12.50", "0", "1000.00", "1.250", "12,50", "-1", "007", "1.", ".5", "99999999999999999999", "10000000000000.00"} {
		for i := range currencies {
			f.Add(s, uint8(i), int64(len(s))*1_000_003)
		}
	}
	f.Fuzz(func(t *testing.T, s string, which uint8, n int64) {
		cur := currencies[int(which)%len(currencies)]
		if n < 0 {
			n = -(n + 1)
		}
		n %= MaxAmount + 1
		if got, err := Parse("amount", Format(n, cur), cur); err != nil || got != n {
			t.Fatalf("Parse(Format(%d, %s) = %q) = %d, %v", n, cur, Format(n, cur), got, err)
		}
		v, err := Parse("amount", s, cur)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Field != "amount" || e.Code != errs.Invalid {
				t.Fatalf("Parse(%q, %s): %v is not a field error", s, cur, err)
			}
			return
		}
		if v < 0 || v > MaxAmount {
			t.Fatalf("Parse(%q, %s) = %d, out of range", s, cur, v)
		}
		if back, err := Parse("amount", Format(v, cur), cur); err != nil || back != v {
			t.Fatalf("Parse(%q, %s) = %d, but Format gives %q which reads as %d, %v", s, cur, v, Format(v, cur), back, err)
		}
	})
}

func TestPortionSlicesSumExactly(t *testing.T) {
	for _, c := range []struct{ total, part, whole, want int64 }{
		{10, 1, 3, 3}, {10, 2, 3, 6}, {10, 3, 3, 10}, {-10, 1, 3, -3}, {0, 1, 2, 0},
		{MaxAmount, 1, 2, MaxAmount / 2}, {5, 4, 3, 0}, {5, -1, 3, 0}, {5, 1, 0, 0},
	} {
		if got := Portion(c.total, c.part, c.whole); got != c.want {
			t.Errorf("Portion(%d, %d, %d) = %d, want %d", c.total, c.part, c.whole, got, c.want)
		}
	}
	// Any split of a whole into slices, taken cumulatively, gives back
	// exactly the total and never more along the way.
	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 5000; n++ {
		whole := 1 + rng.Int63n(50)
		total := rng.Int63n(1_000_000)
		var taken, got int64
		for taken < whole {
			k := 1 + rng.Int63n(whole-taken)
			slice := Portion(total, taken+k, whole) - Portion(total, taken, whole)
			if slice < 0 {
				t.Fatalf("negative slice %d", slice)
			}
			got += slice
			taken += k
			if got > total {
				t.Fatalf("slices %d past total %d", got, total)
			}
		}
		if got != total {
			t.Fatalf("slices sum %d, total %d", got, total)
		}
	}
}
