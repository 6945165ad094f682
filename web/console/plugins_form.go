package console

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// A config form generated from a plugin manifest's JSON Schema. Supported:
// strings, numbers, integers, booleans, enums, arrays of scalars (one value
// per line), objects with properties (nested), and arrays of objects (one
// fieldset per item plus blank ones to add). Anything else (maps, oneOf,
// ...) is edited as JSON in a textarea. Input names are dotted paths:
// "volume_tiers.0.min_qty". The merchant may also replace the whole form
// with raw JSON ("_raw"). The config is always validated against the
// schema again by the plugins service.

// schemaNode is the part of a JSON Schema the form understands.
type schemaNode struct {
	Type        any                    `json:"type"`
	Title       string                 `json:"title"`
	Description string                 `json:"description"`
	Enum        []any                  `json:"enum"`
	Properties  map[string]*schemaNode `json:"properties"`
	Required    []string               `json:"required"`
	Items       *schemaNode            `json:"items"`
	Minimum     *float64               `json:"minimum"`
	Maximum     *float64               `json:"maximum"`
	Default     any                    `json:"default"`
	Extra       json.RawMessage        `json:"additionalProperties"`
}

func (n *schemaNode) kind() string {
	if n == nil {
		return "json"
	}
	if len(n.Enum) > 0 {
		return "enum"
	}
	t, _ := n.Type.(string)
	switch t {
	case "string", "integer", "number", "boolean":
		return t
	case "object":
		if len(n.Properties) > 0 {
			return "object"
		}
	case "array":
		if n.Items != nil {
			switch n.Items.kind() {
			case "object":
				return "objects"
			case "string", "integer", "number":
				return "list"
			}
		}
	}
	return "json"
}

// formField is one generated input.
type formField struct {
	Name, Label, Kind, Help string
	Value                   string
	Checked, Required       bool
	Options                 []string
	Min, Max                string
	Fields                  []formField   // object
	Items                   [][]formField // objects: existing items, then blank ones
}

func parseSchema(raw []byte) (*schemaNode, error) {
	if len(raw) == 0 {
		return &schemaNode{Type: "object"}, nil
	}
	var n schemaNode
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

func sortedProps(n *schemaNode) []string {
	keys := make([]string, 0, len(n.Properties))
	for k := range n.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func labelOf(name string, n *schemaNode) string {
	if n != nil && n.Title != "" {
		return n.Title
	}
	return strings.ReplaceAll(name, "_", " ")
}

func numStr(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// blankItems is how many empty fieldsets an array of objects offers.
const blankItems = 1

// buildForm turns a schema and the current config into fields.
func buildForm(n *schemaNode, config map[string]any) []formField {
	return objectFields("", n, config)
}

func objectFields(prefix string, n *schemaNode, val map[string]any) []formField {
	req := map[string]bool{}
	for _, r := range n.Required {
		req[r] = true
	}
	var out []formField
	for _, k := range sortedProps(n) {
		out = append(out, fieldOf(prefix+k, k, n.Properties[k], val[k], req[k]))
	}
	return out
}

func fieldOf(name, key string, n *schemaNode, v any, required bool) formField {
	f := formField{Name: name, Label: labelOf(key, n), Kind: n.kind(), Help: n.Description, Required: required,
		Min: numStr(n.Minimum), Max: numStr(n.Maximum)}
	if v == nil && n.Default != nil {
		v = n.Default
	}
	switch f.Kind {
	case "string", "integer", "number":
		f.Value = scalarString(v)
	case "boolean":
		f.Checked, _ = v.(bool)
	case "enum":
		f.Value = scalarString(v)
		for _, e := range n.Enum {
			f.Options = append(f.Options, scalarString(e))
		}
	case "list":
		if arr, ok := v.([]any); ok {
			var lines []string
			for _, x := range arr {
				lines = append(lines, scalarString(x))
			}
			f.Value = strings.Join(lines, "\n")
		}
	case "object":
		m, _ := v.(map[string]any)
		f.Fields = objectFields(name+".", n, m)
	case "objects":
		arr, _ := v.([]any)
		for i := 0; i < len(arr)+blankItems; i++ {
			var m map[string]any
			if i < len(arr) {
				m, _ = arr[i].(map[string]any)
			}
			f.Items = append(f.Items, objectFields(fmt.Sprintf("%s.%d.", name, i), n.Items, m))
		}
	default:
		if v != nil {
			b, _ := json.MarshalIndent(v, "", "  ")
			f.Value = string(b)
		}
	}
	return f
}

// formConfig builds the config document from posted form values.
func formConfig(n *schemaNode, form map[string]string) (map[string]any, error) {
	if raw := strings.TrimSpace(form["_raw"]); raw != "" {
		if err := httpx.CheckJSONText([]byte(raw), "_raw"); err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, errs.Field("_raw", "is not a JSON object: %v", err)
		}
		return m, nil
	}
	return objectValue("", n, form)
}

func objectValue(prefix string, n *schemaNode, form map[string]string) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range sortedProps(n) {
		v, set, err := fieldValue(prefix+k, n.Properties[k], form)
		if err != nil {
			return nil, err
		}
		if set {
			out[k] = v
		}
	}
	return out, nil
}

func scalarValue(name, kind, s string) (any, error) {
	switch kind {
	case "integer":
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errs.Field(name, "must be a whole number")
		}
		return i, nil
	case "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errs.Field(name, "must be a number")
		}
		return f, nil
	}
	return s, nil
}

