package sdk

import (
	"errors"
	"go/build"
	"reflect"
	"strings"
	"testing"
)

func samplePricing() *PricingInput {
	return &PricingInput{Currency: "EUR", NowMs: -5, CustomerID: "c", CustomerTags: []string{"vip", strings.Repeat("x", 300)},
		Lines: []Line{
			{ID: "1", VariantID: "v", ProductID: "p", SKU: "s", Quantity: 3, UnitPrice: 1 << 40, Tags: []string{"a"}, Categories: []string{"b", "c"}},
			{ID: strings.Repeat("l", 200), Quantity: -1, UnitPrice: -7, Tags: make([]string, 20)},
		}}
}

func TestRoundTrips(t *testing.T) {
	var e Encoder
	check := func(name string, enc func(), dec func(*Decoder) error, want, got any) {
		t.Helper()
		e.B = e.B[:0]
		enc()
		for _, alias := range []bool{false, true} {
			d := NewDecoder(append([]byte(nil), e.B...), alias)
			if err := dec(d); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(normalize(want), normalize(got)) {
				t.Fatalf("%s (alias %v):\n got %+v\nwant %+v", name, alias, got, want)
			}
		}
	}
	pin := samplePricing()
	var pout PricingInput
	check("pricing input", func() { e.EncodePricingInput(pin) }, func(d *Decoder) error { return d.DecodePricingInput(&pout) }, pin, &pout)

	pin = samplePricing()
	pin.Sections = SectionCodes | SectionCustomer | SectionPromotions
	pin.Codes, pin.SignedIn = []string{"SUMMER", "x"}, true
	pin.Promotions = []AppliedPromotion{{ID: "p1", Code: "SUMMER", Label: "Summer", Class: ClassProduct, Amount: 300, Lines: []LineAmount{{LineID: "1", Amount: -300}}},
		{ID: "p2", Label: "Spend 50", Class: ClassOrder, Amount: 500}}
	var pctx PricingInput
	check("pricing input with sections", func() { e.EncodePricingInput(pin) }, func(d *Decoder) error { return d.DecodePricingInput(&pctx) }, pin, &pctx)
	pin.Sections, pin.Codes, pin.SignedIn, pin.Promotions = SectionCustomer, nil, true, nil
	check("pricing input with one section", func() { e.EncodePricingInput(pin) }, func(d *Decoder) error { return d.DecodePricingInput(&pctx) }, pin, &pctx)

	po := &PricingOutput{Adjustments: []Adjustment{{Level: LevelLine, LineID: "1", Amount: -300, Label: "x", Code: "y"}, {Level: LevelOrder, Amount: 5}}}
	var po2 PricingOutput
	check("pricing output", func() { e.EncodePricingOutput(po) }, func(d *Decoder) error { return d.DecodePricingOutput(&po2) }, po, &po2)
	po.Adjustments[1].Class = ClassOrder
	check("pricing output with classes", func() { e.EncodePricingOutput(po) }, func(d *Decoder) error { return d.DecodePricingOutput(&po2) }, po, &po2)

	ri := &RecommendInput{Placement: "cart", ProductID: "p", CartProductIDs: []string{"a", "b"}, Limit: 4, NowMs: 9,
		Candidates:  []Candidate{{ProductID: "a", Categories: []string{"c"}, Price: 100, SoldUnits: 3, InStock: true}, {ProductID: "b"}},
		CoPurchases: []CoPurchase{{ProductID: "a", WithProductID: "b", Orders: 2}}}
	var ri2 RecommendInput
	check("recommend input", func() { e.EncodeRecommendInput(ri) }, func(d *Decoder) error { return d.DecodeRecommendInput(&ri2) }, ri, &ri2)

	ro := &RecommendOutput{Items: []Recommendation{{ProductID: "a", Score: -1, Reason: "r"}}}
	var ro2 RecommendOutput
	check("recommend output", func() { e.EncodeRecommendOutput(ro) }, func(d *Decoder) error { return d.DecodeRecommendOutput(&ro2) }, ro, &ro2)

	li := &LogisticsInput{Country: "DE", Region: "DE-BY", PostalCode: "80331", WeightGrams: 1200, LengthMM: 1, WidthMM: 2, HeightMM: 3, Value: 5000, Currency: "EUR", Items: 2, NowMs: 7}
	var li2 LogisticsInput
	check("logistics input", func() { e.EncodeLogisticsInput(li) }, func(d *Decoder) error { return d.DecodeLogisticsInput(&li2) }, li, &li2)

	lo := &LogisticsOutput{Options: []DeliveryOption{{Code: "std", Label: "Standard", Price: 490, MinDays: 1, MaxDays: 3}}}
	var lo2 LogisticsOutput
	check("logistics output", func() { e.EncodeLogisticsOutput(lo) }, func(d *Decoder) error { return d.DecodeLogisticsOutput(&lo2) }, lo, &lo2)

	rin := &ReportInput{Report: "rfm", Currency: "EUR", NowMs: 1, Params: []Param{{"k", "v"}},
		Datasets: []Dataset{{Name: "d", Columns: []Column{{"a", ColString}, {"b", ColInt}}, Rows: [][]Cell{{{Str: "x"}, {Int: -3}}, {{Str: ""}, {Int: 1 << 62}}}}}}
	var rin2 ReportInput
	check("report input", func() { e.EncodeReportInput(rin) }, func(d *Decoder) error { return d.DecodeReportInput(&rin2) }, rin, &rin2)

	rout := &ReportOutput{Title: "t", Columns: []Column{{"a", ColInt}}, Rows: [][]Cell{{{Int: 4}}},
		Charts: []Chart{{Kind: "bar", Title: "c", Labels: []string{"x"}, Series: []Series{{Name: "s", Values: []int64{4}}}}}}
	var rout2 ReportOutput
	check("report output", func() { e.EncodeReportOutput(rout) }, func(d *Decoder) error { return d.DecodeReportOutput(&rout2) }, rout, &rout2)
}

