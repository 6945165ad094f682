package mailing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/cart"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/promotion"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// The lifecycle automations (abandoned cart, win-back, birthday) are found
// by a periodic round (RunAutomations, run by core/jobs) rather than by an
// event: a round writes the trigger's recipient row (campaign_id
// "auto:<kind>:<key>", unique per address, so a trigger is queued once
// however often the round runs) and enqueues the automation event at the
// delay; the mail then goes as every automation's (runAutomation, deliver:
// consent and unsubscribe checked again at send time).
//
//   - abandoned cart, key the cart id: an active cart with lines and an
//     e-mail (given at checkout) or a customer, untouched for the delay
//     (looked for up to AbandonedWindow after that). The mail lists the
//     cart priced now and links to /cart/restore/<token> (RestoreToken,
//     valid RestoreTTL): the lines are copied into the cart of whoever
//     opens it (cart.Service.Restore), and an order placed from that cart
//     is attributed to the mail. A cart checked out or emptied before the
//     send is skipped.
//   - win-back, key customer and their last order id: the members of the
//     shop's segment (or WinBackSegments) who may be mailed, once per
//     dormancy, in a pass a day; with a promotion set, each mail carries
//     its own personal single-use code of that promotion (coupon).
//   - birthday, key customer and year: on the customer's birthday in the
//     shop's time zone (29 February on 28 February in other years), the
//     tier's birthday points (loyalty.GrantBirthday, once a year, whether
//     or not the mail is on) and the mail saying so.
//
// Consent for a guest's cart is the consent of the shop's customer record
// with that address (guest or account): an address no customer record
// holds is never mailed.

// RestoreTTL is how long an abandoned-cart mail's restore link works.
const RestoreTTL = 7 * 24 * time.Hour

// AbandonedWindow is how long after its delay a cart is still looked for
// (rounds run every few minutes; older carts are left alone).
const AbandonedWindow = 24 * time.Hour

// Round counts what one RunAutomations queued.
type Round struct {
	AbandonedCarts int
	WinBacks       int
	Birthdays      int   // mails queued
	BirthdayPoints int64 // points granted
}

// roundPage bounds the rows one part of a round reads at a time.
const roundPage = 200

// RunAutomations is the lifecycle automations' round for core/jobs (every
// few minutes; ctx any, the work is scoped shop by shop). A shop's
// failure does not stop the others; the errors come back joined.
func (s *Service) RunAutomations(ctx context.Context) (Round, error) {
	var r Round
	now := s.now()
	return r, errors.Join(s.abandonedRound(ctx, now, &r), s.birthdayRound(ctx, now, &r), s.winBackRound(ctx, now, &r))
}

// enabledShops are the shops with kind on.
func (s *Service) enabledShops(ctx context.Context, kind string) ([]automationRow, error) {
	var rows []automationRow
	err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("kind = ? AND enabled = ?", kind, true).OrderExpr("tenant_id").Scan(ctx)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "mailing: automations")
	}
	return rows, nil
}

// allowedIn is the consent rule for one customer and address, in q.
func allowedIn(ctx context.Context, q bun.IDB, tid, customerID, email string) (bool, error) {
	if customerID == "" || !validEmail(email) {
		return false, nil
	}
	consent, err := customer.ConsentIn(ctx, q, tid, []string{customerID})
	if err != nil {
		return false, err
	}
	sup, err := suppressedIn(ctx, q, tid, []string{email})
	if err != nil {
		return false, err
	}
	return allowed(consent, sup, customerID, email), nil
}

