package sdk

import "unsafe"

// Codecs for every input and output of ABI version 1. The byte layouts are
// specified in ABI.md; keep the two in step.

// grow returns s resized to n, reusing its array when large enough. The
// elements are not cleared: every decoder assigns every field.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// ---- pricing

// EncodePricingInput appends the wire form of in.
func (e *Encoder) EncodePricingInput(in *PricingInput) {
	e.String(in.Currency)
	e.Varint(in.NowMs)
	e.String(in.CustomerID)
	e.Strings(in.CustomerTags)
	e.Uvarint(uint64(len(in.Lines)))
	b := e.B
	for i := range in.Lines {
		l := &in.Lines[i]
		b = appendStr(b, l.ID)
		b = appendStr(b, l.VariantID)
		b = appendStr(b, l.ProductID)
		b = appendStr(b, l.SKU)
		b = appendVarint(b, l.Quantity)
		b = appendVarint(b, l.UnitPrice)
		b = appendUvarint(b, uint64(len(l.Tags)))
		for _, s := range l.Tags {
			b = appendStr(b, s)
		}
		b = appendUvarint(b, uint64(len(l.Categories)))
		for _, s := range l.Categories {
			b = appendStr(b, s)
		}
	}
	e.B = b
	if in.Sections != 0 {
		e.pricingSections(in)
	}
}

// pricingSections appends the context sections in.Sections selects, each
// as a kind byte and a length-prefixed body, in kind order.
func (e *Encoder) pricingSections(in *PricingInput) {
	n := 0
	for k := range SectionNames {
		if in.Sections&(1<<k) != 0 {
			n++
		}
	}
	e.Uvarint(uint64(n))
	var body Encoder
	for k := range SectionNames {
		s := Sections(1 << k)
		if in.Sections&s == 0 {
			continue
		}
		body.B = body.B[:0]
		switch s {
		case SectionCodes:
			body.Strings(in.Codes)
		case SectionCustomer:
			body.Bool(in.SignedIn)
		case SectionPromotions:
			body.Uvarint(uint64(len(in.Promotions)))
			for i := range in.Promotions {
				p := &in.Promotions[i]
				body.String(p.ID)
				body.String(p.Code)
				body.String(p.Label)
				body.Byte(byte(p.Class))
				body.Varint(p.Amount)
				body.Uvarint(uint64(len(p.Lines)))
				for _, l := range p.Lines {
					body.String(l.LineID)
					body.Varint(l.Amount)
				}
			}
		}
		e.Byte(byte(k + 1))
		e.Uvarint(uint64(len(body.B)))
		e.B = append(e.B, body.B...)
	}
}

// decodePricingSections reads the context sections after the lines, if
// any: known kinds into in (each at most once, in kind order), unknown
// kinds skipped, so a newer host's extra sections do not break a guest.
func (d *Decoder) decodePricingSections(in *PricingInput) {
	in.Sections, in.Codes, in.SignedIn, in.Promotions = 0, nil, false, in.Promotions[:0]
	if d.Remaining() == 0 {
		return
	}
	n := d.Count(2)
	last := 0
	for i := 0; i < n && d.err == nil; i++ {
		kind := int(d.Byte())
		size := d.Uvarint()
		if kind <= last || size > uint64(d.Remaining()) {
			d.fail("bad pricing section")
			return
		}
		last = kind
		end := d.off + int(size)
		if kind > len(SectionNames) {
			d.off = end // a section this SDK does not know
			continue
		}
		in.Sections |= 1 << (kind - 1)
		switch Sections(1 << (kind - 1)) {
		case SectionCodes:
			in.Codes = d.Strings()
		case SectionCustomer:
			in.SignedIn = d.Bool()
		case SectionPromotions:
			np := d.Count(6)
			in.Promotions = grow(in.Promotions, np)
			for j := range in.Promotions {
				p := &in.Promotions[j]
				p.ID = d.String()
				p.Code = d.String()
				p.Label = d.String()
				p.Class = Class(d.Byte())
				p.Amount = d.Varint()
				nl := d.Count(2)
				p.Lines = grow(p.Lines, nl)
				for k := range p.Lines {
					p.Lines[k].LineID = d.String()
					p.Lines[k].Amount = d.Varint()
				}
			}
		}
		if d.err == nil && d.off != end {
			d.fail("pricing section length")
		}
	}
}

