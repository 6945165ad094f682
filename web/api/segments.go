package api

import (
	"bufio"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/segment"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Segments are the shop's customer segments on the console host
// (segments.read: owner, administrator, marketing, customer service and
// the read-only analyst; segments.write: owner, administrator,
// marketing): saved rule-based segments and the ready-made RFM groups
// ("rfm:<group>"), their live counts, members (paged) and CSV export, a
// preview of rules without saving, and the RFM thresholds. core/segment
// validates; errors name the field ("rules[2].field", "monetary[1]").

type (
	// SegmentRule is one condition or group of a segment's rule tree.
	SegmentRule = segment.Rule
	// SegmentMember is a customer in a segment.
	SegmentMember = segment.Member
	// SegmentField is a rule field with its operators.
	SegmentField = segment.FieldInfo
	// RFMThresholds are the shop's absolute RFM limits.
	RFMThresholds = segment.Thresholds
)

// SegmentJSON is a segment with, in lists, its live count.
type SegmentJSON struct {
	segment.Segment
	Count *int64 `json:"count,omitempty"`
}

// SegmentRequest creates or replaces a segment; Version, when set, must
// be the stored one.
type SegmentRequest struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Match       string        `json:"match,omitempty"` // all (default) or any
	Rules       []SegmentRule `json:"rules"`
	Version     int64         `json:"version,omitempty"`
}

// SegmentList is the shop's segments, saved ones first, with counts.
type SegmentList struct {
	Segments []SegmentJSON `json:"segments"`
}

// SegmentCount is how many customers a segment holds now.
type SegmentCount struct {
	Count int64 `json:"count"`
}

// SegmentMembers is a page of members; Next is the cursor of the next
// page ("" after the last).
type SegmentMembers struct {
	Members []SegmentMember `json:"members"`
	Next    string          `json:"next,omitempty"`
}

// SegmentPreviewRequest is a rule set to count without saving it.
type SegmentPreviewRequest struct {
	Match string        `json:"match,omitempty"`
	Rules []SegmentRule `json:"rules"`
	Limit int           `json:"limit,omitempty"` // members to show, 1-100 (default 20)
}

// SegmentPreview is a rule set's count and first members.
type SegmentPreview struct {
	Count   int64           `json:"count"`
	Members []SegmentMember `json:"members"`
}

// SegmentFields are the rule fields and the RFM groups.
type SegmentFields struct {
	Fields []SegmentField `json:"fields"`
	Groups []string       `json:"rfm_groups"`
}

// Routes are the segment routes.
func (s *Segments) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "segments")
	api.API("GET", "/api/segments", perm.SegmentsRead, "The shop's segments (saved, then the ready-made RFM groups) with live counts", nil, SegmentList{}, s.apiList)
	api.API("POST", "/api/segments", perm.SegmentsWrite, "Create a segment from a rule tree (an unknown field or operator is 400 naming it)", SegmentRequest{}, SegmentJSON{}, s.apiCreate)
	api.API("POST", "/api/segments/preview", perm.SegmentsRead, "Count a rule set and list its first members without saving it", SegmentPreviewRequest{}, SegmentPreview{}, s.apiPreview)
	api.API("GET", "/api/segments/fields", perm.SegmentsRead, "The rule fields with their operators, and the RFM groups", nil, SegmentFields{}, s.apiFields)
	api.API("GET", "/api/segments/rfm/thresholds", perm.SegmentsRead, "The shop's RFM thresholds", nil, RFMThresholds{}, s.apiThresholds)
	api.API("PUT", "/api/segments/rfm/thresholds", perm.SegmentsWrite, "Replace the RFM thresholds (every customer is re-scored at once)", RFMThresholds{}, RFMThresholds{}, s.apiSaveThresholds)
	api.API("GET", "/api/segments/:segment", perm.SegmentsRead, "A segment", nil, SegmentJSON{}, s.apiGet)
	api.API("PUT", "/api/segments/:segment", perm.SegmentsWrite, "Replace a saved segment's name, description and rules", SegmentRequest{}, SegmentJSON{}, s.apiUpdate)
	api.API("DELETE", "/api/segments/:segment", perm.SegmentsWrite, "Delete a saved segment", nil, nil, s.apiDelete)
	api.API("GET", "/api/segments/:segment/count", perm.SegmentsRead, "How many customers a segment holds now", nil, SegmentCount{}, s.apiCount)
	api.API("GET", "/api/segments/:segment/members", perm.SegmentsRead, "A page of a segment's members", nil, SegmentMembers{}, s.apiMembers,
		httpx.QueryParam{Name: "after", Type: "string", Description: "the cursor from the previous page"},
		httpx.QueryParam{Name: "limit", Type: "integer", Description: "1 to 1000 (default 100)"})
	api.API("GET", "/api/segments/:segment/members.csv", perm.SegmentsRead, "A segment's members as CSV (customer_id, email, name, accepts_marketing), streamed", nil, nil, s.apiCSV)
	return t.Routes()
}

