package console

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// Segments are the console's customer segment pages: the list with live
// counts and the RFM thresholds, a rule builder (one row per condition:
// field, operator, value; lists comma-separated; amounts in the shop's
// currency), a segment's members page by page and its CSV. Segments with
// nested groups are shown read-only here and edited through the API.
type Segments struct {
	base
	segments *segment.Service
	admin    *admin.Admin
}

func (s *Segments) segmentPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/segments", perm.SegmentsRead, "Customer segments with live counts and the RFM thresholds", s.listPage)
	html.Page("GET", "/console/segments/new", perm.SegmentsWrite, "A new segment", s.newPage)
	html.Page("POST", "/console/segments", perm.SegmentsWrite, "Create a segment", s.create)
	html.Page("POST", "/console/segments/rfm", perm.SegmentsWrite, "Save the RFM thresholds", s.saveThresholds)
	html.Page("GET", "/console/segments/:segment", perm.SegmentsRead, "A segment: its rules and members", s.page)
	html.Page("POST", "/console/segments/:segment", perm.SegmentsWrite, "Save a segment", s.save)
	html.Page("POST", "/console/segments/:segment/delete", perm.SegmentsWrite, "Delete a segment", s.remove)
	html.Page("GET", "/console/segments/:segment/members.csv", perm.SegmentsRead, "Download a segment's members (CSV)", s.exportCSV)
}

// ruleRow is one row of the rule builder as the merchant typed it.
type ruleRow struct {
	Field, Op, Value string
}

type segmentForm struct {
	Name, Description, Match string
	Rows                     []ruleRow
	Version                  int64
}

type segmentRowView struct {
	ID, Name, Description string
	Builtin               bool
	Count                 int64
}

type thresholdsForm struct {
	Recency, Frequency, Monetary [4]string
}

type segmentsData struct {
	Segments   []segmentRowView
	T          thresholdsForm
	Currency   string
	CanWrite   bool
	GroupNames []string
}

// blankRows are the empty rows the builder adds for new conditions.
const blankRows = 3

func (s *Segments) listPage(c *fiber.Ctx) error {
	return s.renderList(c, nil)
}

func (s *Segments) renderList(c *fiber.Ctx, t *thresholdsForm) error {
	ctx := c.UserContext()
	cur := s.admin.ShopCurrency(c)
	d := segmentsData{Currency: cur, CanWrite: s.Can(c, perm.SegmentsWrite)}
	list, err := s.segments.List(ctx)
	if err != nil {
		return err
	}
	for _, sg := range list {
		n, err := s.segments.Count(ctx, sg.ID)
		if err != nil {
			return err
		}
		d.Segments = append(d.Segments, segmentRowView{ID: sg.ID, Name: sg.Name, Description: sg.Description, Builtin: sg.Builtin, Count: n})
	}
	if t != nil {
		d.T = *t
	} else {
		th, err := s.segments.Thresholds(ctx)
		if err != nil {
			return err
		}
		for i := range 4 {
			d.T.Recency[i] = strconv.FormatInt(th.RecencyDays[i], 10)
			d.T.Frequency[i] = strconv.FormatInt(th.Frequency[i], 10)
			d.T.Monetary[i] = money.Format(th.Monetary[i], cur)
		}
	}
	return s.PageWithError(c, "console/segments", "Segments", "segments", d)
}

func (s *Segments) saveThresholds(c *fiber.Ctx) error {
	cur := s.admin.ShopCurrency(c)
	var f thresholdsForm
	var th segment.Thresholds
	var bad error
	for i := range 4 {
		f.Recency[i], f.Frequency[i], f.Monetary[i] = c.FormValue(fmt.Sprintf("recency_%d", i)), c.FormValue(fmt.Sprintf("frequency_%d", i)), c.FormValue(fmt.Sprintf("monetary_%d", i))
		var err error
		if th.RecencyDays[i], err = strconv.ParseInt(strings.TrimSpace(f.Recency[i]), 10, 64); err != nil && bad == nil {
			bad = errs.Field(fmt.Sprintf("recency_days[%d]", i), "must be a whole number of days")
		}
		if th.Frequency[i], err = strconv.ParseInt(strings.TrimSpace(f.Frequency[i]), 10, 64); err != nil && bad == nil {
			bad = errs.Field(fmt.Sprintf("frequency[%d]", i), "must be a whole number of orders")
		}
		if th.Monetary[i], err = money.Parse(fmt.Sprintf("monetary[%d]", i), f.Monetary[i], cur); err != nil && bad == nil {
			bad = err
		}
	}
	again := func() error { return s.renderList(c, &f) }
	if bad != nil {
		return s.PageError(c, bad, again)
	}
	if _, err := s.segments.SaveThresholds(c.UserContext(), th); err != nil {
		return s.PageError(c, err, again)
	}
	return view.Done(c, "/console/segments")
}

type segmentData struct {
	S        *segment.Segment // nil: a new segment
	F        segmentForm
	Editable bool // flat rules the builder can edit
	CanWrite bool
	Fields   []segment.FieldInfo
	Ops      []string
	Currency string
	Count    int64
	Members  []segment.Member
	Next     string
}

func allOps() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range segment.Fields() {
		for _, op := range f.Ops {
			if !seen[op] {
				seen[op] = true
				out = append(out, op)
			}
		}
	}
	return out
}

