package promotion

import (
	"slices"
	"sync"
)

// The snapshot cache. Every priced cart and checkout needs the shop's
// live promotions; reading them is a statement returning every live row,
// decoded and prepared (Prepare) again each time. SnapshotIn keeps them
// per shop instead, under the state token its caller read with StateSQL
// (checkout reads it in its settings statement, which it runs anyway): the
// same token, the same rows, no statement.
//
// Only a snapshot whose promotions have no counter that limits them is
// kept — no usage limit, no budget of their own or of their campaign, no
// flash sale — as counters move with every order of such an offer, and the
// snapshot must show them as they are (counters are kept only under a
// limit, usage.go). Everything else in a promotion changes with its
// version, which StateSQL sums; the customer's uses and the entered codes
// are read per cart as before.

// StateSQL is an SQL text expression identifying, for SnapshotIn's cache,
// the state of the tenant's offers at now (tenantExpr and nowExpr are SQL
// expressions, usually "?", appearing in that order: tenant, tenant,
// tenant, now): the promotions' and campaigns' counts and versions (every
// change bumps a version, and versions only grow, whatever order changes
// commit in), and the next end of an active promotion's window, after which
// the live set is another.
func StateSQL(tenantExpr, nowExpr string) string {
	return "((SELECT CAST(COUNT(*) AS TEXT) || '.' || CAST(COALESCE(SUM(version), 0) AS TEXT) FROM promotions WHERE tenant_id = " + tenantExpr + ")" +
		" || '.' || (SELECT CAST(COUNT(*) AS TEXT) || '.' || CAST(COALESCE(SUM(version), 0) AS TEXT) FROM promotion_campaigns WHERE tenant_id = " + tenantExpr + ")" +
		" || '.' || COALESCE((SELECT CAST(MIN(ends_at) AS TEXT) FROM promotions WHERE tenant_id = " + tenantExpr +
		" AND status = 'active' AND ends_at > " + nowExpr + "), ''))"
}

// cachedOffers is one shop's live promotions under a state token.
type cachedOffers struct {
	state    string
	promos   []Promotion // read-only; capacity = length, so an append copies
	once     sync.Once
	prepared *Prepared
}

// offerCache holds the cachedOffers of each tenant.
type offerCache struct{ m sync.Map }

func (c *offerCache) get(tenant, state string) *cachedOffers {
	if state == "" {
		return nil
	}
	v, ok := c.m.Load(tenant)
	if !ok || v.(*cachedOffers).state != state {
		return nil
	}
	return v.(*cachedOffers)
}

// put keeps promos under state when none of them has a counting limit,
// and returns the entry (nil when not kept).
func (c *offerCache) put(tenant, state string, promos []Promotion) *cachedOffers {
	if state == "" {
		return nil
	}
	for i := range promos {
		p := &promos[i]
		if p.UsageLimit > 0 || p.Budget > 0 || p.CampaignBudget > 0 || p.Kind == KindFlashSale {
			c.m.Delete(tenant)
			return nil
		}
	}
	e := &cachedOffers{state: state, promos: slices.Clip(promos)}
	c.m.Store(tenant, e)
	return e
}

// prepare is Prepare of the entry's promotions, once.
func (e *cachedOffers) prepare() *Prepared {
	e.once.Do(func() { e.prepared = Prepare(e.promos) })
	return e.prepared
}
