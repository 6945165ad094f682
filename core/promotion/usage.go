package promotion

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// Usage: what people are shown, and what enforces limits.
//
// The redemption records are the truth: a promotion's orders are its
// redemptions not released, the discount it gave is their amounts less
// what returns took back, and the same goes for a campaign (the
// redemptions recorded under it) and a code. Every count shown to people
// (Get, List, Campaign, Campaigns, Codes, the CSV export) is read from
// them, one grouped statement per page.
//
// The counters in the rows (promotions.used and spent, campaigns' spent,
// codes' used, promotion_customer_uses) are reservations that enforce
// limits at redemption, and are kept only while there is a limit: exact
// while a promotion has a usage limit or a budget (both its counters), a
// campaign a budget, a code a usage limit, a promotion a per-customer
// limit (its customers' uses); zero otherwise. Update and UpdateCampaign
// recount them from the redemptions when they set limits, after locking
// the row: orders redeeming an offer without limits hold a shared lock on
// its row (Redeem), so the recount waits for them, and the orders after it
// see the limit.

// showUsage sets the promotions' Used, Spent and CampaignSpent from their
// redemption records, in one statement.
func showUsage(ctx context.Context, q bun.IDB, tenant string, ps []Promotion) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ps))
	var campaigns []string
	seen := map[string]bool{}
	for i := range ps {
		ids = append(ids, ps[i].ID)
		if c := ps[i].CampaignID; c != "" && !seen[c] {
			seen[c] = true
			campaigns = append(campaigns, c)
		}
	}
	sql := `SELECT 'p' AS kind, promotion_id AS id, COUNT(*) AS used, COALESCE(SUM(amount - reversed), 0) AS given
		FROM promotion_redemptions WHERE tenant_id = ? AND promotion_id IN (?) AND released_at IS NULL GROUP BY promotion_id`
	args := []any{tenant, bun.List(ids)}
	if len(campaigns) > 0 {
		sql += ` UNION ALL SELECT 'c' AS kind, campaign_id AS id, COUNT(*) AS used, COALESCE(SUM(amount - reversed), 0) AS given
		FROM promotion_redemptions WHERE tenant_id = ? AND campaign_id IN (?) AND released_at IS NULL GROUP BY campaign_id`
		args = append(args, tenant, bun.List(campaigns))
	}
	var rows []struct {
		Kind  string `bun:"kind"`
		ID    string `bun:"id"`
		Used  int64  `bun:"used"`
		Given int64  `bun:"given"`
	}
	if err := q.NewRaw(sql, args...).Scan(ctx, &rows); err != nil && !store.NoRows(err) {
		return errs.Wrap(err, "promotion: usage")
	}
	used, given, campaign := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		if r.Kind == "c" {
			campaign[r.ID] = r.Given
		} else {
			used[r.ID], given[r.ID] = r.Used, r.Given
		}
	}
	for i := range ps {
		p := &ps[i]
		p.Used, p.Spent, p.CampaignSpent = used[p.ID], given[p.ID], campaign[p.CampaignID]
	}
	return nil
}

// campaignsGiven is the discount given under each campaign, from the
// redemption records, in one statement.
func campaignsGiven(ctx context.Context, q bun.IDB, tenant string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID    string `bun:"campaign_id"`
		Given int64  `bun:"given"`
	}
	if err := q.NewSelect().TableExpr("promotion_redemptions").ColumnExpr("campaign_id, COALESCE(SUM(amount - reversed), 0) AS given").
		Where("tenant_id = ? AND campaign_id IN (?) AND released_at IS NULL", tenant, bun.List(ids)).GroupExpr("campaign_id").
		Scan(ctx, &rows); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "promotion: campaign usage")
	}
	for _, r := range rows {
		out[r.ID] = r.Given
	}
	return out, nil
}

// codesUsed is how many orders used each of a promotion's codes, from the
// redemption records, in one statement.
func codesUsed(ctx context.Context, q bun.IDB, tenant, promotionID string, ids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   string `bun:"code_id"`
		Used int64  `bun:"used"`
	}
	if err := q.NewSelect().TableExpr("promotion_redemptions").ColumnExpr("code_id, COUNT(*) AS used").
		Where("tenant_id = ? AND promotion_id = ? AND code_id IN (?) AND released_at IS NULL", tenant, promotionID, bun.List(ids)).
		GroupExpr("code_id").Scan(ctx, &rows); err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "promotion: code usage")
	}
	for _, r := range rows {
		out[r.ID] = r.Used
	}
	return out, nil
}

// recount is what a promotion's redemptions add up to: the orders not
// released and the discount they kept. Call it with the promotion's row
// locked.
func recount(ctx context.Context, q bun.IDB, tenant, promotionID string) (used, spent int64, err error) {
	var row struct {
		Used  int64 `bun:"used"`
		Spent int64 `bun:"spent"`
	}
	if err := q.NewSelect().TableExpr("promotion_redemptions").ColumnExpr("COUNT(*) AS used, COALESCE(SUM(amount - reversed), 0) AS spent").
		Where("tenant_id = ? AND promotion_id = ? AND released_at IS NULL", tenant, promotionID).Scan(ctx, &row); err != nil {
		return 0, 0, errs.Wrap(err, "promotion: recount")
	}
	return row.Used, row.Spent, nil
}

// recountCustomerUses rebuilds a promotion's per-customer uses from its
// redemptions (by account and by e-mail, the keys Redeem counts), or
// drops them when it has no per-customer limit any more. Call it with
// the promotion's row locked.
func recountCustomerUses(ctx context.Context, q bun.IDB, tenant, promotionID string, limited bool) error {
	if _, err := q.NewRaw(`DELETE FROM promotion_customer_uses WHERE tenant_id = ? AND promotion_id = ?`, tenant, promotionID).Exec(ctx); err != nil {
		return errs.Wrap(err, "promotion: recount customer uses")
	}
	if !limited {
		return nil
	}
	_, err := q.NewRaw(`INSERT INTO promotion_customer_uses (tenant_id, promotion_id, customer_key, uses)
		SELECT tenant_id, promotion_id, 'c:' || customer_id, COUNT(*) FROM promotion_redemptions
		WHERE tenant_id = ? AND promotion_id = ? AND released_at IS NULL AND customer_id <> ''
		GROUP BY tenant_id, promotion_id, customer_id
		UNION ALL
		SELECT tenant_id, promotion_id, 'e:' || email, COUNT(*) FROM promotion_redemptions
		WHERE tenant_id = ? AND promotion_id = ? AND released_at IS NULL AND email <> ''
		GROUP BY tenant_id, promotion_id, email`, tenant, promotionID, tenant, promotionID).Exec(ctx)
	return errs.Wrap(err, "promotion: recount customer uses")
}
