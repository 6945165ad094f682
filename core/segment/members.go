package segment

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

// MaxPage is the most members one page holds.
const MaxPage = 1000

// from is the FROM clause every segment statement selects over: the
// shop's customers (c) with their stored RFM row (r) when they have one.
const from = " FROM " + customer.SelectFromSQL +
	" LEFT JOIN segment_customer_rfm r ON r.tenant_id = c.tenant_id AND r.customer_id = c.id" +
	" WHERE c.tenant_id = ? AND " + customer.SelectLiveSQL

// where compiles a validated rule tree to its condition and arguments.
func (s *Service) where(match string, rules []Rule) (string, []any) {
	c := compiler{now: s.now()}
	cond := c.group(match, rules)
	return cond, c.args
}

func countIn(ctx context.Context, q bun.IDB, tenant, cond string, args []any) (int64, error) {
	var n int64
	err := q.NewRaw("SELECT COUNT(*)"+from+" AND "+cond, append([]any{tenant}, args...)...).Scan(ctx, &n)
	return n, errs.Wrap(err, "segment: count")
}

type memberRow struct {
	ID               string  `bun:"id"`
	Email            *string `bun:"email"`
	FirstName        string  `bun:"first_name"`
	LastName         string  `bun:"last_name"`
	AcceptsMarketing bool    `bun:"accepts_marketing"`
}

func membersIn(ctx context.Context, q bun.IDB, tenant, cond string, args []any, after string, limit int) ([]Member, string, error) {
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	a := append([]any{tenant}, args...)
	page := ""
	if after != "" {
		page = " AND c.id > ?"
		a = append(a, after)
	}
	a = append(a, limit+1)
	var rows []memberRow
	err := q.NewRaw("SELECT c.id, c.email, c.first_name, c.last_name, c.accepts_marketing"+from+" AND "+cond+page+" ORDER BY c.id LIMIT ?", a...).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, "", errs.Wrap(err, "segment: members")
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	out := make([]Member, len(rows))
	for i, r := range rows {
		m := Member{CustomerID: r.ID, Name: strings.TrimSpace(r.FirstName + " " + r.LastName), AcceptsMarketing: r.AcceptsMarketing}
		if r.Email != nil {
			m.Email = *r.Email
		}
		out[i] = m
	}
	return out, next, nil
}

// segmentWhere reads a segment (saved or ready-made) and compiles it.
func (s *Service) segmentWhere(ctx context.Context, q bun.IDB, tenant, id string) (string, []any, error) {
	sg, err := getIn(ctx, q, tenant, id)
	if err != nil {
		return "", nil, err
	}
	cond, args := s.where(sg.Match, sg.Rules)
	return cond, args, nil
}

// Count is how many customers a segment holds now (one statement after
// reading the segment).
func (s *Service) Count(ctx context.Context, segmentID string) (int64, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		cond, args, err := s.segmentWhere(ctx, q, tenant, segmentID)
		if err != nil {
			return err
		}
		n, err = countIn(ctx, q, tenant, cond, args)
		return err
	})
	return n, err
}

// Members lists a segment's customers by id after the given one (""
// from the start), at most limit (1-1000) of them, and the cursor of the
// next page ("" after the last). core/mailing takes campaign audiences
// from it.
func (s *Service) Members(ctx context.Context, segmentID string, after string, limit int) ([]Member, string, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []Member
	var next string
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		cond, args, err := s.segmentWhere(ctx, q, tenant, segmentID)
		if err != nil {
			return err
		}
		out, next, err = membersIn(ctx, q, tenant, cond, args, after, limit)
		return err
	})
	return out, next, err
}

// Preview validates a rule set without saving it and returns how many
// customers it holds and the first limit of them.
func (s *Service) Preview(ctx context.Context, match string, rules []Rule, limit int) (int64, []Member, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return 0, nil, err
	}
	match, rules, err = Validate(match, rules)
	if err != nil {
		return 0, nil, err
	}
	cond, args := s.where(match, rules)
	var n int64
	var out []Member
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var err error
		if n, err = countIn(ctx, q, tenant, cond, args); err != nil {
			return err
		}
		out, _, err = membersIn(ctx, q, tenant, cond, args, "", limit)
		return err
	})
	return n, out, err
}