func appendUvarint(b []byte, u uint64) []byte {
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

func appendVarint(b []byte, v int64) []byte {
	return appendUvarint(b, uint64(v<<1)^uint64(v>>63))
}

// DecodePricingInput decodes a whole message into in.
func (d *Decoder) DecodePricingInput(in *PricingInput) error {
	in.Currency = d.String()
	in.NowMs = d.Varint()
	in.CustomerID = d.String()
	in.CustomerTags = d.Strings()
	n := d.Count(8)
	in.Lines = grow(in.Lines, n)
	for i := 0; i < n; i++ {
		l := &in.Lines[i]
		if d.alias && d.lineFast(l) {
			continue
		}
		l.ID = d.String()
		l.VariantID = d.String()
		l.ProductID = d.String()
		l.SKU = d.String()
		l.Quantity = d.Varint()
		l.UnitPrice = d.Varint()
		l.Tags = d.Strings()
		l.Categories = d.Strings()
	}
	d.decodePricingSections(in)
	return d.Finish()
}

// lineFast decodes one line in a single function body when every string
// and list length fits one byte (the common case). Function calls are
// expensive in a Go Wasm guest, and the generic path makes ~25 per line.
// It reports false, consuming nothing, when the line needs the generic path.
func (d *Decoder) lineFast(l *Line) bool {
	b := d.b
	i := d.off
	var strs [4]string
	for k := 0; k < 4; k++ {
		if i >= len(b) {
			return false
		}
		n := int(b[i])
		if n >= 0x80 || n >= len(b)-i {
			return false
		}
		strs[k] = unsafe.String(unsafe.SliceData(b[i+1:]), n)
		i += 1 + n
	}
	var nums [2]int64
	for k := 0; k < 2; k++ {
		var u uint64
		var shift uint
		for {
			if i >= len(b) || shift > 56 {
				return false
			}
			c := b[i]
			i++
			u |= uint64(c&0x7f) << shift
			if c < 0x80 {
				break
			}
			shift += 7
		}
		nums[k] = int64(u>>1) ^ -int64(u&1)
	}
	var lists [2][]string
	for k := 0; k < 2; k++ {
		if i >= len(b) {
			return false
		}
		cnt := int(b[i])
		if cnt >= 0x80 || cnt > 16 {
			return false
		}
		i++
		if cnt == 0 {
			continue
		}
		if len(d.arena)-d.arenaOff < cnt {
			d.arena = make([]string, 2*len(d.arena)+64)
			d.arenaOff = 0
		}
		ss := d.arena[d.arenaOff : d.arenaOff+cnt : d.arenaOff+cnt]
		for j := range ss {
			if i >= len(b) {
				return false
			}
			n := int(b[i])
			if n >= 0x80 || n >= len(b)-i {
				return false
			}
			ss[j] = unsafe.String(unsafe.SliceData(b[i+1:]), n)
			i += 1 + n
		}
		d.arenaOff += cnt
		lists[k] = ss
	}
	l.ID, l.VariantID, l.ProductID, l.SKU = strs[0], strs[1], strs[2], strs[3]
	l.Quantity, l.UnitPrice = nums[0], nums[1]
	l.Tags, l.Categories = lists[0], lists[1]
	d.off = i
	return true
}

// EncodePricingOutput appends the wire form of out (without envelope).
// Written out in one body: calls are expensive in a Go Wasm guest.
func (e *Encoder) EncodePricingOutput(out *PricingOutput) {
	e.Uvarint(uint64(len(out.Adjustments)))
	b := e.B
	for i := range out.Adjustments {
		a := &out.Adjustments[i]
		b = append(b, byte(a.Level))
		if len(a.LineID) < 0x80 {
			b = append(b, byte(len(a.LineID)))
			b = append(b, a.LineID...)
		} else {
			b = appendStr(b, a.LineID)
		}
		if u := uint64(a.Amount<<1) ^ uint64(a.Amount>>63); u < 0x4000 {
			if u < 0x80 {
				b = append(b, byte(u))
			} else {
				b = append(b, byte(u)|0x80, byte(u>>7))
			}
		} else {
			b = appendUvarint(b, u)
		}
		if len(a.Label) < 0x80 && len(a.Code) < 0x80 {
			b = append(b, byte(len(a.Label)))
			b = append(b, a.Label...)
			b = append(b, byte(len(a.Code)))
			b = append(b, a.Code...)
		} else {
			b = appendStr(b, a.Label)
			b = appendStr(b, a.Code)
		}
	}
	e.B = b
	// The classes trailer, only when some adjustment has a class, so the
	// output stays what hosts without classes read.
	for i := range out.Adjustments {
		if out.Adjustments[i].Class != ClassNone {
			e.Uvarint(uint64(len(out.Adjustments)))
			for j := range out.Adjustments {
				e.Byte(byte(out.Adjustments[j].Class))
			}
			break
		}
	}
}

// appendStr appends a length-prefixed string.
func appendStr(b []byte, s string) []byte {
	n := uint64(len(s))
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	b = append(b, byte(n))
	return append(b, s...)
}

// DecodePricingOutput decodes a whole message into out.
func (d *Decoder) DecodePricingOutput(out *PricingOutput) error {
	n := d.Count(5)
	out.Adjustments = make([]Adjustment, n)
	for i := 0; i < n; i++ {
		a := &out.Adjustments[i]
		a.Level = Level(d.Byte())
		a.LineID = d.String()
		a.Amount = d.Varint()
		a.Label = d.String()
		a.Code = d.String()
	}
	if d.Remaining() > 0 { // the optional classes trailer: one per adjustment
		if d.Count(1) != n {
			d.fail("classes do not match the adjustments")
		}
		for i := 0; i < n && d.err == nil; i++ {
			out.Adjustments[i].Class = Class(d.Byte())
		}
	}
	return d.Finish()
}

// ---- recommendations

// EncodeRecommendInput appends the wire form of in.
func (e *Encoder) EncodeRecommendInput(in *RecommendInput) {
	e.String(in.Placement)
	e.String(in.ProductID)
	e.Strings(in.CartProductIDs)
	e.String(in.CustomerID)
	e.Strings(in.CustomerTags)
	e.Varint(in.Limit)
	e.Varint(in.NowMs)
	e.Uvarint(uint64(len(in.Candidates)))
	for i := range in.Candidates {
		c := &in.Candidates[i]
		e.String(c.ProductID)
		e.Strings(c.Categories)
		e.Strings(c.Tags)
		e.Varint(c.Price)
		e.Varint(c.SoldUnits)
		e.Bool(c.InStock)
	}
	e.Uvarint(uint64(len(in.CoPurchases)))
	for i := range in.CoPurchases {
		c := &in.CoPurchases[i]
		e.String(c.ProductID)
		e.String(c.WithProductID)
		e.Varint(c.Orders)
	}
}

// DecodeRecommendInput decodes a whole message into in.
func (d *Decoder) DecodeRecommendInput(in *RecommendInput) error {
	in.Placement = d.String()
	in.ProductID = d.String()
	in.CartProductIDs = d.Strings()
	in.CustomerID = d.String()
	in.CustomerTags = d.Strings()
	in.Limit = d.Varint()
	in.NowMs = d.Varint()
	n := d.Count(6)
	in.Candidates = grow(in.Candidates, n)
	for i := 0; i < n; i++ {
		c := &in.Candidates[i]
		c.ProductID = d.String()
		c.Categories = d.Strings()
		c.Tags = d.Strings()
		c.Price = d.Varint()
		c.SoldUnits = d.Varint()
		c.InStock = d.Bool()
	}
	n = d.Count(3)
	in.CoPurchases = grow(in.CoPurchases, n)
	for i := 0; i < n; i++ {
		c := &in.CoPurchases[i]
		c.ProductID = d.String()
		c.WithProductID = d.String()
		c.Orders = d.Varint()
	}
	return d.Finish()
}

// EncodeRecommendOutput appends the wire form of out.
func (e *Encoder) EncodeRecommendOutput(out *RecommendOutput) {
	e.Uvarint(uint64(len(out.Items)))
	for i := range out.Items {
		r := &out.Items[i]
		e.String(r.ProductID)
		e.Varint(r.Score)
		e.String(r.Reason)
	}
}

// DecodeRecommendOutput decodes a whole message into out.
func (d *Decoder) DecodeRecommendOutput(out *RecommendOutput) error {
	n := d.Count(3)
	out.Items = make([]Recommendation, n)
	for i := 0; i < n; i++ {
		r := &out.Items[i]
		r.ProductID = d.String()
		r.Score = d.Varint()
		r.Reason = d.String()
	}
	return d.Finish()
}

// ---- logistics

// EncodeLogisticsInput appends the wire form of in.
func (e *Encoder) EncodeLogisticsInput(in *LogisticsInput) {
	e.String(in.Country)
	e.String(in.Region)
	e.String(in.PostalCode)
	e.Varint(in.WeightGrams)
	e.Varint(in.LengthMM)
	e.Varint(in.WidthMM)
	e.Varint(in.HeightMM)
	e.Varint(in.Value)
	e.String(in.Currency)
	e.Varint(in.Items)
	e.Varint(in.NowMs)
}

// DecodeLogisticsInput decodes a whole message into in.
func (d *Decoder) DecodeLogisticsInput(in *LogisticsInput) error {
	in.Country = d.String()
	in.Region = d.String()
	in.PostalCode = d.String()
	in.WeightGrams = d.Varint()
	in.LengthMM = d.Varint()
	in.WidthMM = d.Varint()
	in.HeightMM = d.Varint()
	in.Value = d.Varint()
	in.Currency = d.String()
	in.Items = d.Varint()
	in.NowMs = d.Varint()
	return d.Finish()
}

// EncodeLogisticsOutput appends the wire form of out.
func (e *Encoder) EncodeLogisticsOutput(out *LogisticsOutput) {
	e.Uvarint(uint64(len(out.Options)))
	for i := range out.Options {
		o := &out.Options[i]
		e.String(o.Code)
		e.String(o.Label)
		e.Varint(o.Price)
		e.Varint(o.MinDays)
		e.Varint(o.MaxDays)
	}
}

// DecodeLogisticsOutput decodes a whole message into out.
func (d *Decoder) DecodeLogisticsOutput(out *LogisticsOutput) error {
	n := d.Count(5)
	out.Options = make([]DeliveryOption, n)
	for i := 0; i < n; i++ {
		o := &out.Options[i]
		o.Code = d.String()
		o.Label = d.String()
		o.Price = d.Varint()
		o.MinDays = d.Varint()
		o.MaxDays = d.Varint()
	}
	return d.Finish()
}

// ---- reporting

func (e *Encoder) table(cols []Column, rows [][]Cell) {
	e.Uvarint(uint64(len(cols)))
	for _, c := range cols {
		e.String(c.Name)
		e.Byte(c.Type)
	}
	e.Uvarint(uint64(len(rows)))
	for _, r := range rows {
		for j, c := range cols {
			var cell Cell
			if j < len(r) {
				cell = r[j]
			}
			if c.Type == ColString {
				e.String(cell.Str)
			} else {
				e.Varint(cell.Int)
			}
		}
	}
}

func (d *Decoder) table() ([]Column, [][]Cell) {
	nc := d.Count(2)
	cols := make([]Column, nc)
	for i := range cols {
		cols[i].Name = d.String()
		cols[i].Type = d.Byte()
		if cols[i].Type != ColInt && cols[i].Type != ColString {
			d.fail("unknown column type")
			return nil, nil
		}
	}
	nr := d.Count(nc)
	if nc == 0 && nr > 0 {
		d.fail("rows without columns")
		return nil, nil
	}
	rows := make([][]Cell, nr)
	cells := make([]Cell, nr*nc)
	for i := range rows {
		row := cells[i*nc : (i+1)*nc : (i+1)*nc]
		for j, c := range cols {
			if c.Type == ColString {
				row[j].Str = d.String()
			} else {
				row[j].Int = d.Varint()
			}
		}
		rows[i] = row
	}
	return cols, rows
}

// EncodeReportInput appends the wire form of in.
func (e *Encoder) EncodeReportInput(in *ReportInput) {
	e.String(in.Report)
	e.String(in.Currency)
	e.Varint(in.NowMs)
	e.Uvarint(uint64(len(in.Params)))
	for _, p := range in.Params {
		e.String(p.Key)
		e.String(p.Value)
	}
	e.Uvarint(uint64(len(in.Datasets)))
	for i := range in.Datasets {
		ds := &in.Datasets[i]
		e.String(ds.Name)
		e.table(ds.Columns, ds.Rows)
	}
}

// DecodeReportInput decodes a whole message into in.
func (d *Decoder) DecodeReportInput(in *ReportInput) error {
	in.Report = d.String()
	in.Currency = d.String()
	in.NowMs = d.Varint()
	n := d.Count(2)
	in.Params = grow(in.Params, n)
	for i := range in.Params {
		in.Params[i].Key = d.String()
		in.Params[i].Value = d.String()
	}
	n = d.Count(3)
	in.Datasets = grow(in.Datasets, n)
	for i := range in.Datasets {
		in.Datasets[i].Name = d.String()
		in.Datasets[i].Columns, in.Datasets[i].Rows = d.table()
	}
	return d.Finish()
}

// EncodeReportOutput appends the wire form of out.
func (e *Encoder) EncodeReportOutput(out *ReportOutput) {
	e.String(out.Title)
	e.table(out.Columns, out.Rows)
	e.Uvarint(uint64(len(out.Charts)))
	for i := range out.Charts {
		c := &out.Charts[i]
		e.String(c.Kind)
		e.String(c.Title)
		e.Strings(c.Labels)
		e.Uvarint(uint64(len(c.Series)))
		for _, s := range c.Series {
			e.String(s.Name)
			e.Uvarint(uint64(len(s.Values)))
			for _, v := range s.Values {
				e.Varint(v)
			}
		}
	}
}

// DecodeReportOutput decodes a whole message into out.
func (d *Decoder) DecodeReportOutput(out *ReportOutput) error {
	out.Title = d.String()
	out.Columns, out.Rows = d.table()
	n := d.Count(4)
	out.Charts = make([]Chart, n)
	for i := range out.Charts {
		c := &out.Charts[i]
		c.Kind = d.String()
		c.Title = d.String()
		c.Labels = d.Strings()
		ns := d.Count(2)
		c.Series = make([]Series, ns)
		for j := range c.Series {
			c.Series[j].Name = d.String()
			nv := d.Count(1)
			vals := make([]int64, nv)
			for k := range vals {
				vals[k] = d.Varint()
			}
			c.Series[j].Values = vals
		}
	}
	return d.Finish()
}

// ---- envelope

// DecodeEnvelope splits an output envelope into its status and payload. For
// StatusError the payload is the error message (a wire string).
func DecodeEnvelope(b []byte) (status byte, payload []byte, err error) {
	if len(b) == 0 {
		return 0, nil, ErrMalformed
	}
	switch b[0] {
	case StatusOK:
		return StatusOK, b[1:], nil
	case StatusError:
		return StatusError, b[1:], nil
	}
	return b[0], nil, ErrMalformed
}
