package customer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/text"
)

func (s *Service) withTags(ctx context.Context, c *Customer) *Customer {
	tid, _ := store.TenantID(ctx)
	s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewRaw("SELECT tag FROM customer_tags WHERE tenant_id = ? AND customer_id = ? ORDER BY tag", tid, c.ID).Scan(ctx, &c.Tags)
	})
	return c
}

// Get returns one customer.
func (s *Service) Get(ctx context.Context, id string) (*Customer, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var row customerRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx)
	})
	if store.NoRows(err) {
		return nil, errs.NotFoundf("customer not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "customer: get")
	}
	return s.withTags(ctx, row.out()), nil
}

// ListFilter selects customers for the console.
type ListFilter struct {
	Query     string // e-mail, phone or name contains (case-insensitive)
	Tag       string
	Marketing *bool // only those who accept (or refuse) marketing
	Cursor    string
	Limit     int // default 50, at most 250
}

// List returns customers newest first (deleted ones excluded) and the next
// cursor. Tags are loaded with one extra query.
func (s *Service) List(ctx context.Context, f ListFilter) ([]*Customer, string, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > 250 {
		f.Limit = 50
	}
	var rows []customerRow
	var out []*Customer
	next := ""
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		sel := q.NewSelect().Model(&rows).ModelTableExpr("customer_customers AS customer_row").Where("customer_row.tenant_id = ? AND customer_row.state <> 'deleted'", tid)
		if f.Query != "" {
			like := "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(f.Query))) + "%"
			sel = sel.Where("(LOWER(COALESCE(email, '')) LIKE ? OR COALESCE(phone, '') LIKE ? OR LOWER(first_name || ' ' || last_name) LIKE ?)", like, like, like)
		}
		if f.Tag != "" {
			sel = sel.Where("EXISTS (SELECT 1 FROM customer_tags t WHERE t.tenant_id = customer_row.tenant_id AND t.customer_id = customer_row.id AND t.tag = ?)", f.Tag)
		}
		if f.Marketing != nil {
			sel = sel.Where("accepts_marketing = ?", *f.Marketing)
		}
		if f.Cursor != "" {
			c, err := base64.RawURLEncoding.DecodeString(f.Cursor)
			if err != nil {
				return errs.Field("cursor", "is not valid")
			}
			sel = sel.Where("customer_row.id < ?", string(c))
		}
		if err := sel.OrderExpr("customer_row.id DESC").Limit(int64(f.Limit + 1)).Scan(ctx); err != nil {
			return errs.Wrap(err, "customer: list")
		}
		if len(rows) > f.Limit {
			rows = rows[:f.Limit]
			next = base64.RawURLEncoding.EncodeToString([]byte(rows[len(rows)-1].ID))
		}
		ids := make([]string, len(rows))
		byID := map[string]*Customer{}
		for i := range rows {
			ids[i] = rows[i].ID
			c := rows[i].out()
			byID[c.ID] = c
			out = append(out, c)
		}
		if len(ids) == 0 {
			return nil
		}
		var tags []struct {
			CustomerID string `bun:"customer_id"`
			Tag        string `bun:"tag"`
		}
		if err := q.NewRaw("SELECT customer_id, tag FROM customer_tags WHERE tenant_id = ? AND customer_id IN (?) ORDER BY tag", tid, bun.List(ids)).Scan(ctx, &tags); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "customer: tags")
		}
		for _, t := range tags {
			byID[t.CustomerID].Tags = append(byID[t.CustomerID].Tags, t.Tag)
		}
		return nil
	})
	return out, next, err
}

// UpdateInput is what staff (or the customer, for names and contact
// details) may change.
type UpdateInput struct {
	Email     string
	Phone     string
	FirstName string
	LastName  string
	Locale    string
	Note      string    // staff only
	Tags      []string  // staff only; nil keeps the tags
	State     State     // staff only; "" keeps the state
	Birthday  *Birthday // nil keeps it; a zero Birthday removes it
}

