package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/loyalty"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/tenants/perm"
)

// The customer overview: one view of a customer for the console's
// customer page and GET /api/customers/{id}/overview. Each section is read
// with one or two statements by the service that owns it (no statement
// per order, review or segment), and only when the staff member holds the
// section's permission besides customers.read; a section left out for
// that is named in Hidden:
//
//	totals, store credit, consent, tags  customers.read
//	recent orders, tickets              orders.read
//	returns                             returns.read
//	membership (tier, points, ledger)   loyalty.read (and a programme on)
//	RFM group and saved segments        segments.read
//	reviews                             reviews.read
//	campaign mails                      mailing.read

// overviewRecent is how many rows each list section holds.
const overviewRecent = 10

// CustomerOverview is one view of a customer.
type CustomerOverview struct {
	Customer CustomerJSON `json:"customer"`
	// Totals are the counted orders (neither awaiting payment nor
	// cancelled) per currency, the one with the most orders first.
	Totals      []CustomerTotalsJSON `json:"totals"`
	StoreCredit []MoneyJSON          `json:"store_credit"`
	Orders      []OverviewOrder      `json:"orders,omitempty"`
	Membership  *OverviewMembership  `json:"membership,omitempty"`
	RFM         *OverviewRFM         `json:"rfm,omitempty"`
	Segments    []OverviewSegment    `json:"segments,omitempty"`
	Reviews     []OverviewReview     `json:"reviews,omitempty"`
	Returns     []OverviewReturn     `json:"returns,omitempty"`
	Tickets     []OverviewTicket     `json:"tickets,omitempty"`
	Mails       []OverviewMail       `json:"mails,omitempty"`
	// Hidden names the sections left out because the staff member may
	// not read them (orders, tickets, returns, membership, segments,
	// reviews, mails).
	Hidden []string `json:"hidden"`
}

// CustomerTotalsJSON is what a customer spent in one currency.
type CustomerTotalsJSON struct {
	Currency     string    `json:"currency"`
	Orders       int64     `json:"orders"`
	Spent        int64     `json:"spent"`
	AOV          int64     `json:"aov"`
	FirstOrderAt time.Time `json:"first_order_at"`
	LastOrderAt  time.Time `json:"last_order_at"`
}

// MoneyJSON is an amount in minor units of a currency.
type MoneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// OverviewOrder is one of the customer's latest orders.
type OverviewOrder struct {
	ID       string    `json:"id"`
	Number   int64     `json:"number"`
	Status   string    `json:"status"`
	Total    int64     `json:"total"`
	Currency string    `json:"currency"`
	PlacedAt time.Time `json:"placed_at"`
}

// OverviewMembership is the customer's tier, progress and points.
type OverviewMembership struct {
	Tier         string     `json:"tier"`
	TierCode     string     `json:"tier_code"`
	TierSince    *time.Time `json:"tier_since,omitempty"`
	NextTier     string     `json:"next_tier,omitempty"`
	Progress     int64      `json:"progress"`
	Threshold    int64      `json:"threshold,omitempty"` // the next tier's
	QualifyBy    string     `json:"qualify_by"`          // spend (Progress and Threshold in minor units of Currency) or points
	Currency     string     `json:"currency,omitempty"`
	Balance      int64      `json:"balance"`
	Expiring     int64      `json:"expiring"`
	ReferralCode string     `json:"referral_code"`
	// Entries are the latest ledger entries, newest first.
	Entries []OverviewPoints `json:"entries"`
	// TierChanges are the latest tier changes, newest first.
	TierChanges []OverviewTierChange `json:"tier_changes"`
}