// fieldValue reads one field; set is false when it was left empty.
func fieldValue(name string, n *schemaNode, form map[string]string) (any, bool, error) {
	s := strings.TrimSpace(form[name])
	switch k := n.kind(); k {
	case "string":
		return s, s != "", nil
	case "integer", "number":
		if s == "" {
			return nil, false, nil
		}
		v, err := scalarValue(name, k, s)
		return v, err == nil, err
	case "boolean":
		_, present := form[name]
		_, shown := form[name+"._present"]
		return present && s != "", present || shown, nil
	case "enum":
		for _, e := range n.Enum {
			if scalarString(e) == s {
				if s == "" {
					return e, false, nil
				}
				return e, true, nil
			}
		}
		if s == "" {
			return nil, false, nil
		}
		return nil, false, errs.Field(name, "must be one of the listed values")
	case "list":
		var out []any
		for _, line := range strings.FieldsFunc(form[name], func(r rune) bool { return r == '\n' || r == ',' }) {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			v, err := scalarValue(name, n.Items.kind(), line)
			if err != nil {
				return nil, false, err
			}
			out = append(out, v)
		}
		return out, len(out) > 0, nil
	case "object":
		m, err := objectValue(name+".", n, form)
		return m, err == nil && len(m) > 0, err
	case "objects":
		// Item indexes present in the form, in order.
		idx := map[int]bool{}
		for key := range form {
			rest, ok := strings.CutPrefix(key, name+".")
			if !ok {
				continue
			}
			head, _, _ := strings.Cut(rest, ".")
			if i, err := strconv.Atoi(head); err == nil && i >= 0 && i < 1000 {
				idx[i] = true
			}
		}
		var order []int
		for i := range idx {
			order = append(order, i)
		}
		sort.Ints(order)
		var out []any
		for _, i := range order {
			m, err := objectValue(fmt.Sprintf("%s.%d.", name, i), n.Items, form)
			if err != nil {
				return nil, false, err
			}
			if onlyFalse(m) {
				continue // a blank item
			}
			out = append(out, m)
		}
		return out, len(out) > 0, nil
	}
	if s == "" {
		return nil, false, nil
	}
	if err := httpx.CheckJSONText([]byte(s), name); err != nil {
		return nil, false, err
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, false, errs.Field(name, "is not valid JSON: %v", err)
	}
	return v, true, nil
}

// onlyFalse reports whether an item holds nothing but false booleans (an
// untouched blank fieldset).
func onlyFalse(m map[string]any) bool {
	for _, v := range m {
		if b, ok := v.(bool); !ok || b {
			return false
		}
	}
	return true
}