// Update replaces a customer's editable fields.
func (s *Service) Update(ctx context.Context, id string, in UpdateInput) (*Customer, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	email, err := text.NormaliseEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	phone, err := s.NormalizePhone(in.Phone)
	if err != nil {
		return nil, err
	}
	first, err := cleanName("first_name", in.FirstName)
	if err != nil {
		return nil, err
	}
	last, err := cleanName("last_name", in.LastName)
	if err != nil {
		return nil, err
	}
	if len(in.Note) > 10000 {
		return nil, errs.Field("note", "is longer than 10000 characters")
	}
	if in.State != "" && in.State != Enabled && in.State != Disabled {
		return nil, errs.Field("state", "must be enabled or disabled")
	}
	if in.Birthday != nil {
		if err := in.Birthday.validate(); err != nil {
			return nil, err
		}
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var row customerRow
		if err := q.NewSelect().Model(&row).Where("tenant_id = ? AND id = ?", tid, id).Scan(ctx); err != nil {
			if store.NoRows(err) {
				return errs.NotFoundf("customer not found")
			}
			return errs.Wrap(err, "customer: update")
		}
		if row.State == string(Deleted) {
			return errs.NotFoundf("customer not found")
		}
		if email == "" && phone == "" && !row.Guest {
			return errs.Field("email", "an account needs an e-mail address or a phone number")
		}
		if row.Email == nil || *row.Email != email {
			row.EmailVerifiedAt = nil // a new address is proved anew
		}
		row.Email, row.Phone, row.FirstName, row.LastName, row.Locale, row.Note = strp(email), strp(phone), first, last, in.Locale, in.Note
		if in.State != "" {
			row.State = string(in.State)
		}
		if b := in.Birthday; b != nil {
			row.BirthMonth, row.BirthDay = nil, nil
			if !b.IsZero() {
				row.BirthMonth, row.BirthDay = &b.Month, &b.Day
			}
		}
		row.UpdatedAt = s.now()
		if _, err := q.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
			return uniqueErr(err)
		}
		if in.State == Disabled {
			if _, err := q.NewRaw("DELETE FROM customer_sessions WHERE tenant_id = ? AND customer_id = ?", tid, id).Exec(ctx); err != nil {
				return errs.Wrap(err, "customer: update")
			}
		}
		if in.Tags != nil {
			if _, err := q.NewRaw("DELETE FROM customer_tags WHERE tenant_id = ? AND customer_id = ?", tid, id).Exec(ctx); err != nil {
				return errs.Wrap(err, "customer: tags")
			}
			seen := map[string]bool{}
			for _, t := range in.Tags {
				t = strings.Join(strings.Fields(t), " ")
				if t == "" || seen[t] || len(t) > 100 {
					continue
				}
				seen[t] = true
				if _, err := q.NewRaw("INSERT INTO customer_tags (tenant_id, customer_id, tag) VALUES (?, ?, ?)", tid, id, t).Exec(ctx); err != nil {
					return errs.Wrap(err, "customer: tags")
				}
			}
		}
		var tags []string
		if err := q.NewRaw("SELECT tag FROM customer_tags WHERE tenant_id = ? AND customer_id = ? ORDER BY tag", tid, id).Scan(ctx, &tags); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "customer: tags")
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.update", ObjectType: "customer", ObjectID: id,
			After: "tags: " + strings.Join(tags, ", ") + "; state: " + row.State})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// SetOwnBirthday is the shopper giving their birthday on their account