// OverviewTierChange is a move from one tier to another.
type OverviewTierChange struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// OverviewPoints is one points ledger entry.
type OverviewPoints struct {
	Kind      string    `json:"kind"`
	Points    int64     `json:"points"`
	Reason    string    `json:"reason,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	OrderID   string    `json:"order_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// OverviewRFM is the customer's RFM scores and group as of the last
// recompute.
type OverviewRFM struct {
	R         int    `json:"r"`
	F         int    `json:"f"`
	M         int    `json:"m"`
	Group     string `json:"group"`
	GroupName string `json:"group_name"`
}

// OverviewSegment is a saved segment the customer is in now.
type OverviewSegment struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// OverviewReview is a review the customer wrote, in any moderation state.
type OverviewReview struct {
	ID           string    `json:"id"`
	ProductID    string    `json:"product_id"`
	ProductTitle string    `json:"product_title"`
	OrderID      string    `json:"order_id"`
	Rating       int       `json:"rating"`
	Title        string    `json:"title"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

// OverviewReturn is a return of one of the customer's orders.
type OverviewReturn struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"order_id"`
	Status    string    `json:"status"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"created_at"`
}

// OverviewTicket is a service ticket of the customer.
type OverviewTicket struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"order_id,omitempty"`
	Subject   string    `json:"subject"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OverviewMail is a campaign mail to the customer.
type OverviewMail struct {
	CampaignID     string     `json:"campaign_id"`
	Name           string     `json:"name"`
	Subject        string     `json:"subject"`
	Status         string     `json:"status"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	OpenedAt       *time.Time `json:"opened_at,omitempty"`
	ClickedAt      *time.Time `json:"clicked_at,omitempty"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at,omitempty"`
}

// CustomerOverview reads the route's :customer's overview (a foreign or
// unknown id is NotFound before anything else is read).
func (a *Admin) CustomerOverview(c *fiber.Ctx) (*CustomerOverview, error) {
	ctx := c.UserContext()
	x, err := a.customers.Get(ctx, c.Params("customer"))
	if err != nil {
		return nil, err
	}
	id := x.ID
	ov := &CustomerOverview{Customer: CustomerJSONOf(x), Totals: []CustomerTotalsJSON{}, StoreCredit: []MoneyJSON{}, Hidden: []string{}}
	can := func(p perm.Permission, section string) bool {
		if a.kit.Can(c, p) {
			return true
		}
		ov.Hidden = append(ov.Hidden, section)
		return false
	}

	totals, err := a.orders.CustomerSummary(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, t := range totals {
		ov.Totals = append(ov.Totals, CustomerTotalsJSON{Currency: t.Currency, Orders: t.Orders, Spent: t.Spent, AOV: t.AOV, FirstOrderAt: t.First, LastOrderAt: t.Last})
	}
	credit, err := a.afterSales.StoreCredit(ctx, aftersales.CustomerCreditKey(id), 1)
	if err != nil {
		return nil, err
	}
	for _, b := range credit.Balances {
		ov.StoreCredit = append(ov.StoreCredit, MoneyJSON{Amount: b.Amount, Currency: b.Currency})
	}

	if can(perm.OrdersRead, "orders") {
		p, err := a.orders.List(ctx, order.Filter{CustomerID: id, Limit: overviewRecent})
		if err != nil {
			return nil, err
		}
		ov.Orders = []OverviewOrder{}
		for _, o := range p.Orders {
			ov.Orders = append(ov.Orders, OverviewOrder{ID: o.ID, Number: o.Number, Status: string(o.Status), Total: o.Total, Currency: o.Currency, PlacedAt: o.PlacedAt.UTC()})
		}
		ts, err := a.afterSales.Tickets(ctx, aftersales.TicketFilter{CustomerID: id, Limit: overviewRecent})
		if err != nil {
			return nil, err
		}
		ov.Tickets = []OverviewTicket{}
		for _, t := range ts {
			ov.Tickets = append(ov.Tickets, OverviewTicket{ID: t.ID, OrderID: t.OrderID, Subject: t.Subject, Status: string(t.Status), UpdatedAt: t.UpdatedAt.UTC()})
		}
	} else {
		ov.Hidden = append(ov.Hidden, "tickets")
	}
	if can(perm.ReturnsRead, "returns") {
		rs, err := a.afterSales.List(ctx, aftersales.ReturnFilter{CustomerID: id, Limit: overviewRecent})
		if err != nil {
			return nil, err
		}
		ov.Returns = []OverviewReturn{}
		for _, r := range rs {
			ov.Returns = append(ov.Returns, OverviewReturn{ID: r.ID, OrderID: r.OrderID, Status: string(r.Status), Amount: r.Amount, Currency: r.Currency, CreatedAt: r.CreatedAt.UTC()})
		}
	}
	if a.loyalty != nil && can(perm.LoyaltyRead, "membership") {
		if ov.Membership, err = a.membership(c, id); err != nil {
			return nil, err
		}
	}
	if a.segments != nil && can(perm.SegmentsRead, "segments") {
		sg, err := a.segments.Of(ctx, id)
		if err != nil {
			return nil, err
		}
		if sg.Group != nil {
			ov.RFM = &OverviewRFM{R: sg.R, F: sg.F, M: sg.M, Group: sg.Group.Code, GroupName: sg.Group.Name}
		}
		ov.Segments = []OverviewSegment{}
		for _, s := range sg.Segments {
			ov.Segments = append(ov.Segments, OverviewSegment{ID: s.ID, Name: s.Name})
		}
	}
	if a.reviews != nil && can(perm.ReviewsRead, "reviews") {
		rs, err := a.reviews.ByCustomer(ctx, id, overviewRecent)
		if err != nil {
			return nil, err
		}
		ov.Reviews = []OverviewReview{}
		for _, r := range rs {
			ov.Reviews = append(ov.Reviews, OverviewReview{ID: r.ID, ProductID: r.ProductID, ProductTitle: r.ProductTitle, OrderID: r.OrderID,
				Rating: r.Rating, Title: r.Title, Status: string(r.Status), CreatedAt: r.CreatedAt})
		}
	}
	if a.mailing != nil && can(perm.MailingRead, "mails") {
		ms, err := a.mailing.CustomerMails(ctx, id, overviewRecent)
		if err != nil {
			return nil, err
		}
		ov.Mails = []OverviewMail{}
		for _, m := range ms {
			ov.Mails = append(ov.Mails, OverviewMail{CampaignID: m.CampaignID, Name: m.Name, Subject: m.Subject, Status: m.Status, SentAt: m.SentAt,
				OpenedAt: m.OpenedAt, ClickedAt: m.ClickedAt, UnsubscribedAt: m.UnsubscribedAt})
		}
	}
	return ov, nil
}

// membership is the overview's membership section (nil when the shop
// runs no programme).
func (a *Admin) membership(c *fiber.Ctx, customerID string) (*OverviewMembership, error) {
	ctx := c.UserContext()
	m, p, err := a.loyalty.Member(ctx, customerID)
	if err != nil || !p.Settings.Enabled {
		return nil, err
	}
	h, err := a.loyalty.History(ctx, customerID, overviewRecent)
	if err != nil {
		return nil, err
	}
	out := &OverviewMembership{Tier: m.Tier.Name, TierCode: m.Tier.Code, TierSince: m.TierSince, Progress: m.Progress,
		QualifyBy: string(p.Settings.QualifyBy), Balance: m.Balance, Expiring: m.Expiring, ReferralCode: m.ReferralCode, Entries: []OverviewPoints{},
		TierChanges: []OverviewTierChange{}}
	if out.QualifyBy == loyalty.QualifySpend {
		out.Currency = a.ShopCurrency(c)
	}
	if m.Next != nil {
		out.NextTier, out.Threshold = m.Next.Name, m.Next.Threshold
	}
	for _, e := range h.Entries {
		out.Entries = append(out.Entries, OverviewPoints{Kind: e.Kind, Points: e.Points, Reason: e.Reason, Actor: e.Actor, OrderID: e.OrderID, CreatedAt: e.CreatedAt.UTC()})
	}
	for _, t := range h.Tiers {
		out.TierChanges = append(out.TierChanges, OverviewTierChange{From: t.From, To: t.To, Reason: t.Reason, At: t.At.UTC()})
	}
	return out, nil
}
