package money

import "strings"

// minorUnits maps every active ISO 4217 code that has a minor unit to its
// number of decimal digits.
//
// Source: ISO 4217 List One, "current currency & funds code list", the XML
// list-one.xml that SIX Group publishes as maintenance agency for ISO
// (https://www.six-group.com/en/products-services/financial-information/data-standards.html),
// edition published 2025-05-12; the CcyMnrUnts column. Relative to the
// 2024-06-25 edition it adds XCG (Caribbean guilder, replacing ANG) and XAD
// (Arab Accounting Dinar) and drops ANG and CUC. Funds codes (BOV, CHE, CHW,
// CLF, COU, MXV, USN, UYI, UYW, XAD) are included: they are active codes.
// Codes whose minor unit is "N.A." are left out, since nothing can be priced
// in them: the metals XAG, XAU, XPD, XPT, the bond market units XBA to XBD,
// XDR, XSU, XUA, the testing code XTS and "no currency" XXX.
//
// ISO 4217 is the rule here, not CLDR: CLDR (and golang.org/x/text/currency,
// which is built from it) gives 0 digits for AFN, ALL, COP, IDR, IQD, IRR,
// LAK, LBP, MMK, PKR, RSD, SYP, UZS, YER and others, and 2 for the "N.A."
// codes above, which is how it rounds cash, not how amounts are recorded.
var minorUnits = func() map[string]int {
	m := map[string]int{}
	for digits, codes := range [...]string{
		0: `BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF`,
		2: `AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN
			BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN
			ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD
			KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR
			MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON
			RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
			TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG`,
		3: `BHD IQD JOD KWD LYD OMR TND`,
		4: `CLF UYW`,
	} {
		for _, c := range strings.Fields(codes) {
			m[c] = digits
		}
	}
	return m
}()