// WriteCSV writes a segment's members as CSV (customer_id, email, name,
// accepts_marketing) to w, a page of 1000 at a time, each page its own
// read, so an export of any size holds no transaction open while it is
// sent.
func (s *Service) WriteCSV(ctx context.Context, segmentID string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"customer_id", "email", "name", "accepts_marketing"}); err != nil {
		return err
	}
	after := ""
	for {
		page, next, err := s.Members(ctx, segmentID, after, MaxPage)
		if err != nil {
			return err
		}
		for _, m := range page {
			if err := cw.Write([]string{m.CustomerID, text.CSVCell(m.Email), text.CSVCell(m.Name), strconv.FormatBool(m.AcceptsMarketing)}); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

// Wanted reports whether a promotion segment is one this package answers
// for ("segment:<id>", "rfm:<group>").
func Wanted(seg string) bool {
	seg = strings.ToLower(seg)
	return strings.HasPrefix(seg, PromotionPrefix) || strings.HasPrefix(seg, RFMPrefix)
}

// MembershipsIn returns which of the wanted promotion segments
// ("segment:<id>", "rfm:<group>"; others are ignored) the customer
// belongs to, in q: one statement reading the saved segments' rules (none
// when only RFM groups are wanted), one evaluating them all for the
// customer. Saved segments that no longer exist match no one.
func (s *Service) MembershipsIn(ctx context.Context, q bun.IDB, tenant, customerID string, wanted []string) ([]string, error) {
	if customerID == "" {
		return nil, nil
	}
	var ids, groups []string
	for _, w := range wanted {
		lw := strings.ToLower(w)
		switch {
		case strings.HasPrefix(lw, PromotionPrefix):
			ids = append(ids, w[len(PromotionPrefix):])
		case strings.HasPrefix(lw, RFMPrefix):
			groups = append(groups, lw[len(RFMPrefix):])
		}
	}
	if len(ids) == 0 && len(groups) == 0 {
		return nil, nil
	}
	var rows []segmentRow
	if len(ids) > 0 {
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND id IN (?)", tenant, bun.List(ids)).Scan(ctx); err != nil && !store.NoRows(err) {
			return nil, errs.Wrap(err, "segment: memberships")
		}
	}
	ev, err := s.evaluate(ctx, q, tenant, customerID, rows)
	if err != nil || ev == nil {
		return nil, err
	}
	grp, flags := ev.rfm.Group, ev.flags
	var out []string
	for _, g := range groups {
		if g == grp {
			out = append(out, RFMPrefix+g)
		}
	}
	for i, f := range flags {
		if f == 1 {
			out = append(out, PromotionPrefix+rows[i].ID)
		}
	}
	return out, nil
}

// evaluation is one customer's RFM group and scores and, for each saved segment
// evaluated, whether they are in it (1) or not (0).
type evaluation struct {
	rfm   customerRFM // zero scores and group "": no counted order yet
	flags []int64
}

// evaluate reads the customer's RFM row and evaluates the segments' rules
// for them in one statement; nil when the customer does not exist (or is
// deleted).
func (s *Service) evaluate(ctx context.Context, q bun.IDB, tenant, customerID string, rows []segmentRow) (*evaluation, error) {
	c := compiler{now: s.now()}
	cols := []string{"COALESCE(r.grp, '')", "COALESCE(r.r, 0)", "COALESCE(r.f, 0)", "COALESCE(r.m, 0)"}
	for i := range rows {
		sg, err := rows[i].out()
		if err != nil {
			return nil, err
		}
		cols = append(cols, "CASE WHEN "+c.group(sg.Match, sg.Rules)+" THEN 1 ELSE 0 END")
	}
	ev := &evaluation{flags: make([]int64, len(rows))}
	dest := []any{&ev.rfm.Group, &ev.rfm.R, &ev.rfm.F, &ev.rfm.M}
	for i := range ev.flags {
		dest = append(dest, &ev.flags[i])
	}
	args := append(c.args, tenant, customerID)
	err := q.NewRaw("SELECT "+strings.Join(cols, ", ")+from+" AND c.id = ?", args...).Scan(ctx, dest...)
	if store.NoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "segment: memberships")
	}
	return ev, nil
}

// CustomerSegments is where one customer stands: their RFM scores and
// group (as of the last recompute; Group nil before their first counted
// order is scored) and the saved segments they are in now.
type CustomerSegments struct {
	R, F, M  int
	Group    *Group
	Segments []Segment
}

// Of returns the customer's RFM group and the shop's saved segments they
// belong to: one statement reading the saved segments, one evaluating all
// of them for the customer. A customer who does not exist is NotFound.
func (s *Service) Of(ctx context.Context, customerID string) (*CustomerSegments, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	out := &CustomerSegments{Segments: []Segment{}}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []segmentRow
		if err := q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).OrderExpr("name").Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "segment: of")
		}
		ev, err := s.evaluate(ctx, q, tenant, customerID, rows)
		if err != nil {
			return err
		}
		if ev == nil {
			return errs.NotFoundf("customer not found")
		}
		out.R, out.F, out.M = ev.rfm.R, ev.rfm.F, ev.rfm.M
		out.Group = GroupByCode(ev.rfm.Group)
		for i, f := range ev.flags {
			if f == 1 {
				sg, err := rows[i].out()
				if err != nil {
					return err
				}
				out.Segments = append(out.Segments, *sg)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
