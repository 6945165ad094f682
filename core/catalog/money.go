package catalog

import (
	"strconv"
	"strings"

	"github.com/wasmart/wasmart/core/errs"
)

// CurrencyDigits returns the number of minor-unit digits of an ISO 4217
// currency (2 unless listed otherwise).
func CurrencyDigits(currency string) int {
	switch strings.ToUpper(currency) {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// ValidCurrency reports whether c looks like an ISO 4217 code.
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// ParseAmount parses a decimal price such as "12.50", "12,50", "1,234.50",
// "1.234,50" or "12" into minor units of currency. It refuses negative
// amounts, more decimals than the currency has, and anything that is not a
// number. field names the input in the error.
func ParseAmount(s, currency, field string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errs.Field(field, "is empty")
	}
	if strings.HasPrefix(s, "-") {
		return 0, errs.Field(field, "must not be negative (%q)", s)
	}
	s = strings.TrimPrefix(s, "+")
	digits := CurrencyDigits(currency)
	// Decide which of '.' and ',' is the decimal separator: the last one
	// present, unless it is followed by exactly three digits and the other
	// separator is absent and there are several groups ("1,234,567").
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	dec := -1
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = max(lastDot, lastComma)
	case lastDot >= 0:
		dec = lastDot
		if strings.Count(s, ".") > 1 {
			dec = -1 // "1.234.567": thousands only
		}
	case lastComma >= 0:
		dec = lastComma
		if strings.Count(s, ",") > 1 || (len(s)-lastComma-1 == 3 && digits != 3) {
			dec = -1 // "1,234" or "1,234,567": thousands only
		}
	}
	intPart, frac := s, ""
	if dec >= 0 {
		intPart, frac = s[:dec], s[dec+1:]
	}
	intPart = strings.NewReplacer(",", "", ".", "", " ", "", "_", "", "'", "").Replace(intPart)
	if intPart == "" {
		intPart = "0"
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, errs.Field(field, "is not a number (%q)", s)
		}
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > digits {
		return 0, errs.Field(field, "has more decimals than %s allows (%q)", strings.ToUpper(currency), s)
	}
	for len(frac) < digits {
		frac += "0"
	}
	if len(intPart) > 15 {
		return 0, errs.Field(field, "is too large (%q)", s)
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, errs.Field(field, "is not a number (%q)", s)
	}
	return n, nil
}

// FormatAmount renders minor units as a plain decimal ("12.50"), the form
// Shopify's CSV uses.
func FormatAmount(v int64, currency string) string {
	digits := CurrencyDigits(currency)
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