// page: once. A birthday already on the account (given before, or set by
// staff) is a 409 on "birthday" — changing it takes staff (Update), so
// the birthday gift cannot be had twice a year by moving the date.
func (s *Service) SetOwnBirthday(ctx context.Context, id string, b Birthday) (*Customer, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if b.IsZero() {
		return nil, errs.Field("birthday.month", "give the month and day of your birthday")
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewRaw(`UPDATE customer_customers SET birth_month = ?, birth_day = ?, updated_at = ?
			WHERE tenant_id = ? AND id = ? AND state <> 'deleted' AND birth_month IS NULL AND birth_day IS NULL`, b.Month, b.Day, s.now(), tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: birthday")
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.birthday", ObjectType: "customer", ObjectID: id,
				After: fmt.Sprintf("%02d-%02d, given by the customer", b.Month, b.Day)})
		}
		n, err := q.NewSelect().Table("customer_customers").Where("tenant_id = ? AND id = ? AND state <> 'deleted'", tid, id).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: birthday")
		}
		if n == 0 {
			return errs.NotFoundf("customer not found")
		}
		return &errs.Error{Code: errs.Conflict, Field: "birthday", Message: "your birthday is already on your account; ask the shop to change it"}
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// SetMarketingConsent records that a customer gave or withdrew consent to
// marketing, when, and where (source).
func (s *Service) SetMarketingConsent(ctx context.Context, id string, accepts bool, source string) (*Customer, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		return SetConsentIn(ctx, q, tid, id, accepts, source, now)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// SetConsentIn is SetMarketingConsent in the caller's transaction q (an
// unsubscribe link withdraws consent with its own records), audited.
func SetConsentIn(ctx context.Context, q bun.IDB, tid, id string, accepts bool, source string, now time.Time) error {
	res, err := q.NewRaw("UPDATE customer_customers SET accepts_marketing = ?, marketing_consent_at = ?, marketing_consent_source = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND state <> 'deleted'",
		accepts, now, consentSource(source, "account"), now, tid, id).Exec(ctx)
	if err != nil {
		return errs.Wrap(err, "customer: consent")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFoundf("customer not found")
	}
	what := "withdrawn"
	if accepts {
		what = "given"
	}
	return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.consent", ObjectType: "customer", ObjectID: id,
		After: "marketing consent " + what + " (" + consentSource(source, "account") + ")"})
}

// ConsentIn reads, in q, which of the given customers accept marketing
// now: enabled accounts with consent and an e-mail address, keyed by id,
// with when they gave it (zero if unknown). Customers missing from the map
// must not be mailed.
func ConsentIn(ctx context.Context, q bun.IDB, tid string, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID string     `bun:"id"`
		At *time.Time `bun:"marketing_consent_at"`
	}
	err := q.NewRaw("SELECT id, marketing_consent_at FROM customer_customers WHERE tenant_id = ? AND id IN (?) AND accepts_marketing = ? AND state = ? AND email IS NOT NULL",
		tid, bun.List(ids), true, Enabled).Scan(ctx, &rows)
	if err != nil && !store.NoRows(err) {
		return nil, errs.Wrap(err, "customer: consent")
	}
	for _, r := range rows {
		var at time.Time
		if r.At != nil {
			at = r.At.UTC()
		}
		out[r.ID] = at
	}
	return out, nil
}

// Address is a postal address of a customer.
type Address struct {
	ID         string `json:"id"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Province   string `json:"province,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
	Phone      string `json:"phone,omitempty"`
	IsDefault  bool   `json:"is_default"`
}

