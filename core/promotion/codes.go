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
	ID          string    `json:"id"`
	PromotionID string    `json:"promotion_id"`
	Code        string    `json:"code"`
	Batch       string    `json:"batch,omitempty"` // the GenerateCodes run that made it
	UsageLimit  int64     `json:"usage_limit"`     // 0: no limit of its own
	Used        int64     `json:"used"`            // orders that used it (usage.go)
	CreatedAt   time.Time `json:"created_at"`
}

type codeRow struct {
	bun.BaseModel `bun:"table:promotion_codes"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	PromotionID   string    `bun:"promotion_id"`
	Code          string    `bun:"code"`
	Batch         string    `bun:"batch"`
	UsageLimit    int64     `bun:"usage_limit"`
	Used          int64     `bun:"used"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r *codeRow) code() CouponCode {
	return CouponCode{ID: r.ID, PromotionID: r.PromotionID, Code: r.Code, Batch: r.Batch, UsageLimit: r.UsageLimit, Used: r.Used, CreatedAt: r.CreatedAt.UTC()}
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
	p, err := get(ctx, q, tenant, id)
	if err != nil {
		return err
	}
	if !p.RequiresCode {
		return errs.Field("requires_code", "the promotion applies automatically; make it require a code first")
	}
	return nil
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
