package promotion

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// CouponCode is one code of a promotion.
type CouponCode struct {
	ID          string `json:"id"`
	PromotionID string `json:"promotion_id"`
	Code        string `json:"code"`
	Batch       string `json:"batch,omitempty"` // the GenerateCodes run that made it
	UsageLimit  int64  `json:"usage_limit"`     // 0: no limit of its own
	Used        int64  `json:"used"`            // orders that used it (usage.go)
	// CustomerID is set on a personal code (IssuePersonalCode): only that
	// account may use it, until ExpiresAt.
	CustomerID string     `json:"customer_id,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

type codeRow struct {
	bun.BaseModel `bun:"table:promotion_codes"`
	TenantID      string     `bun:"tenant_id,pk"`
	ID            string     `bun:"id,pk"`
	PromotionID   string     `bun:"promotion_id"`
	Code          string     `bun:"code"`
	Batch         string     `bun:"batch"`
	UsageLimit    int64      `bun:"usage_limit"`
	Used          int64      `bun:"used"`
	CustomerID    string     `bun:"customer_id"`
	ExpiresAt     *time.Time `bun:"expires_at"`
	CreatedAt     time.Time  `bun:"created_at"`
}

func (r *codeRow) code() CouponCode {
	c := CouponCode{ID: r.ID, PromotionID: r.PromotionID, Code: r.Code, Batch: r.Batch, UsageLimit: r.UsageLimit, Used: r.Used,
		CustomerID: r.CustomerID, CreatedAt: r.CreatedAt.UTC()}
	if r.ExpiresAt != nil {
		t := r.ExpiresAt.UTC()
		c.ExpiresAt = &t
	}
	return c
}

// checkCode validates a normalised code: 3 to 40 letters A–Z, digits,
// "-" or "_".
func checkCode(field, code string) error {
	if len(code) < 3 || len(code) > 40 {
		return errs.Field(field, "must be 3 to 40 characters")
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errs.Field(field, "may hold only letters A–Z, digits, '-' and '_'")
		}
	}
	return nil
}

// ValidCode reports whether code, normalised (NormaliseCode), is a
// well-formed coupon code: 3 to 40 letters A–Z, digits, "-" or "_".
func ValidCode(code string) bool { return checkCode("code", code) == nil }

// codePromotion checks that id is a promotion of the tenant that needs a
// code.
func codePromotion(ctx context.Context, q bun.IDB, tenant, id string) error {
	_, err := CodedPromotionIn(ctx, q, tenant, id)
	return err
}

// CodedPromotionIn reads, in q, the tenant's promotion id and checks that
// it needs a code (a promotion other packages issue personal codes of:
// core/loyalty's monthly coupons and points coupons). Unknown is
// NotFound; an automatic promotion is a 422 on "requires_code".
func CodedPromotionIn(ctx context.Context, q bun.IDB, tenant, id string) (*Promotion, error) {
	p, err := get(ctx, q, tenant, id)
	if err != nil {
		return nil, err
	}
	if !p.RequiresCode {
		return nil, errs.Field("requires_code", "the promotion applies automatically; make it require a code first")
	}
	return p, nil
}

// Personal is a personal code to issue (IssuePersonalCode).
type Personal struct {
	PromotionID string
	CustomerID  string
	Prefix      string     // normalised; up to 20 characters ("GOLD-")
	ExpiresAt   *time.Time // nil: never
	Reason      string     // for the audit log ("monthly coupon 2026-03")
}

// IssuePersonalCode makes one random single-use code of a promotion that
// requires a code, usable by in.CustomerID's account only until
// in.ExpiresAt, in the caller's transaction q (audited). The caller keeps
// it from being issued twice.
func IssuePersonalCode(ctx context.Context, q bun.IDB, tenant string, in Personal, now time.Time) (*CouponCode, error) {
	if in.CustomerID == "" {
		return nil, errs.Field("customer_id", "a personal code needs a customer")
	}
	prefix := NormaliseCode(in.Prefix)
	if len(prefix) > 20 || prefix != "" && checkCode("prefix", prefix+"XXX") != nil {
		prefix = ""
	}
	if _, err := CodedPromotionIn(ctx, q, tenant, in.PromotionID); err != nil {
		return nil, err
	}
	for range 5 {
		c, err := randomCode(prefix, 10)
		if err != nil {
			return nil, errs.Wrap(err, "promotion.IssuePersonalCode")
		}
		row := &codeRow{TenantID: tenant, ID: store.NewID(), PromotionID: in.PromotionID, Code: c, UsageLimit: 1,
			CustomerID: in.CustomerID, ExpiresAt: in.ExpiresAt, CreatedAt: now}
		res, err := q.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, errs.Wrap(err, "promotion.IssuePersonalCode")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // the random code was taken: draw again
		}
		if err := audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "promotion.code.issue", ObjectType: "promotion", ObjectID: in.PromotionID,
			After: fmt.Sprintf("personal code for customer %s: %s", in.CustomerID, in.Reason)}); err != nil {
			return nil, err
		}
		out := row.code()
		return &out, nil
	}
	return nil, errs.E(errs.Conflict, "could not find an unused code; try again")
}

// PersonalCode is a personal code as its owner sees it.
type PersonalCode struct {
	CouponCode
	Label string `json:"label"` // the promotion's shopper-facing label
	Spent bool   `json:"spent"` // used up
}

// PersonalCodesIn reads the customer's personal codes among ids (by id),
// with their promotion's label and whether they are used up, in q (two
// statements).
func PersonalCodesIn(ctx context.Context, q bun.IDB, tenant, customerID string, ids []string) (map[string]PersonalCode, error) {
	out := map[string]PersonalCode{}
	if customerID == "" || len(ids) == 0 {
		return out, nil
	}
	var rows []codeRow
	if err := q.NewSelect().Model(&rows).Where("tenant_id = ? AND customer_id = ? AND id IN (?)", tenant, customerID, bun.List(ids)).
		Scan(ctx); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "promotion.PersonalCodes")
	}
	if len(rows) == 0 {
		return out, nil
	}
	promos := make([]string, len(rows))
	for i := range rows {
		promos[i] = rows[i].PromotionID
	}
	var labels []struct {
		ID    string `bun:"id"`
		Label string `bun:"label"`
	}
	if err := q.NewSelect().TableExpr("promotions").Column("id", "label").Where("tenant_id = ? AND id IN (?)", tenant, bun.List(promos)).
		Scan(ctx, &labels); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "promotion.PersonalCodes")
	}
	label := map[string]string{}
	for _, l := range labels {
		label[l.ID] = l.Label
	}
	for _, r := range rows {
		out[r.ID] = PersonalCode{CouponCode: r.code(), Label: label[r.PromotionID], Spent: r.UsageLimit > 0 && r.Used >= r.UsageLimit}
	}
	return out, nil
}

// AddCode adds one code (case-insensitive; stored upper-case) to a
// promotion that requires a code. A code the shop already has is refused
// with errs.Conflict naming "code".
func (s *Service) AddCode(ctx context.Context, promotionID, code string, usageLimit int64) (*CouponCode, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	code = NormaliseCode(code)
	if err := checkCode("code", code); err != nil {
		return nil, err
	}
	if usageLimit < 0 {
		return nil, errs.Field("usage_limit", "must not be negative")
	}
	row := &codeRow{TenantID: tenant, ID: store.NewID(), PromotionID: promotionID, Code: code, UsageLimit: usageLimit, CreatedAt: s.now()}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := codePromotion(ctx, q, tenant, promotionID); err != nil {
			return err
		}
		return insertCode(ctx, q, row)
	})
	if err != nil {
		return nil, err
	}
	c := row.code()
	return &c, nil
}

// Generate asks GenerateCodes for Count unique random codes.
type Generate struct {
	Count      int    `json:"count"`       // 1 to MaxCodesPerRun
	Prefix     string `json:"prefix"`      // e.g. "SPRING-"; up to 20 characters
	Length     int    `json:"length"`      // random characters after the prefix, 6 to 20 (default 10)
	UsageLimit int64  `json:"usage_limit"` // per code; default 1
}

// alphabet has no 0/O or 1/I, so a code read aloud or typed is not
// mistaken.
const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func randomCode(prefix string, n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = alphabet[k.Int64()]
	}
	return prefix + string(b), nil
}

// GenerateCodes makes g.Count unique codes for a promotion in one
// transaction (all or none) and returns the batch id they share.
func (s *Service) GenerateCodes(ctx context.Context, promotionID string, g Generate) (string, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return "", err
	}
	if g.Count < 1 || g.Count > MaxCodesPerRun {
		return "", errs.Field("count", "must be between 1 and %d", MaxCodesPerRun)
	}
	if g.Length == 0 {
		g.Length = 10
	}
	if g.Length < 6 || g.Length > 20 {
		return "", errs.Field("length", "must be between 6 and 20")
	}
	g.Prefix = NormaliseCode(g.Prefix)
	if len(g.Prefix) > 20 {
		return "", errs.Field("prefix", "may be at most 20 characters")
	}
	if g.Prefix != "" {
		if err := checkCode("prefix", g.Prefix+"XXX"); err != nil {
			return "", err
		}
	}
	if g.UsageLimit < 0 {
		return "", errs.Field("usage_limit", "must not be negative")
	}
	if g.UsageLimit == 0 {
		g.UsageLimit = 1
	}
	batch := store.NewID()
	now := s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		if err := codePromotion(ctx, q, tenant, promotionID); err != nil {
			return err
		}
		made := 0
		for tries := 0; made < g.Count; tries++ {
			if tries > 20 {
				return errs.E(errs.Conflict, "could not find enough unused codes; use a longer length or another prefix")
			}
			n := min(g.Count-made, 500)
			rows := make([]codeRow, n)
			for i := range rows {
				c, err := randomCode(g.Prefix, g.Length)
				if err != nil {
					return errs.Wrap(err, "promotion.GenerateCodes")
				}
				rows[i] = codeRow{TenantID: tenant, ID: store.NewID(), PromotionID: promotionID, Code: c, Batch: batch, UsageLimit: g.UsageLimit, CreatedAt: now}
			}
			res, err := q.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
			if err != nil {
				return errs.Wrap(err, "promotion.GenerateCodes")
			}
			k, _ := res.RowsAffected()
			made += int(k)
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tenant, Action: "promotion.code.generate", ObjectType: "promotion", ObjectID: promotionID,
			After: fmt.Sprintf("%d codes, batch %s", g.Count, batch)})
	})
	if err != nil {
		return "", err
	}
	return batch, nil
}

// CodeFilter selects a promotion's codes.
type CodeFilter struct {
	Batch  string
	Cursor string // Next of the previous page
	Limit  int    // default 100, max 1000
}

// CodePage is a page of codes, oldest first.
type CodePage struct {
	Codes []CouponCode
	Next  string
}

// Codes lists a promotion's codes.
func (s *Service) Codes(ctx context.Context, promotionID string, f CodeFilter) (CodePage, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return CodePage{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var page CodePage
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		var rows []codeRow
		sel := q.NewSelect().Model(&rows).Where("tenant_id = ? AND promotion_id = ?", tenant, promotionID)
		if f.Batch != "" {
			sel.Where("batch = ?", f.Batch)
		}
		if f.Cursor != "" {
			sel.Where("id > ?", f.Cursor)
		}
		if err := sel.OrderExpr("id").Limit(int64(limit + 1)).Scan(ctx); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "promotion.Codes")
		}
		if len(rows) > limit {
			rows = rows[:limit]
			page.Next = rows[limit-1].ID
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		used, err := codesUsed(ctx, q, tenant, promotionID, ids)
		if err != nil {
			return err
		}
		for i := range rows {
			c := rows[i].code()
			c.Used = used[c.ID]
			page.Codes = append(page.Codes, c)
		}
		return nil
	})
	return page, err
}

// ExportCodes writes a promotion's codes (of one batch, or all) as CSV:
// code, usage_limit, used, created_at.
func (s *Service) ExportCodes(ctx context.Context, promotionID, batch string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"code", "usage_limit", "used", "created_at"}); err != nil {
		return err
	}
	f := CodeFilter{Batch: batch, Limit: 1000}
	for {
		page, err := s.Codes(ctx, promotionID, f)
		if err != nil {
			return err
		}
		for _, c := range page.Codes {
			if err := cw.Write([]string{c.Code, fmt.Sprint(c.UsageLimit), fmt.Sprint(c.Used), c.CreatedAt.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	cw.Flush()
	return cw.Error()
}

// insertCode adds one code in the caller's transaction and audits it; a
// code the shop already has is errs.Conflict on "code".
func insertCode(ctx context.Context, q bun.IDB, row *codeRow) error {
	res, err := q.NewInsert().Model(row).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "promotion.AddCode")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &errs.Error{Code: errs.Conflict, Field: "code", Message: fmt.Sprintf("the code %s is already taken in this shop", row.Code)}
	}
	return audit.Record(ctx, q, audit.Entry{TenantID: row.TenantID, Action: "promotion.code.add", ObjectType: "promotion", ObjectID: row.PromotionID, After: row.Code})
}