type addressRow struct {
	bun.BaseModel `bun:"table:customer_addresses"`
	TenantID      string    `bun:"tenant_id,pk"`
	ID            string    `bun:"id,pk"`
	CustomerID    string    `bun:"customer_id"`
	FirstName     string    `bun:"first_name"`
	LastName      string    `bun:"last_name"`
	Company       string    `bun:"company"`
	Line1         string    `bun:"line1"`
	Line2         string    `bun:"line2"`
	City          string    `bun:"city"`
	Province      string    `bun:"province"`
	PostalCode    string    `bun:"postal_code"`
	Country       string    `bun:"country"`
	Phone         string    `bun:"phone"`
	IsDefault     bool      `bun:"is_default"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (a *Address) validate() error {
	trim := func(p *string, field string, required bool, max int) error {
		*p = strings.TrimSpace(*p)
		if required && *p == "" {
			return errs.Field(field, "is required")
		}
		if len(*p) > max {
			return errs.Field(field, "is too long")
		}
		return nil
	}
	for _, f := range []struct {
		p        *string
		name     string
		required bool
	}{{&a.FirstName, "first_name", false}, {&a.LastName, "last_name", false}, {&a.Company, "company", false}, {&a.Line1, "line1", true},
		{&a.Line2, "line2", false}, {&a.City, "city", true}, {&a.Province, "province", false}, {&a.PostalCode, "postal_code", false}, {&a.Phone, "phone", false}} {
		if err := trim(f.p, f.name, f.required, 255); err != nil {
			return err
		}
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if len(a.Country) != 2 || a.Country[0] < 'A' || a.Country[0] > 'Z' || a.Country[1] < 'A' || a.Country[1] > 'Z' {
		return errs.Field("country", "must be a two-letter country code")
	}
	return nil
}

// SaveAddress adds (a.ID == "") or replaces an address. The first address,
// or one saved with IsDefault, becomes the default.
func (s *Service) SaveAddress(ctx context.Context, customerID string, a Address) (*Address, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		n, err := q.NewSelect().Table("customer_customers").Where("tenant_id = ? AND id = ? AND state <> 'deleted'", tid, customerID).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: address")
		}
		if n == 0 {
			return errs.NotFoundf("customer not found")
		}
		count, err := q.NewSelect().Table("customer_addresses").Where("tenant_id = ? AND customer_id = ?", tid, customerID).Count(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: address")
		}
		if count == 0 {
			a.IsDefault = true
		}
		if count >= 50 && a.ID == "" {
			return errs.Field("address", "at most 50 addresses")
		}
		if a.IsDefault {
			if _, err := q.NewRaw("UPDATE customer_addresses SET is_default = FALSE WHERE tenant_id = ? AND customer_id = ?", tid, customerID).Exec(ctx); err != nil {
				return errs.Wrap(err, "customer: address")
			}
		}
		row := addressRow{TenantID: tid, ID: a.ID, CustomerID: customerID, FirstName: a.FirstName, LastName: a.LastName, Company: a.Company,
			Line1: a.Line1, Line2: a.Line2, City: a.City, Province: a.Province, PostalCode: a.PostalCode, Country: a.Country, Phone: a.Phone,
			IsDefault: a.IsDefault, CreatedAt: now, UpdatedAt: now}
		if a.ID == "" {
			row.ID = store.NewID()
			a.ID = row.ID
			_, err = q.NewInsert().Model(&row).Exec(ctx)
			return errs.Wrap(err, "customer: address")
		}
		res, err := q.NewUpdate().Model(&row).ExcludeColumn("created_at").WherePK().Where("customer_id = ?", customerID).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: address")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("address not found")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteAddress removes an address.
func (s *Service) DeleteAddress(ctx context.Context, customerID, addressID string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewRaw("DELETE FROM customer_addresses WHERE tenant_id = ? AND customer_id = ? AND id = ?", tid, customerID, addressID).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: address")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("address not found")
		}
		return nil
	})
}

// Addresses lists a customer's addresses, default first.
func (s *Service) Addresses(ctx context.Context, customerID string) ([]Address, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []addressRow
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ? AND customer_id = ?", tid, customerID).OrderExpr("is_default DESC, id").Scan(ctx)
	})
	if err != nil {
		return nil, errs.Wrap(err, "customer: addresses")
	}
	out := make([]Address, len(rows))
	for i, r := range rows {
		out[i] = Address{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Company: r.Company, Line1: r.Line1, Line2: r.Line2,
			City: r.City, Province: r.Province, PostalCode: r.PostalCode, Country: r.Country, Phone: r.Phone, IsDefault: r.IsDefault}
	}
	return out, nil
}

// Export is everything the shop holds about one customer.
type Export struct {
	ExportedAt time.Time      `json:"exported_at"`
	Customer   ExportCustomer `json:"customer"`
	Addresses  []Address      `json:"addresses"`
	Sessions   []ExportSess   `json:"sessions"`
	Other      map[string]any `json:"other,omitempty"` // from Exporters (orders, ...)
}

// ExportCustomer is the customer record in an export.
type ExportCustomer struct {
	ID                     string     `json:"id"`
	Email                  string     `json:"email,omitempty"`
	Phone                  string     `json:"phone,omitempty"`
	FirstName              string     `json:"first_name,omitempty"`
	LastName               string     `json:"last_name,omitempty"`
	Guest                  bool       `json:"guest"`
	State                  State      `json:"state"`
	Locale                 string     `json:"locale,omitempty"`
	Note                   string     `json:"note,omitempty"`
	Tags                   []string   `json:"tags"`
	AcceptsMarketing       bool       `json:"accepts_marketing"`
	MarketingConsentAt     *time.Time `json:"marketing_consent_at,omitempty"`
	MarketingConsentSource string     `json:"marketing_consent_source,omitempty"`
	LastLoginAt            *time.Time `json:"last_login_at,omitempty"`
	CreatedAt              time.Time  `json:"created_at"`
}

// ExportSess is a session in an export (never its token).
type ExportSess struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
}

// ExportData gathers one customer's data (the password hash and session
// tokens are never included). The export is audited ("customer.export"):
// the entry is written in the transaction that reads the sessions and the
// other packages' data, so no export leaves without one.
func (s *Service) ExportData(ctx context.Context, id string) (*Export, error) {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	addrs, err := s.Addresses(ctx, id)
	if err != nil {
		return nil, err
	}
	ex := &Export{ExportedAt: s.now(), Addresses: addrs, Customer: ExportCustomer{ID: c.ID, Email: c.Email, Phone: c.Phone, FirstName: c.FirstName,
		LastName: c.LastName, Guest: c.Guest, State: c.State, Locale: c.Locale, Note: c.Note, Tags: c.Tags, AcceptsMarketing: c.AcceptsMarketing,
		MarketingConsentAt: c.MarketingConsentAt, MarketingConsentSource: c.MarketingConsentSource, LastLoginAt: c.LastLoginAt, CreatedAt: c.CreatedAt}}
	if ex.Customer.Tags == nil {
		ex.Customer.Tags = []string{}
	}
	err = s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		var sess []struct {
			CreatedAt  time.Time `bun:"created_at"`
			LastSeenAt time.Time `bun:"last_seen_at"`
			IP         string    `bun:"ip"`
			UserAgent  string    `bun:"user_agent"`
		}
		if err := q.NewRaw("SELECT created_at, last_seen_at, ip, user_agent FROM customer_sessions WHERE tenant_id = ? AND customer_id = ? ORDER BY created_at", tid, id).Scan(ctx, &sess); err != nil && !store.NoRows(err) {
			return errs.Wrap(err, "customer: export")
		}
		ex.Sessions = make([]ExportSess, len(sess))
		for i, x := range sess {
			ex.Sessions[i] = ExportSess{CreatedAt: x.CreatedAt.UTC(), LastSeenAt: x.LastSeenAt.UTC(), IP: x.IP, UserAgent: x.UserAgent}
		}
		for _, e := range s.opts.Exporters {
			name, data, err := e.ExportCustomer(ctx, q, tid, id)
			if err != nil {
				return err
			}
			if ex.Other == nil {
				ex.Other = map[string]any{}
			}
			ex.Other[name] = data
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.export", ObjectType: "customer", ObjectID: id})
	})
	if err != nil {
		return nil, err
	}
	return ex, nil
}

// ExportJSON is ExportData as indented JSON, ready to download.
func (s *Service) ExportJSON(ctx context.Context, id string) ([]byte, error) {
	ex, err := s.ExportData(ctx, id)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(ex, "", "  ")
}

// Delete erases a customer's personal data. The row stays (state deleted,
// no e-mail, phone, names, password, note, consent) so orders keep their
// reference; addresses, tags and sessions are removed; every Eraser runs in
// the same transaction.
func (s *Service) Delete(ctx context.Context, id string) error {
	tid, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewRaw(`UPDATE customer_customers SET email = NULL, phone = NULL, password_hash = NULL, first_name = '', last_name = '',
			note = '', locale = '', accepts_marketing = FALSE, marketing_consent_at = NULL, marketing_consent_source = '', last_login_at = NULL, email_verified_at = NULL,
			birth_month = NULL, birth_day = NULL,
			state = 'deleted', deleted_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND state <> 'deleted'`, now, now, tid, id).Exec(ctx)
		if err != nil {
			return errs.Wrap(err, "customer: delete")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("customer not found")
		}
		for _, t := range []string{"customer_addresses", "customer_tags", "customer_sessions"} {
			if _, err := q.NewRaw("DELETE FROM ? WHERE tenant_id = ? AND customer_id = ?", bun.Ident(t), tid, id).Exec(ctx); err != nil {
				return errs.Wrap(err, "customer: delete")
			}
		}
		for _, e := range s.opts.Erasers {
			if err := e.EraseCustomer(ctx, q, tid, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, q, audit.Entry{TenantID: tid, Action: "customer.delete", ObjectType: "customer", ObjectID: id, After: "personal data erased"})
	})
}
