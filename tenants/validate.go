package tenants

import (
	"net"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/text"
)

// Slug rules: 3-40 characters of a-z, 0-9 and '-', no leading or trailing
// hyphen, no "--", not a reserved word.
var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$`)

var reservedSlugs = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`www www1 www2 admin administrator api app apps console platform static assets
		mail email smtp imap pop pop3 mx ns ns1 ns2 dns ftp sftp ssh vpn cdn img images media files download downloads
		blog help support docs doc status health healthz readyz metrics login logout signup signin register auth oauth
		sso account accounts billing pay payment payments checkout cart shop shops store stores dashboard root system
		dev test staging prod production demo-admin internal localhost wasmart security abuse postmaster hostmaster
		webmaster noreply no-reply news about legal terms privacy cookies contact web dev-null null undefined`) {
		reservedSlugs[w] = true
	}
}

// ValidateSlug checks a shop slug (already lower-cased by the caller).
func ValidateSlug(slug string) error {
	if len(slug) < 3 || len(slug) > 40 {
		return errs.Field("slug", "must be 3 to 40 characters")
	}
	if !slugRE.MatchString(slug) {
		return errs.Field("slug", "may contain only a-z, 0-9 and hyphens, and must not start or end with a hyphen")
	}
	if strings.Contains(slug, "--") {
		return errs.Field("slug", "must not contain two hyphens in a row")
	}
	if reservedSlugs[slug] {
		return errs.Field("slug", "is reserved")
	}
	return nil
}

// requiredEmail is text.NormaliseEmail for an address that must be given.
func requiredEmail(field, s string) (string, error) {
	e, err := text.NormaliseEmail(field, s)
	if err == nil && e == "" {
		return "", errs.Field(field, "is required")
	}
	return e, err
}

func cleanName(field, s string, max int, required bool) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" && required {
		return "", errs.Field(field, "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return "", errs.Field(field, "must be at most %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", errs.Field(field, "contains control characters")
		}
	}
	return s, nil
}

var labelRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// NormalizeHost lower-cases a host name and strips a port and a trailing dot.
func NormalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i+1:], "]") && strings.Count(host, ":") == 1 {
		host = host[:i]
	}
	return strings.TrimSuffix(host, ".")
}

// validateDomain checks a custom domain: a DNS name with at least two labels,
// an alphabetic top-level label, not an IP address, not under the platform's
// base domain or localhost.
func validateDomain(host, base string) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if h == "" {
		return "", errs.Field("domain", "is required")
	}
	if len(h) > 253 || net.ParseIP(h) != nil || strings.ContainsAny(h, ":/ ") {
		return "", errs.Field("domain", "is not a valid domain name")
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "", errs.Field("domain", "must have at least two labels, e.g. shop.example.com")
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return "", errs.Field("domain", "is not a valid domain name")
		}
	}
	tld := labels[len(labels)-1]
	for _, r := range tld {
		if r < 'a' || r > 'z' {
			return "", errs.Field("domain", "must end in an alphabetic top-level domain")
		}
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || (base != "" && (h == base || strings.HasSuffix(h, "."+base))) {
		return "", errs.Field("domain", "must not be under the platform's own domain")
	}
	return h, nil
}

var countries = setOf(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
	BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM
	FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM
	JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
	MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
	RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
	UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

// ValidCountry reports whether c is an ISO 3166-1 alpha-2 code (upper case).
func ValidCountry(c string) bool { return countries[c] }
