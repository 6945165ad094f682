package pricing

import (
	"math/bits"
	"strconv"
	"strings"
)

// minorDigits is the ISO 4217 exponent of every currency whose minor unit
// is not 1/100. Codes not listed (and known in currencies) use 2.
var minorDigits = map[string]int{
	// zero-decimal currencies
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	// three-decimal currencies
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// four-decimal (funds codes)
	"CLF": 4, "UYW": 4,
}

// known is the set of common ISO 4217 codes accepted as shop currencies.
var known = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
	CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
	HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
	MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
	QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
	UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL`) {
		m[c] = true
	}
	return m
}()

// Digits returns the number of minor-unit digits of an ISO 4217 currency
// (JPY 0, USD 2, KWD 3). Unknown codes get 2.
func Digits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

// KnownCurrency reports whether c is an ISO 4217 code this package knows.
func KnownCurrency(c string) bool { return known[c] }

// Format renders an amount in minor units as a decimal string in the
// currency's major unit ("12.50" for 1250 USD, "1250" for 1250 JPY,
// "1.250" for 1250 KWD).
func Format(amount int64, currency string) string {
	d := Digits(currency)
	neg := amount < 0
	u := uint64(amount)
	if neg {
		u = uint64(-amount)
	}
	s := strconv.FormatUint(u, 10)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// RoundDiv returns a*b/c rounded half away from zero, computed with a
// 128-bit intermediate so a*b cannot overflow. c must be > 0; a may be
// negative, b must be >= 0.
func RoundDiv(a, b, c int64) int64 {
	neg := a < 0
	ua := uint64(a)
	if neg {
		ua = uint64(-a)
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