// Segments handles the segment routes.
type Segments struct {
	segments *segment.Service
}

func (r *SegmentRequest) domain() segment.Segment {
	return segment.Segment{Name: r.Name, Description: r.Description, Match: r.Match, Rules: r.Rules, Version: r.Version}
}

func (s *Segments) apiList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	list, err := s.segments.List(ctx)
	if err != nil {
		return err
	}
	out := SegmentList{Segments: make([]SegmentJSON, len(list))}
	for i := range list {
		n, err := s.segments.Count(ctx, list[i].ID)
		if err != nil {
			return err
		}
		out.Segments[i] = SegmentJSON{Segment: list[i], Count: &n}
	}
	return c.JSON(out)
}

func (s *Segments) apiCreate(c *fiber.Ctx) error {
	var in SegmentRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	sg, err := s.segments.Create(c.UserContext(), in.domain())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(SegmentJSON{Segment: *sg})
}

func (s *Segments) apiPreview(c *fiber.Ctx) error {
	var in SegmentPreviewRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Limit <= 0 || in.Limit > 100 {
		in.Limit = 20
	}
	n, ms, err := s.segments.Preview(c.UserContext(), in.Match, in.Rules, in.Limit)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []SegmentMember{}
	}
	return c.JSON(SegmentPreview{Count: n, Members: ms})
}

func (s *Segments) apiFields(c *fiber.Ctx) error {
	return c.JSON(SegmentFields{Fields: segment.Fields(), Groups: segment.GroupCodes()})
}

func (s *Segments) apiThresholds(c *fiber.Ctx) error {
	t, err := s.segments.Thresholds(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (s *Segments) apiSaveThresholds(c *fiber.Ctx) error {
	var in RFMThresholds
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.segments.SaveThresholds(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Segments) apiGet(c *fiber.Ctx) error {
	sg, err := s.segments.Get(c.UserContext(), c.Params("segment"))
	if err != nil {
		return err
	}
	return c.JSON(SegmentJSON{Segment: *sg})
}

func (s *Segments) apiUpdate(c *fiber.Ctx) error {
	var in SegmentRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	sg, err := s.segments.Update(c.UserContext(), c.Params("segment"), in.domain())
	if err != nil {
		return err
	}
	return c.JSON(SegmentJSON{Segment: *sg})
}

func (s *Segments) apiDelete(c *fiber.Ctx) error {
	if err := s.segments.Delete(c.UserContext(), c.Params("segment")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Segments) apiCount(c *fiber.Ctx) error {
	n, err := s.segments.Count(c.UserContext(), c.Params("segment"))
	if err != nil {
		return err
	}
	return c.JSON(SegmentCount{Count: n})
}

func (s *Segments) apiMembers(c *fiber.Ctx) error {
	limit := 100
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > segment.MaxPage {
			return errs.Field("limit", "must be 1 to 1000")
		}
		limit = n
	}
	ms, next, err := s.segments.Members(c.UserContext(), c.Params("segment"), c.Query("after"), limit)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []SegmentMember{}
	}
	return c.JSON(SegmentMembers{Members: ms, Next: next})
}

// apiCSV streams the members a page at a time: the segment is read
// first, so an unknown one is a JSON 404; a failure after the answer
// started ends the file early (its last line then is not a member).
func (s *Segments) apiCSV(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), c.Params("segment")
	sg, err := s.segments.Get(ctx, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="segment-`+csvName(sg.ID)+`.csv"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if err := s.segments.WriteCSV(ctx, sg.ID, w); err != nil {
			_, _ = w.WriteString("# export failed: " + err.Error() + "\n")
		}
		_ = w.Flush()
	})
	return nil
}

// csvName is a segment id fit for a file name ("rfm:new" -> "rfm-new").
func csvName(id string) string {
	b := []byte(id)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}
