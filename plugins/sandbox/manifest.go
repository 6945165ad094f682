package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/sdk"
)

// Manifest describes a plugin module. It is uploaded with the .wasm and
// checked against it (see ValidateModule).
type Manifest struct {
	ID           string            `json:"id"`          // lower-case slug, e.g. "volume-pricing"
	Version      string            `json:"version"`     // semantic version, e.g. "1.2.0"
	ABIVersion   int               `json:"abi_version"` // must be sdk.ABIVersion
	Name         string            `json:"name,omitempty"`
	Description  string            `json:"description,omitempty"`
	Points       []extension.Point `json:"extension_points"`
	ConfigSchema json.RawMessage   `json:"config_schema,omitempty"` // JSON Schema of the config
	Limits       Limits            `json:"limits,omitempty"`
	// PricingInput names the optional pricing input sections the plugin
	// wants after the lines ("codes", "customer", "promotions"; ABI.md
	// §5.2.1). Without it the input is the version 1 layout, so plugins
	// built before the sections existed keep working.
	PricingInput   []string `json:"pricing_input,omitempty"`
	compiledSchema *jsonschema.Schema
}

// Limits are what a plugin asks for; the host clamps them to its caps.
type Limits struct {
	MemoryPages uint32 `json:"memory_pages,omitempty"` // 64 KiB pages
	DeadlineMS  int    `json:"deadline_ms,omitempty"`  // per call, all points
	OutputBytes int    `json:"output_bytes,omitempty"`
	LogBytes    int    `json:"log_bytes,omitempty"`
}

var (
	idRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	versionRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
)

// ParseManifest decodes and validates a manifest (strictly: unknown fields
// are an error).
func ParseManifest(b []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &Failure{Kind: FailInvalidModule, Msg: "manifest is not valid JSON", Err: err}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the manifest on its own (not against a module).
func (m *Manifest) Validate() error {
	if !idRe.MatchString(m.ID) {
		return fail(FailInvalidModule, "manifest id %q must match %s", m.ID, idRe)
	}
	if !versionRe.MatchString(m.Version) {
		return fail(FailInvalidModule, "manifest version %q is not a semantic version", m.Version)
	}
	if m.ABIVersion != sdk.ABIVersion {
		return fail(FailABIMismatch, "manifest abi_version %d, host supports %d", m.ABIVersion, sdk.ABIVersion)
	}
	if len(m.Points) == 0 {
		return fail(FailInvalidModule, "manifest declares no extension point")
	}
	seen := map[extension.Point]bool{}
	for _, p := range m.Points {
		if !p.Valid() {
			return fail(FailInvalidModule, "unknown extension point %q", p)
		}
		if seen[p] {
			return fail(FailInvalidModule, "extension point %q declared twice", p)
		}
		seen[p] = true
	}
	if m.Limits.DeadlineMS < 0 || m.Limits.OutputBytes < 0 || m.Limits.LogBytes < 0 {
		return fail(FailInvalidModule, "negative limit")
	}
	var secs sdk.Sections
	for _, name := range m.PricingInput {
		k := slices.Index(sdk.SectionNames[:], name)
		switch {
		case k < 0:
			return fail(FailInvalidModule, "pricing_input: unknown section %q (known: %s)", name, strings.Join(sdk.SectionNames[:], ", "))
		case secs&(1<<k) != 0:
			return fail(FailInvalidModule, "pricing_input: section %q named twice", name)
		}
		secs |= 1 << k
	}
	if len(m.PricingInput) > 0 && !m.Declares(extension.PointPricing) {
		return fail(FailInvalidModule, "pricing_input is only for a plugin declaring the pricing point")
	}
	if len(m.ConfigSchema) > 0 {
		if _, err := m.schema(); err != nil {
			return &Failure{Kind: FailInvalidModule, Msg: "config_schema is not a valid JSON Schema", Err: err}
		}
	}
	return nil
}

// PricingSections is the set of pricing input sections the manifest asks
// for; names Validate refuses are ignored.
func (m *Manifest) PricingSections() sdk.Sections {
	var secs sdk.Sections
	for _, name := range m.PricingInput {
		if k := slices.Index(sdk.SectionNames[:], name); k >= 0 {
			secs |= 1 << k
		}
	}
	return secs
}

// Declares reports whether the manifest declares point p.
func (m *Manifest) Declares(p extension.Point) bool {
	for _, q := range m.Points {
		if q == p {
			return true
		}
	}
	return false
}

func (m *Manifest) schema() (*jsonschema.Schema, error) {
	if m.compiledSchema != nil {
		return m.compiledSchema, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.ConfigSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	url := "mem://" + m.ID + "/" + m.Version + "/config.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, err
	}
	m.compiledSchema = s
	return s, nil
}

// ValidateConfig checks an installation config against the manifest's
// schema. An empty config is treated as {}.
func (m *Manifest) ValidateConfig(config []byte) error {
	if len(bytes.TrimSpace(config)) == 0 {
		config = []byte("{}")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(config))
	if err != nil {
		return &Failure{Kind: FailInvalidModule, Msg: "config is not valid JSON", Err: err}
	}
	if len(m.ConfigSchema) == 0 {
		return nil
	}
	s, err := m.schema()
	if err != nil {
		return &Failure{Kind: FailInvalidModule, Msg: "config_schema", Err: err}
	}
	if err := s.Validate(doc); err != nil {
		return &Failure{Kind: FailInvalidModule, Msg: "config does not match the schema", Err: err}
	}
	return nil
}

// exportFor returns the guest export implementing p.
func exportFor(p extension.Point) string {
	switch p {
	case extension.PointPricing:
		return sdk.ExportPricing
	case extension.PointRecommendations:
		return sdk.ExportRecommendations
	case extension.PointLogistics:
		return sdk.ExportLogistics
	case extension.PointReporting:
		return sdk.ExportReporting
	}
	return ""
}

// defaultDeadline is the per-call deadline when the manifest asks for none.
func defaultDeadline(p extension.Point) time.Duration {
	if p == extension.PointReporting {
		return 2 * time.Second
	}
	return 50 * time.Millisecond
}

func (m *Manifest) String() string { return fmt.Sprintf("%s@%s", m.ID, m.Version) }
