package segment

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
)

// Rule is one node of a segment's rule tree: a condition (Field, Op and
// Value or Values) or a group (Match "all" or "any" over Rules).
//
// Operators by field:
//   - total_spent (minor units), order_count, points_balance: eq, ne, gt,
//     gte, lt, lte with an integer Value;
//   - recency_score, frequency_score, monetary_score (1-5): the same;
//   - last_order: within_days or older_than_days with a number of days
//     (a customer who never ordered is neither);
//   - tier (tier codes), rfm_group (Groups' codes), tag, country (ISO
//     codes), birthday_month (1-12), bought_product (product ids),
//     bought_category (category ids): in (any of) or not_in (none of)
//     with Values (or Value as a comma-separated list);
//   - subscribed (marketing consent): is with Value "true" or "false".
//
// Order figures and RFM scores are those of segment_customer_rfm, as of
// its last computation (Refresh runs every minute).
type Rule struct {
	Match  string   `json:"match,omitempty"`
	Rules  []Rule   `json:"rules,omitempty"`
	Field  string   `json:"field,omitempty"`
	Op     string   `json:"op,omitempty"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
}

// Match values of a group.
const (
	MatchAll = "all"
	MatchAny = "any"
)

// Limits of a rule tree.
const (
	MaxRules  = 50  // conditions and groups in one tree
	MaxDepth  = 4   // nesting of groups, the root being 1
	MaxValues = 200 // values of one in/not_in condition
	maxValue  = 200 // bytes of one value
)

type kind int

const (
	kindInt   kind = iota // integer compare
	kindScore             // 1-5 compare
	kindDays              // within/older than N days
	kindList              // in / not in a list of strings
	kindBool              // is true/false
)

// field is what a rule field may be compared with and how it compiles.
type field struct {
	kind  kind
	expr  string                // SQL of the value (int, list fields); c is the customer row, r its RFM row
	valid func(v string) error  // a list value's check
	set   func(in bool) string  // list fields whose SQL is a set test: the condition for in (true) or not in
	norm  func(v string) string // list value normalisation
	desc  string                // for the rule builder
}

var (
	codeRe    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
)

func anyText(v string) error {
	if v == "" {
		return fmt.Errorf("is empty")
	}
	return nil
}

func monthValue(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 12 {
		return fmt.Errorf("%q is not a month 1-12", v)
	}
	return nil
}

func groupValue(v string) error {
	if GroupByCode(v) == nil {
		return fmt.Errorf("%q is not an RFM group (%s)", v, strings.Join(GroupCodes(), ", "))
	}
	return nil
}

func pattern(re *regexp.Regexp, what string) func(string) error {
	return func(v string) error {
		if !re.MatchString(v) {
			return fmt.Errorf("%q is not %s", v, what)
		}
		return nil
	}
}

func lower(v string) string { return strings.ToLower(v) }
func upper(v string) string { return strings.ToUpper(v) }

func not(in bool, cond string) string {
	if in {
		return cond
	}
	return "NOT " + cond
}

// Fields are the rule fields, by name.
var fields = map[string]field{
	"total_spent":     {kind: kindInt, expr: "COALESCE(r.spent, 0)", desc: "Total spent (minor units)"},
	"order_count":     {kind: kindInt, expr: "COALESCE(r.orders, 0)", desc: "Number of orders"},
	"points_balance":  {kind: kindInt, expr: loyalty.BalanceSQL, desc: "Points balance"},
	"recency_score":   {kind: kindScore, expr: "COALESCE(r.r, 0)", desc: "RFM recency score (1-5)"},
	"frequency_score": {kind: kindScore, expr: "COALESCE(r.f, 0)", desc: "RFM frequency score (1-5)"},
	"monetary_score":  {kind: kindScore, expr: "COALESCE(r.m, 0)", desc: "RFM monetary score (1-5)"},
	"last_order":      {kind: kindDays, expr: "r.last_order_at", desc: "Last order (days ago)"},
	"tier":            {kind: kindList, expr: loyalty.TierSQL, valid: pattern(codeRe, "a tier code"), norm: lower, desc: "Membership tier (codes)"},
	"rfm_group":       {kind: kindList, expr: "COALESCE(r.grp, '')", valid: groupValue, norm: lower, desc: "RFM group"},
	"birthday_month":  {kind: kindList, expr: "COALESCE(c.birth_month, 0)", valid: monthValue, desc: "Birthday month (1-12)"},
	"tag": {kind: kindList, valid: anyText, desc: "Customer tag",
		set: func(in bool) string { return not(in, customer.HasTagSQL) }},
	"country": {kind: kindList, valid: pattern(countryRe, "an ISO country code"), norm: upper, desc: "Country of an address (ISO code)",
		set: func(in bool) string { return not(in, customer.InCountrySQL) }},
	"bought_product": {kind: kindList, valid: anyText, desc: "Bought product (ids)",
		set: func(in bool) string { return not(in, order.BoughtSQL("?")) }},
	"bought_category": {kind: kindList, valid: anyText, desc: "Bought from category (ids)",
		set: func(in bool) string { return not(in, order.BoughtSQL(catalog.CategoryProductsSQL)) }},
	"subscribed": {kind: kindBool, expr: "c.accepts_marketing", desc: "Accepts marketing"},
}

var opsOf = map[kind][]string{
	kindInt:   {"eq", "ne", "gt", "gte", "lt", "lte"},
	kindScore: {"eq", "ne", "gt", "gte", "lt", "lte"},
	kindDays:  {"within_days", "older_than_days"},
	kindList:  {"in", "not_in"},
	kindBool:  {"is"},
}

var compareSQL = map[string]string{"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

// FieldInfo describes a rule field for the console's rule builder.
type FieldInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Ops         []string `json:"ops"`
}

// Fields lists the rule fields with their operators, by name.
func Fields() []FieldInfo {
	out := make([]FieldInfo, 0, len(fields))
	for name, f := range fields {
		out = append(out, FieldInfo{Name: name, Description: f.desc, Ops: opsOf[f.kind]})
	}
	sortBy(out, func(f FieldInfo) string { return f.Name })
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// normalise validates a rule tree in place (trimming values, splitting a
// comma-separated Value of a list rule into Values) and returns an
// errs.Field error naming the first bad part, e.g. "rules[2].field" or
// "rules[0].rules[1].values[3]".
func normalise(match *string, rules []Rule) error {
	n := 0
	return normaliseGroup("", match, rules, 1, &n)
}

func normaliseGroup(path string, match *string, rules []Rule, depth int, n *int) error {
	if *match == "" {
		*match = MatchAll
	}
	if *match != MatchAll && *match != MatchAny {
		return errs.Field(join(path, "match"), "must be all or any")
	}
	if depth > MaxDepth {
		return errs.Field(join(path, "rules"), "groups nest deeper than %d levels", MaxDepth)
	}
	for i := range rules {
		*n++
		if *n > MaxRules {
			return errs.Field(join(path, "rules"), "has more than %d rules", MaxRules)
		}
		r := &rules[i]
		p := fmt.Sprintf("%srules[%d]", prefix(path), i)
		if r.Field == "" && (r.Match != "" || len(r.Rules) > 0) {
			if r.Op != "" || r.Value != "" || len(r.Values) > 0 {
				return errs.Field(p+".op", "a group (match, rules) has no operator or value")
			}
			if err := normaliseGroup(p, &r.Match, r.Rules, depth+1, n); err != nil {
				return err
			}
			continue
		}
		if err := normaliseRule(p, r); err != nil {
			return err
		}
	}
	return nil
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

func join(path, name string) string { return prefix(path) + name }

func normaliseRule(p string, r *Rule) error {
	f, ok := fields[r.Field]
	if !ok {
		return errs.Field(p+".field", "unknown field %q", r.Field)
	}
	if len(r.Rules) > 0 || r.Match != "" {
		return errs.Field(p+".rules", "a condition has no nested rules")
	}
	if !has(opsOf[f.kind], r.Op) {
		return errs.Field(p+".op", "%s takes %s, not %q", r.Field, strings.Join(opsOf[f.kind], ", "), r.Op)
	}
	r.Value = strings.TrimSpace(r.Value)
	if !printable(r.Value) || len(r.Value) > maxValue*MaxValues {
		return errs.Field(p+".value", "has control characters or is too long")
	}
	switch f.kind {
	case kindInt, kindScore, kindDays:
		n, err := strconv.ParseInt(r.Value, 10, 64)
		if err != nil {
			return errs.Field(p+".value", "must be a whole number")
		}
		switch {
		case f.kind == kindScore && (n < 0 || n > 5):
			return errs.Field(p+".value", "must be a score 0-5")
		case f.kind == kindDays && (n < 0 || n > 36500):
			return errs.Field(p+".value", "must be 0 to 36500 days")
		}
		r.Values = nil
	case kindBool:
		if r.Value != "true" && r.Value != "false" {
			return errs.Field(p+".value", "must be true or false")
		}
		r.Values = nil
	case kindList:
		if len(r.Values) == 0 && r.Value != "" {
			r.Values = strings.Split(r.Value, ",")
		}
		r.Value = ""
		if len(r.Values) == 0 {
			return errs.Field(p+".values", "needs at least one value")
		}
		if len(r.Values) > MaxValues {
			return errs.Field(p+".values", "has more than %d values", MaxValues)
		}
		for j, v := range r.Values {
			v = strings.TrimSpace(v)
			if f.norm != nil {
				v = f.norm(v)
			}
			vp := fmt.Sprintf("%s.values[%d]", p, j)
			if !printable(v) || len(v) > maxValue {
				return errs.Field(vp, "has control characters or is longer than %d bytes", maxValue)
			}
			if err := f.valid(v); err != nil {
				return errs.Field(vp, "%s", err.Error())
			}
			r.Values[j] = v
		}
	}
	return nil
}

// compiler turns a validated rule tree into one SQL condition over the
// customer row c and its RFM row r, with its arguments in order.
type compiler struct {
	now  time.Time
	args []any
}

func (c *compiler) group(match string, rules []Rule) string {
	if len(rules) == 0 {
		if match == MatchAny {
			return "1 = 0"
		}
		return "1 = 1"
	}
	sep := " AND "
	if match == MatchAny {
		sep = " OR "
	}
	parts := make([]string, len(rules))
	for i := range rules {
		r := &rules[i]
		if r.Field == "" {
			parts[i] = c.group(r.Match, r.Rules)
		} else {
			parts[i] = c.rule(r)
		}
	}
	return "(" + strings.Join(parts, sep) + ")"
}

func (c *compiler) rule(r *Rule) string {
	f := fields[r.Field]
	switch f.kind {
	case kindInt, kindScore:
		n, _ := strconv.ParseInt(r.Value, 10, 64)
		c.args = append(c.args, n)
		return f.expr + " " + compareSQL[r.Op] + " ?"
	case kindDays:
		n, _ := strconv.ParseInt(r.Value, 10, 64)
		c.args = append(c.args, c.now.Add(-time.Duration(n)*24*time.Hour))
		if r.Op == "within_days" {
			return "(" + f.expr + " IS NOT NULL AND " + f.expr + " >= ?)"
		}
		return "(" + f.expr + " IS NOT NULL AND " + f.expr + " < ?)"
	case kindBool:
		c.args = append(c.args, r.Value == "true")
		return f.expr + " = ?"
	}
	in := r.Op == "in"
	values := any(bun.List(r.Values))
	if r.Field == "birthday_month" {
		ns := make([]int, len(r.Values))
		for i, v := range r.Values {
			ns[i], _ = strconv.Atoi(v)
		}
		values = bun.List(ns)
	}
	c.args = append(c.args, values)
	if f.set != nil {
		return f.set(in)
	}
	if in {
		return f.expr + " IN (?)"
	}
	return f.expr + " NOT IN (?)"
}