// queue writes the trigger's recipient row and enqueues its send at at;
// false when the trigger was queued before. with (may be nil) completes
// the payload of a new trigger in the same transaction (a coupon).
func queue(ctx context.Context, q bun.IDB, tid string, p autoPayload, email string, now, at time.Time, with func(*autoPayload) error) (bool, error) {
	row := Recipient{TenantID: tid, ID: store.NewID(), CampaignID: "auto:" + p.Kind + ":" + p.Key, CustomerID: p.CustomerID, Email: email, Status: RQueued, CreatedAt: now}
	res, err := q.NewInsert().Model(&row).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, errs.Wrap(err, "mailing: queue automation")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	p.Email = email
	if with != nil {
		if err := with(&p); err != nil {
			return false, err
		}
	}
	_, err = outbox.EnqueueEventAt(ctx, q, tid, TopicAutomation, p, at)
	return err == nil, err
}

// queuedKeys reads which of the items' trigger keys (key of each) already
// have a mail of kind, in one statement, so a round skips them without a
// write.
func queuedKeys[T any](s *Service, ctx context.Context, tid, kind string, items []T, key func(T) string) (map[string]bool, error) {
	done := map[string]bool{}
	if len(items) == 0 {
		return done, nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = "auto:" + kind + ":" + key(it)
	}
	var got []string
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model((*Recipient)(nil)).Column("campaign_id").Where("tenant_id = ? AND campaign_id IN (?)", tid, bun.List(ids)).Scan(ctx, &got)
	})
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "mailing: queued")
	}
	for _, id := range got {
		done[strings.TrimPrefix(id, "auto:"+kind+":")] = true
	}
	return done, nil
}

// ---- abandoned carts ----

func (s *Service) abandonedRound(ctx context.Context, now time.Time, r *Round) error {
	if s.opts.Carts == nil {
		return nil
	}
	shops, err := s.enabledShops(ctx, AutoAbandonedCart)
	if err != nil {
		return err
	}
	var all []error
	for _, a := range shops {
		tid := a.TenantID
		tctx := s.system(ctx, tid)
		to := now.Add(-time.Duration(a.DelayMinutes) * time.Minute)
		from := to.Add(-AbandonedWindow)
		var afterAt time.Time
		afterID := ""
		for {
			var list []cart.Abandoned
			err := s.db.Read(tctx, func(ctx context.Context, q bun.IDB) error {
				var err error
				list, err = cart.AbandonedIn(ctx, q, tid, from, to, afterAt, afterID, roundPage)
				return err
			})
			if err != nil {
				all = append(all, err)
				break
			}
			done, err := queuedKeys(s, tctx, tid, AutoAbandonedCart, list, func(c cart.Abandoned) string { return c.ID })
			if err != nil {
				all = append(all, err)
				break
			}
			for _, c := range list {
				if done[c.ID] {
					continue // queued in an earlier round
				}
				ok, err := s.queueCart(tctx, tid, c, now)
				if err != nil {
					all = append(all, err)
					continue
				}
				if ok {
					r.AbandonedCarts++
				}
			}
			if len(list) < roundPage {
				break
			}
			afterAt, afterID = list[len(list)-1].UpdatedAt, list[len(list)-1].ID
		}
	}
	return errors.Join(all...)
}

// queueCart queues one cart's mail to its customer's address (a signed-in
// shopper's cart) or to the address given at checkout, when that address
// belongs to a customer record who may be mailed.
func (s *Service) queueCart(ctx context.Context, tid string, c cart.Abandoned, now time.Time) (bool, error) {
	var queued bool
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		queued = false
		cid, email := c.CustomerID, c.Email
		if cid != "" {
			f, err := customer.FactsIn(ctx, q, tid, cid)
			if err != nil || f == nil || f.Email == "" {
				return err
			}
			email = f.Email
		} else {
			var err error
			if cid, err = customer.IDByEmailIn(ctx, q, tid, email); err != nil || cid == "" {
				return err
			}
		}
		if ok, err := allowedIn(ctx, q, tid, cid, email); err != nil || !ok {
			return err
		}
		var err error
		queued, err = queue(ctx, q, tid, autoPayload{Kind: AutoAbandonedCart, Key: c.ID, CustomerID: cid}, email, now, now, nil)
		return err
	})
	return queued, err
}

