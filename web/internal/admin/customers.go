package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/customer"
)

// Customers: their API shape, the list filter, and the audited changes
// (details, marketing consent, the data export).

// CustomerJSON is a customer.
type CustomerJSON struct {
	ID                     string             `json:"id"`
	Email                  string             `json:"email,omitempty"`
	Phone                  string             `json:"phone,omitempty"`
	FirstName              string             `json:"first_name"`
	LastName               string             `json:"last_name"`
	Guest                  bool               `json:"guest"`
	State                  string             `json:"state"`
	Note                   string             `json:"note"`
	Locale                 string             `json:"locale,omitempty"`
	Tags                   []string           `json:"tags"`
	AcceptsMarketing       bool               `json:"accepts_marketing"`
	MarketingConsentAt     *time.Time         `json:"marketing_consent_at,omitempty"`
	MarketingConsentSource string             `json:"marketing_consent_source,omitempty"`
	Birthday               *customer.Birthday `json:"birthday,omitempty"`
	LastLoginAt            *time.Time         `json:"last_login_at,omitempty"`
	CreatedAt              time.Time          `json:"created_at"`
	Addresses              []AddressJSON      `json:"addresses,omitempty"`
}

// AddressJSON is a customer's postal address.
type AddressJSON struct {
	ID         string `json:"id"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Province   string `json:"province,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Phone      string `json:"phone,omitempty"`
	IsDefault  bool   `json:"is_default"`
}

// CustomerBody replaces a customer's editable fields; Tags nil keeps them,
// State "" keeps it (enabled or disabled).
type CustomerBody struct {
	Email     string   `json:"email"`
	Phone     string   `json:"phone"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Locale    string   `json:"locale"`
	Note      string   `json:"note"`
	Tags      []string `json:"tags"`
	State     string   `json:"state"`
	// Birthday (month and day; no year) when set; {} removes it.
	Birthday *customer.Birthday `json:"birthday,omitempty"`
}

// CustomerJSONOf is a customer in its API shape, without addresses.
func CustomerJSONOf(x *customer.Customer) CustomerJSON {
	j := CustomerJSON{ID: x.ID, Email: x.Email, Phone: x.Phone, FirstName: x.FirstName, LastName: x.LastName, Guest: x.Guest,
		State: string(x.State), Note: x.Note, Locale: x.Locale, Tags: append([]string{}, x.Tags...), AcceptsMarketing: x.AcceptsMarketing,
		MarketingConsentAt: x.MarketingConsentAt, MarketingConsentSource: x.MarketingConsentSource, LastLoginAt: x.LastLoginAt, CreatedAt: x.CreatedAt}
	if !x.Birthday.IsZero() {
		b := x.Birthday
		j.Birthday = &b
	}
	return j
}

// CustomerWithAddresses is the route's :customer with its addresses.
func (a *Admin) CustomerWithAddresses(c *fiber.Ctx) (CustomerJSON, error) {
	ctx := c.UserContext()
	x, err := a.customers.Get(ctx, c.Params("customer"))
	if err != nil {
		return CustomerJSON{}, err
	}
	out := CustomerJSONOf(x)
	as, err := a.customers.Addresses(ctx, x.ID)
	if err != nil {
		return out, err
	}
	out.Addresses = []AddressJSON{}
	for _, a := range as {
		out.Addresses = append(out.Addresses, AddressJSON{ID: a.ID, FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Line1: a.Line1,
			Line2: a.Line2, City: a.City, Province: a.Province, PostalCode: a.PostalCode, Country: a.Country, Phone: a.Phone, IsDefault: a.IsDefault})
	}
	return out, nil
}

// CustomerFilter reads the customer list's query: q, tag, cursor and
// marketing (true or false).
func CustomerFilter(c *fiber.Ctx) customer.ListFilter {
	f := customer.ListFilter{Query: c.Query("q"), Tag: c.Query("tag"), Cursor: c.Query("cursor")}
	switch c.Query("marketing") {
	case "true":
		t := true
		f.Marketing = &t
	case "false":
		v := false
		f.Marketing = &v
	}
	return f
}

// UpdateCustomer replaces the route's :customer's editable fields.
func (a *Admin) UpdateCustomer(c *fiber.Ctx, b CustomerBody) (*customer.Customer, error) {
	return a.customers.Update(c.UserContext(), c.Params("customer"), customer.UpdateInput{Email: b.Email, Phone: b.Phone, FirstName: b.FirstName,
		LastName: b.LastName, Locale: b.Locale, Note: b.Note, Tags: b.Tags, State: customer.State(b.State), Birthday: b.Birthday})
}

// SetConsent records marketing consent given or withdrawn for the
// route's :customer (source "" is "staff").
func (a *Admin) SetConsent(c *fiber.Ctx, accepts bool, source string) (*customer.Customer, error) {
	if source == "" {
		source = "staff"
	}
	return a.customers.SetMarketingConsent(c.UserContext(), c.Params("customer"), accepts, source)
}

// CustomerExport sends the customer's data as a JSON download; the
// customer service audits the export itself (personal data left the
// system).
func (a *Admin) CustomerExport(c *fiber.Ctx) error {
	id := c.Params("customer")
	data, err := a.customers.ExportJSON(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="customer-`+id+`.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(data)
}