// normalize maps nil and empty slices to the same thing for DeepEqual.
func normalize(v any) any {
	rv := reflect.ValueOf(v)
	return norm(rv).Interface()
}

func norm(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		return norm(v.Elem())
	case reflect.Slice:
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(norm(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(norm(v.Field(i)))
			}
		}
		return out
	}
	return v
}

func TestMalformed(t *testing.T) {
	for _, b := range [][]byte{
		nil, {0x80}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		{1, 'E', 0, 0, 0, 0xff, 0xff, 0x03}, // a huge line count
		{3, 'E', 'U', 'R', 0, 0, 0, 0, 9},   // trailing byte
	} {
		var in PricingInput
		if err := NewDecoder(b, false).DecodePricingInput(&in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%x: %v", b, err)
		}
	}
	if _, _, err := DecodeEnvelope([]byte{7}); err == nil {
		t.Error("bad status accepted")
	}
}

func TestDispatchErrorsAndPanics(t *testing.T) {
	HandlePricing(nil)
	if st, _, _ := DecodeEnvelope(DispatchPricing(nil)); st != StatusError {
		t.Fatal("no handler: want error status")
	}
	HandlePricing(func(*PricingInput) (*PricingOutput, error) { panic("boom") })
	var e Encoder
	e.EncodePricingInput(samplePricing())
	st, payload, _ := DecodeEnvelope(DispatchPricing(e.B))
	if st != StatusError || !strings.Contains(NewDecoder(payload, false).String(), "panic: boom") {
		t.Fatalf("panic not reported: %d %q", st, payload)
	}
	HandlePricing(func(in *PricingInput) (*PricingOutput, error) {
		return &PricingOutput{Adjustments: []Adjustment{{Level: LevelLine, LineID: in.Lines[0].ID, Amount: -1}}}, nil
	})
	st, payload, _ = DecodeEnvelope(DispatchPricing(e.B))
	var out PricingOutput
	if st != StatusOK || NewDecoder(payload, false).DecodePricingOutput(&out) != nil || out.Adjustments[0].LineID != "1" {
		t.Fatalf("%d %+v", st, out)
	}
	HandlePricing(nil)
}