var cartTmpl = template.Must(template.New("cart").Parse(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:16px 0;border-collapse:collapse">
{{range .Lines}}<tr><td style="padding:6px 0;border-bottom:1px solid #eee">{{.Title}}{{if .Variant}} — {{.Variant}}{{end}} × {{.Quantity}}{{if .Note}} <em>({{.Note}})</em>{{end}}</td><td style="padding:6px 0;border-bottom:1px solid #eee;text-align:right">{{.Price}}</td></tr>
{{end}}<tr><td style="padding:8px 0"><strong>Subtotal</strong></td><td style="padding:8px 0;text-align:right"><strong>{{.Subtotal}}</strong></td></tr></table>
<p style="margin:16px 0"><a href="{{.Link}}" style="display:inline-block;padding:10px 18px;border-radius:4px;background:#222;color:#fff;text-decoration:none">Return to your cart</a></p>`))

type cartMailLine struct {
	Title, Variant, Price, Note string
	Quantity                    int64
}

// cartBlock renders the cart's lines, priced now, and its restore link
// for recipient rid; false when the cart is no longer active or empty.
func (s *Service) cartBlock(ctx context.Context, tid, cartID, rid string, htmlOut, textOut *string) (bool, error) {
	if s.opts.Carts == nil {
		return false, nil
	}
	var v *cart.View
	err := s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		c, err := cart.LoadIn(ctx, q, tid, cartID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil || c.Status != cart.StatusActive || len(c.Lines) == 0 {
			return err
		}
		v, err = s.opts.Carts.PriceIn(ctx, q, c, cart.PriceOptions{CustomerID: c.CustomerID})
		return err
	})
	if err != nil || v == nil {
		return false, err
	}
	base, err := s.shopURL(ctx, tid)
	if err != nil {
		return false, err
	}
	var show money.Formatter
	link := base + "/cart/restore/" + RestoreToken(s.opts.Secret, tid, rid, s.now().Add(RestoreTTL))
	data := struct {
		Lines          []cartMailLine
		Subtotal, Link string
	}{Link: link}
	for _, l := range v.Lines {
		ml := cartMailLine{Title: l.Title, Variant: l.VariantTitle, Quantity: l.Quantity, Price: show.Display(l.Total, v.Currency)}
		switch {
		case l.Problem == cart.ProblemUnavailable:
			ml.Note, ml.Price = "no longer available", ""
		case l.Problem == cart.ProblemInsufficient:
			ml.Note = "only a few left"
		case l.Gift != "":
			ml.Note = "free gift"
		}
		if ml.Title == "" {
			ml.Title = "An item"
		}
		data.Lines = append(data.Lines, ml)
	}
	if v.Price != nil {
		data.Subtotal = show.Display(v.Price.Subtotal, v.Currency)
	}
	var b bytes.Buffer
	if err := cartTmpl.Execute(&b, data); err != nil {
		return false, errs.Wrap(err, "mailing: cart block")
	}
	*htmlOut = b.String()
	*textOut = "Return to your cart: " + link + "\n"
	return true, nil
}

// RestoreToken is the signed restore link token of an abandoned-cart
// mail (its recipient id) for the shop, valid until exp.
func RestoreToken(secret []byte, tid, recipientID string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return recipientID + "." + e + "." + mac(secret, "restore", tid, recipientID, e)
}

// RestoreCart checks a restore link's token (signature, expiry, a mail of
// the abandoned-cart automation of this shop), records it as a click on
// that mail, and returns the cart to restore and the mail's recipient id
// (for cart.Service.Restore). Anything else is NotFound.
func (s *Service) RestoreCart(ctx context.Context, tok string) (cartID, recipientID string, err error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return "", "", err
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] == "" || len(parts[0]) > 64 {
		return "", "", errBadLink()
	}
	exp, perr := strconv.ParseInt(parts[1], 10, 64)
	if perr != nil || !hmac.Equal([]byte(parts[2]), []byte(mac(s.opts.Secret, "restore", tid, parts[0], parts[1]))) {
		return "", "", errBadLink()
	}
	if s.now().Unix() > exp {
		return "", "", errs.NotFoundf("this link has expired")
	}
	prefix := "auto:" + AutoAbandonedCart + ":"
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		r := new(Recipient)
		err := q.NewSelect().Model(r).Where("tenant_id = ? AND id = ?", tid, parts[0]).Scan(ctx)
		if store.NoRows(err) || err == nil && !strings.HasPrefix(r.CampaignID, prefix) {
			return errBadLink()
		}
		if err != nil {
			return errs.Wrap(err, "mailing: restore")
		}
		cartID, recipientID = strings.TrimPrefix(r.CampaignID, prefix), r.ID
		now := s.now()
		if _, err := q.NewUpdate().Model((*Recipient)(nil)).Set("clicked_at = COALESCE(clicked_at, ?), last_clicked_at = ?", now, now).
			Where("tenant_id = ? AND id = ?", tid, r.ID).Exec(ctx); err != nil {
			return errs.Wrap(err, "mailing: restore")
		}
		if s.opts.Tracker == nil {
			return nil
		}
		return s.opts.Tracker.Track(ctx, q, tid, TrackEvent{Kind: "click", CampaignID: r.CampaignID, RecipientID: r.ID, CustomerID: r.CustomerID, Path: "/cart", At: now})
	})
	return cartID, recipientID, err
}

// ---- win-back ----

func (s *Service) winBackRound(ctx context.Context, now time.Time, r *Round) error {
	if s.opts.Audience == nil {
		return nil
	}
	shops, err := s.enabledShops(ctx, AutoWinBack)
	if err != nil {
		return err
	}
	var all []error
	for _, a := range shops {
		if a.LastRunAt != nil && now.Sub(a.LastRunAt.UTC()) < 24*time.Hour {
			continue // a pass a day
		}
		n, err := s.winBackShop(s.system(ctx, a.TenantID), a, now)
		r.WinBacks += n
		if err != nil {
			all = append(all, err)
			continue
		}
		if err := s.db.Write(s.system(ctx, a.TenantID), func(ctx context.Context, q bun.IDB) error {
			_, err := q.NewUpdate().Model((*automationRow)(nil)).Set("last_run_at = ?", now).Where("tenant_id = ? AND kind = ?", a.TenantID, a.Kind).Exec(ctx)
			return errs.Wrap(err, "mailing: win-back")
		}); err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

// winBackShop queues the win-back mail of every mailable member of the
// shop's dormant segments not mailed in their current dormancy.
func (s *Service) winBackShop(ctx context.Context, a automationRow, now time.Time) (int, error) {
	tid := a.TenantID
	segs := WinBackSegments
	if a.SegmentID != "" {
		segs = []string{a.SegmentID}
	}
	at := now.Add(time.Duration(a.DelayMinutes) * time.Minute)
	n := 0
	for _, seg := range segs {
		after := ""
		for {
			ms, next, err := s.opts.Audience.Members(ctx, seg, after, s.opts.PageSize)
			if err != nil {
				return n, err
			}
			ok, err := s.mailable(ctx, tid, ms)
			if err != nil {
				return n, err
			}
			if len(ok) > 0 {
				ids := make([]string, len(ok))
				for i, m := range ok {
					ids[i] = m.CustomerID
				}
				err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
					last, err := order.LastOrdersIn(ctx, q, tid, ids)
					if err != nil {
						return err
					}
					for _, m := range ok {
						since := last[m.CustomerID]
						if since == "" {
							since = "none"
						}
						p := autoPayload{Kind: AutoWinBack, Key: m.CustomerID + ":" + since, CustomerID: m.CustomerID, Vars: map[string]string{"code": "", "coupon": ""}}
						queued, err := queue(ctx, q, tid, p, m.Email, now, at, func(p *autoPayload) error { return s.coupon(ctx, q, tid, a.PromotionID, p, now) })
						if err != nil {
							return err
						}
						if queued {
							n++
						}
					}
					return nil
				})
				if err != nil {
					return n, err
				}
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	return n, nil
}

// WinBackCouponDays is how long a win-back coupon works.
const WinBackCouponDays = 30

// coupon issues the win-back mail's personal code (core/promotion's
// IssuePersonalCode: single-use, for that customer's account only,
// expiring after WinBackCouponDays) of the shop's promotion, in the
// transaction that queues the mail, so a trigger gets one code. A
// promotion that can no longer take codes (deleted, made automatic) gives
// no coupon; the mail still goes.
func (s *Service) coupon(ctx context.Context, q bun.IDB, tid, promotionID string, p *autoPayload, now time.Time) error {
	if promotionID == "" {
		return nil
	}
	exp := now.Add(WinBackCouponDays * 24 * time.Hour)
	c, err := promotion.IssuePersonalCode(ctx, q, tid, promotion.Personal{PromotionID: promotionID, CustomerID: p.CustomerID, Prefix: "WB-", ExpiresAt: &exp,
		Reason: "win-back mail " + p.Key}, now)
	switch {
	case err == nil:
		p.Vars["code"] = c.Code
		p.Vars["coupon"] = "Your personal code " + c.Code + " gives you our welcome-back offer on your next order; it works once, until " + exp.Format("2 January 2006") + "."
		return nil
	case errs.CodeOf(err) != errs.Internal:
		return nil
	}
	return err
}

// checkWinBack validates the win-back's segment and promotion (and clears
// them on other kinds).
func (s *Service) checkWinBack(ctx context.Context, a *Automation) error {
	if a.Kind != AutoWinBack {
		a.SegmentID, a.PromotionID = "", ""
		return nil
	}
	var err error
	if a.SegmentID, err = line("segment_id", a.SegmentID, 100, false); err != nil {
		return err
	}
	if a.PromotionID, err = line("promotion_id", a.PromotionID, 100, false); err != nil {
		return err
	}
	if a.SegmentID != "" {
		if s.opts.Audience == nil {
			return errs.Field("segment_id", "segments are not available")
		}
		if _, _, err := s.opts.Audience.Members(ctx, a.SegmentID, "", 1); err != nil {
			if errs.CodeOf(err) == errs.Internal {
				return err
			}
			return errs.Field("segment_id", "unknown segment %q", a.SegmentID)
		}
	}
	if a.PromotionID != "" {
		tid, err := store.TenantID(ctx)
		if err != nil {
			return err
		}
		err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := promotion.CodedPromotionIn(ctx, q, tid, a.PromotionID)
			return err
		})
		switch {
		case errs.Is(err, errs.NotFound):
			return errs.Field("promotion_id", "unknown promotion %q", a.PromotionID)
		case err != nil && errs.CodeOf(err) != errs.Internal:
			return errs.Field("promotion_id", "must be a promotion that requires a code")
		case err != nil:
			return err
		}
	}
	return nil
}

// ---- birthdays ----

// location is the shop's time zone (UTC when unknown).
func (s *Service) location(ctx context.Context, tid string) *time.Location {
	if s.opts.Location == nil {
		return time.UTC
	}
	loc, err := s.opts.Location(s.system(ctx, tid), tid)
	if err != nil || loc == nil {
		return time.UTC
	}
	return loc
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// birthdayToday reports whether month/day is the birthday on local's date
// (29 February counts on 28 February in other years).
func birthdayToday(month, day int, local time.Time) bool {
	m, d := int(local.Month()), local.Day()
	if month == m && day == d {
		return true
	}
	return month == 2 && day == 29 && m == 2 && d == 28 && !isLeap(local.Year())
}

func (s *Service) birthdayRound(ctx context.Context, now time.Time, r *Round) error {
	// Every shop's today lies within a day of UTC's.
	var days []customer.Birthday
	seen := map[customer.Birthday]bool{}
	for _, t := range []time.Time{now.Add(-24 * time.Hour), now, now.Add(24 * time.Hour)} {
		b := customer.Birthday{Month: int(t.Month()), Day: t.Day()}
		if b.Month == 2 && b.Day == 28 && !isLeap(t.Year()) {
			days = append(days, customer.Birthday{Month: 2, Day: 29})
		}
		if !seen[b] {
			seen[b] = true
			days = append(days, b)
		}
	}
	locs := map[string]*time.Location{}
	var all []error
	afterTenant, afterID := "", ""
	for {
		var rows []customer.BirthdayRow
		err := s.db.Read(tenancy.WithPlatform(ctx), func(ctx context.Context, q bun.IDB) error {
			var err error
			rows, err = customer.BirthdaysIn(ctx, q, days, afterTenant, afterID, roundPage)
			return err
		})
		if err != nil {
			return errors.Join(append(all, err)...)
		}
		type due struct {
			cid  string
			year int
		}
		byShop := map[string][]due{}
		var shops []string
		for _, b := range rows {
			loc, ok := locs[b.TenantID]
			if !ok {
				loc = s.location(ctx, b.TenantID)
				locs[b.TenantID] = loc
			}
			local := now.In(loc)
			if !birthdayToday(b.Month, b.Day, local) {
				continue
			}
			if byShop[b.TenantID] == nil {
				shops = append(shops, b.TenantID)
			}
			byShop[b.TenantID] = append(byShop[b.TenantID], due{b.CustomerID, local.Year()})
		}
		for _, tid := range shops {
			tctx := s.system(ctx, tid)
			key := func(d due) string { return d.cid + ":" + strconv.Itoa(d.year) }
			// A birthday whose mail is queued had its points in the same
			// transaction: nothing left to do.
			done, err := queuedKeys(s, tctx, tid, AutoBirthday, byShop[tid], key)
			if err != nil {
				all = append(all, err)
				continue
			}
			for _, d := range byShop[tid] {
				if done[key(d)] {
					continue
				}
				if err := s.birthday(tctx, tid, d.cid, d.year, now, r); err != nil {
					all = append(all, err)
				}
			}
		}
		if len(rows) < roundPage {
			break
		}
		afterTenant, afterID = rows[len(rows)-1].TenantID, rows[len(rows)-1].CustomerID
	}
	return errors.Join(all...)
}

// birthday grants the customer's birthday points for year and queues the
// birthday mail, in one transaction.
func (s *Service) birthday(ctx context.Context, tid, cid string, year int, now time.Time, r *Round) error {
	var points int64
	var queued bool
	err := s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		points, queued = 0, false
		tier := ""
		if s.opts.Loyalty != nil {
			p, t, err := s.opts.Loyalty.GrantBirthday(ctx, q, cid, year)
			if err != nil {
				return err
			}
			points = p
			if t != nil {
				tier = t.Name
			}
		}
		a, err := automationIn(ctx, q, tid, AutoBirthday)
		if err != nil || !a.Enabled {
			return err
		}
		f, err := customer.FactsIn(ctx, q, tid, cid)
		if err != nil || f == nil || f.Email == "" {
			return err
		}
		if ok, err := allowedIn(ctx, q, tid, cid, f.Email); err != nil || !ok {
			return err
		}
		vars := map[string]string{"points": strconv.FormatInt(points, 10), "tier": tier, "gift": ""}
		if points > 0 {
			vars["gift"] = "As our birthday gift, " + strconv.FormatInt(points, 10) + " points have been added to your account."
		}
		queued, err = queue(ctx, q, tid, autoPayload{Kind: AutoBirthday, Key: cid + ":" + strconv.Itoa(year), CustomerID: cid, Vars: vars},
			f.Email, now, now.Add(time.Duration(a.DelayMinutes)*time.Minute), nil)
		return err
	})
	if err != nil {
		return err
	}
	r.BirthdayPoints += points
	if queued {
		r.Birthdays++
	}
	return nil
}