// formOfSegment fills the builder from a stored segment; false when it has
// nested groups the builder cannot show.
func formOfSegment(sg *segment.Segment, cur string) (segmentForm, bool) {
	f := segmentForm{Name: sg.Name, Description: sg.Description, Match: sg.Match, Version: sg.Version}
	for _, r := range sg.Rules {
		if r.Field == "" {
			return f, false
		}
		v := r.Value
		if len(r.Values) > 0 {
			v = strings.Join(r.Values, ", ")
		}
		if r.Field == "total_spent" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				v = money.Format(n, cur)
			}
		}
		f.Rows = append(f.Rows, ruleRow{Field: r.Field, Op: r.Op, Value: v})
	}
	return f, true
}

// readSegmentForm reads the builder: rows without a field are skipped.
func readSegmentForm(c *fiber.Ctx) segmentForm {
	f := segmentForm{Name: c.FormValue("name"), Description: c.FormValue("description"), Match: c.FormValue("match")}
	f.Version, _ = strconv.ParseInt(c.FormValue("version"), 10, 64)
	args := c.Request().PostArgs()
	fields, ops, values := args.PeekMulti("field"), args.PeekMulti("op"), args.PeekMulti("value")
	for i := range fields {
		r := ruleRow{Field: strings.TrimSpace(string(fields[i]))}
		if i < len(ops) {
			r.Op = string(ops[i])
		}
		if i < len(values) {
			r.Value = string(values[i])
		}
		if r.Field != "" {
			f.Rows = append(f.Rows, r)
		}
	}
	return f
}

// segmentOf turns the builder's rows into a segment; amounts are read in
// the shop's currency.
func (f *segmentForm) segmentOf(cur string) (segment.Segment, error) {
	sg := segment.Segment{Name: f.Name, Description: f.Description, Match: f.Match, Version: f.Version, Rules: []segment.Rule{}}
	for i, r := range f.Rows {
		v := r.Value
		if r.Field == "total_spent" {
			n, err := money.Parse(fmt.Sprintf("rules[%d].value", i), v, cur)
			if err != nil {
				return sg, err
			}
			v = strconv.FormatInt(n, 10)
		}
		sg.Rules = append(sg.Rules, segment.Rule{Field: r.Field, Op: r.Op, Value: v})
	}
	return sg, nil
}

func (s *Segments) renderForm(c *fiber.Ctx, sg *segment.Segment, f segmentForm, editable bool) error {
	ctx := c.UserContext()
	d := segmentData{S: sg, F: f, Editable: editable, CanWrite: s.Can(c, perm.SegmentsWrite), Fields: segment.Fields(), Ops: allOps(), Currency: s.admin.ShopCurrency(c)}
	for range blankRows {
		d.F.Rows = append(d.F.Rows, ruleRow{})
	}
	title := "New segment"
	if sg != nil {
		title = sg.Name
		n, err := s.segments.Count(ctx, sg.ID)
		if err != nil {
			return err
		}
		ms, next, err := s.segments.Members(ctx, sg.ID, c.Query("after"), 50)
		if err != nil {
			return err
		}
		d.Count, d.Members = n, ms
		if next != "" {
			d.Next = "/console/segments/" + sg.ID + "?after=" + next
		}
	}
	return s.PageWithError(c, "console/segment", title, "segments", d)
}

func (s *Segments) newPage(c *fiber.Ctx) error {
	return s.renderForm(c, nil, segmentForm{Match: segment.MatchAll}, true)
}

func (s *Segments) page(c *fiber.Ctx) error {
	sg, err := s.segments.Get(c.UserContext(), c.Params("segment"))
	if err != nil {
		return err
	}
	f, ok := formOfSegment(sg, s.admin.ShopCurrency(c))
	return s.renderForm(c, sg, f, ok && !sg.Builtin)
}

func (s *Segments) create(c *fiber.Ctx) error {
	f := readSegmentForm(c)
	again := func() error { return s.renderForm(c, nil, f, true) }
	in, err := f.segmentOf(s.admin.ShopCurrency(c))
	if err != nil {
		return s.PageError(c, err, again)
	}
	out, err := s.segments.Create(c.UserContext(), in)
	if err != nil {
		return s.PageError(c, err, again)
	}
	return view.Done(c, "/console/segments/"+out.ID)
}

func (s *Segments) save(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sg, err := s.segments.Get(ctx, c.Params("segment"))
	if err != nil {
		return err
	}
	if _, ok := formOfSegment(sg, ""); !ok || sg.Builtin {
		return errs.E(errs.Invalid, "the console's builder does not edit this segment: use PUT /api/segments/%s", sg.ID)
	}
	f := readSegmentForm(c)
	again := func() error { return s.renderForm(c, sg, f, true) }
	in, err := f.segmentOf(s.admin.ShopCurrency(c))
	if err != nil {
		return s.PageError(c, err, again)
	}
	if _, err := s.segments.Update(ctx, sg.ID, in); err != nil {
		return s.PageError(c, err, again)
	}
	return view.Done(c, "/console/segments/"+sg.ID)
}

func (s *Segments) remove(c *fiber.Ctx) error {
	if err := s.segments.Delete(c.UserContext(), c.Params("segment")); err != nil {
		return err
	}
	return view.Done(c, "/console/segments")
}

// exportCSV streams the members; the segment is read first, so an
// unknown one is the error page.
func (s *Segments) exportCSV(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sg, err := s.segments.Get(ctx, c.Params("segment"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="segment.csv"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.segments.WriteCSV(ctx, sg.ID, w); err != nil {
			_, _ = w.WriteString("# export failed: " + err.Error() + "\n")
		}
		_ = w.Flush()
	})
	return nil
}