func TestInterner(t *testing.T) {
	var in Interner
	a := in.String([]byte("volume-tier"))
	b := in.String([]byte("volume-tier"))
	if a != b || a != "volume-tier" {
		t.Fatal(a, b)
	}
	if s := in.String([]byte("x")); s != "x" {
		t.Fatal(s)
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder: they must fail cleanly,
// never panic, and what decodes must re-encode to the same bytes.
func FuzzDecode(f *testing.F) {
	var e Encoder
	e.EncodePricingInput(samplePricing())
	f.Add(byte(0), append([]byte(nil), e.B...))
	e.B = e.B[:0]
	e.EncodeReportInput(&ReportInput{Report: "r", Datasets: []Dataset{{Name: "d", Columns: []Column{{"a", ColInt}}, Rows: [][]Cell{{{Int: 1}}}}}})
	f.Add(byte(3), append([]byte(nil), e.B...))
	f.Add(byte(1), []byte{2, 1, 'a', 0, 0, 0})
	f.Fuzz(func(t *testing.T, which byte, b []byte) {
		for _, alias := range []bool{false, true} {
			d := NewDecoder(b, alias)
			var e Encoder
			var err error
			switch which % 4 {
			case 0:
				var v PricingInput
				if err = d.DecodePricingInput(&v); err == nil {
					e.EncodePricingInput(&v)
				}
			case 1:
				var v RecommendInput
				if err = d.DecodeRecommendInput(&v); err == nil {
					e.EncodeRecommendInput(&v)
				}
			case 2:
				var v LogisticsInput
				if err = d.DecodeLogisticsInput(&v); err == nil {
					e.EncodeLogisticsInput(&v)
				}
			case 3:
				var v ReportInput
				if err = d.DecodeReportInput(&v); err == nil {
					e.EncodeReportInput(&v)
				}
			}
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			if err == nil && len(e.B) > len(b) {
				// Re-encoding is canonical, so never longer than the input.
				t.Fatalf("re-encoded %d bytes from %d", len(e.B), len(b))
			}
		}
	})
}

// TestImports enforces the dependency rule: the SDK (imported by plugins
// and by the host) depends on the standard library only — never on
// plugins/ or core/.
func TestImports(t *testing.T) {
	for _, dir := range []string{".", "sdktest", "pricing", "recommend", "logistics", "reporting"} {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if strings.Contains(imp, ".") && !strings.HasPrefix(imp, "github.com/wasmart/wasmart/sdk") {
				t.Errorf("sdk/%s imports %s", dir, imp)
			}
		}
	}
}

// The pricing context sections and the classes trailer are optional and
// additive: a message without them is the version 1 layout byte for byte,
// a section of an unknown kind is skipped, and malformed ones are refused.
func TestPricingSectionsCompatible(t *testing.T) {
	var e Encoder
	base := samplePricing()
	e.EncodePricingInput(base)
	v1 := append([]byte(nil), e.B...)
	with := samplePricing()
	with.Sections, with.Codes = SectionCodes, []string{"A"}
	e.B = e.B[:0]
	e.EncodePricingInput(with)
	if string(e.B[:len(v1)]) != string(v1) || string(e.B[len(v1):]) != "\x01\x01\x03\x01\x01A" {
		t.Fatalf("sections are not appended after the version 1 layout: % x", e.B[len(v1):])
	}
	// An unknown kind (9) after a known one is skipped.
	msg := append(append([]byte(nil), v1...), 2, 2, 1, 1, 9, 3, 0xaa, 0xbb, 0xcc)
	var got PricingInput
	if err := NewDecoder(msg, false).DecodePricingInput(&got); err != nil || got.Sections != SectionCustomer || !got.SignedIn {
		t.Fatalf("unknown section: %v %+v", err, got)
	}
	for name, tail := range map[string][]byte{
		"kinds out of order":     {2, 2, 1, 1, 1, 1, 0},
		"body longer than input": {1, 1, 9, 0},
		"body shorter than read": {1, 2, 0},
		"body with extra bytes":  {1, 2, 2, 1, 0},
	} {
		if err := NewDecoder(append(append([]byte(nil), v1...), tail...), false).DecodePricingInput(&got); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	out := &PricingOutput{Adjustments: []Adjustment{{Level: LevelOrder, Amount: -1}}}
	e.B = e.B[:0]
	e.EncodePricingOutput(out)
	if string(e.B) != "\x01\x02\x00\x01\x00\x00" {
		t.Fatalf("output without classes changed: % x", e.B)
	}
	var po PricingOutput
	if err := NewDecoder(append(e.B, 2, 1, 1), false).DecodePricingOutput(&po); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a classes trailer of the wrong length: %v", err)
	}
}
