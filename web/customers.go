package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// A shop's customers as staff see them: list and search, detail with
// tags, notes and marketing consent, export of one customer's data, and
// the anonymising delete (orders keep a customer row with no personal
// data).

// customerAPI is the shop's customers over JSON.
func (s *Server) customerAPI(t *httpx.Table) {
	api := t.Group(httpx.ScopeTenant, "customers")
	api.API("GET", "/api/customers", perm.CustomersRead, "Customers, newest first (q: e-mail, phone or name; tag; marketing=true|false; cursor)", nil, CustomerPage{}, s.apiCustomers)
	api.API("GET", "/api/customers/:customer", perm.CustomersRead, "One customer with addresses", nil, CustomerJSON{}, s.apiCustomer)
	api.API("PUT", "/api/customers/:customer", perm.CustomersWrite, "Update a customer's details, tags, note and state", CustomerBody{}, CustomerJSON{}, s.apiCustomerUpdate)
	api.API("PUT", "/api/customers/:customer/consent", perm.CustomersWrite, "Record marketing consent given or withdrawn (with its source)", ConsentBody{}, CustomerJSON{}, s.apiCustomerConsent)
	api.API("GET", "/api/customers/:customer/export", perm.CustomersRead, "Everything the shop holds about the customer, as JSON", nil, nil, s.apiCustomerExport)
	api.API("DELETE", "/api/customers/:customer", perm.CustomersWrite, "Delete a customer: personal data erased, orders kept anonymised", nil, nil, s.apiCustomerDelete)
}

// customerPages are the console's customer pages.
func (s *Server) customerPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/customers", perm.CustomersRead, "Customers", s.customersPage)
	html.Page("GET", "/console/customers/:customer", perm.CustomersRead, "A customer", s.customerPage)
	html.Page("POST", "/console/customers/:customer", perm.CustomersWrite, "Save a customer", s.customerSave)
	html.Page("POST", "/console/customers/:customer/consent", perm.CustomersWrite, "Record marketing consent", s.customerConsent)
	html.Page("GET", "/console/customers/:customer/export", perm.CustomersRead, "Download a customer's data", s.apiCustomerExport)
	html.Page("POST", "/console/customers/:customer/delete", perm.CustomersWrite, "Delete (anonymise) a customer", s.customerDelete)
}

// CustomerJSON is a customer.
type CustomerJSON struct {
	ID                     string        `json:"id"`
	Email                  string        `json:"email,omitempty"`
	Phone                  string        `json:"phone,omitempty"`
	FirstName              string        `json:"first_name"`
	LastName               string        `json:"last_name"`
	Guest                  bool          `json:"guest"`
	State                  string        `json:"state"`
	Note                   string        `json:"note"`
	Locale                 string        `json:"locale,omitempty"`
	Tags                   []string      `json:"tags"`
	AcceptsMarketing       bool          `json:"accepts_marketing"`
	MarketingConsentAt     *time.Time    `json:"marketing_consent_at,omitempty"`
	MarketingConsentSource string        `json:"marketing_consent_source,omitempty"`
	LastLoginAt            *time.Time    `json:"last_login_at,omitempty"`
	CreatedAt              time.Time     `json:"created_at"`
	Addresses              []AddressJSON `json:"addresses,omitempty"`
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

// CustomerPage is a page of customers.
type CustomerPage struct {
	Customers []CustomerJSON `json:"customers"`
	Next      string         `json:"next,omitempty"`
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
}

// ConsentBody records marketing consent.
type ConsentBody struct {
	AcceptsMarketing bool   `json:"accepts_marketing"`
	Source           string `json:"source"`
}

func customerJSON(x *customer.Customer) CustomerJSON {
	return CustomerJSON{ID: x.ID, Email: x.Email, Phone: x.Phone, FirstName: x.FirstName, LastName: x.LastName, Guest: x.Guest,
		State: string(x.State), Note: x.Note, Locale: x.Locale, Tags: append([]string{}, x.Tags...), AcceptsMarketing: x.AcceptsMarketing,
		MarketingConsentAt: x.MarketingConsentAt, MarketingConsentSource: x.MarketingConsentSource, LastLoginAt: x.LastLoginAt, CreatedAt: x.CreatedAt}
}

func (s *Server) customerWithAddresses(c *fiber.Ctx) (CustomerJSON, error) {
	ctx := c.UserContext()
	x, err := s.customers.Get(ctx, c.Params("customer"))
	if err != nil {
		return CustomerJSON{}, err
	}
	out := customerJSON(x)
	as, err := s.customers.Addresses(ctx, x.ID)
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

func customerFilter(c *fiber.Ctx) customer.ListFilter {
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

func (s *Server) apiCustomers(c *fiber.Ctx) error {
	cs, next, err := s.customers.List(c.UserContext(), customerFilter(c))
	if err != nil {
		return err
	}
	out := CustomerPage{Customers: []CustomerJSON{}, Next: next}
	for _, x := range cs {
		out.Customers = append(out.Customers, customerJSON(x))
	}
	return c.JSON(out)
}

func (s *Server) apiCustomer(c *fiber.Ctx) error {
	out, err := s.customerWithAddresses(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) updateCustomer(c *fiber.Ctx, b CustomerBody) (*customer.Customer, error) {
	return s.customers.Update(c.UserContext(), c.Params("customer"), customer.UpdateInput{Email: b.Email, Phone: b.Phone, FirstName: b.FirstName,
		LastName: b.LastName, Locale: b.Locale, Note: b.Note, Tags: b.Tags, State: customer.State(b.State)})
}

func (s *Server) apiCustomerUpdate(c *fiber.Ctx) error {
	var b CustomerBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.updateCustomer(c, b)
	if err != nil {
		return err
	}
	return c.JSON(customerJSON(x))
}

func (s *Server) setConsent(c *fiber.Ctx, accepts bool, source string) (*customer.Customer, error) {
	if source == "" {
		source = "staff"
	}
	return s.customers.SetMarketingConsent(c.UserContext(), c.Params("customer"), accepts, source)
}

func (s *Server) apiCustomerConsent(c *fiber.Ctx) error {
	var b ConsentBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.setConsent(c, b.AcceptsMarketing, b.Source)
	if err != nil {
		return err
	}
	return c.JSON(customerJSON(x))
}

// apiCustomerExport sends the customer's data as a JSON download; the
// export itself is audited by the customer service (personal data left
// the system).
func (s *Server) apiCustomerExport(c *fiber.Ctx) error {
	id := c.Params("customer")
	data, err := s.customers.ExportJSON(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="customer-`+id+`.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(data)
}

func (s *Server) apiCustomerDelete(c *fiber.Ctx) error {
	id := c.Params("customer")
	if err := s.customers.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type customersData struct {
	Customers []CustomerJSON
	Q, Tag    string
	Next      string
}

func (s *Server) customersPage(c *fiber.Ctx) error {
	f := customerFilter(c)
	cs, next, err := s.customers.List(c.UserContext(), f)
	d := customersData{Q: f.Query, Tag: f.Tag}
	if err != nil {
		return s.PageError(c, err, func() error { return s.PageWithError(c, "console/customers", "Customers", "customers", d) })
	}
	for _, x := range cs {
		d.Customers = append(d.Customers, customerJSON(x))
	}
	if next != "" {
		q := url.Values{"cursor": {next}}
		if f.Query != "" {
			q.Set("q", f.Query)
		}
		if f.Tag != "" {
			q.Set("tag", f.Tag)
		}
		d.Next = "/console/customers?" + q.Encode()
	}
	return s.PageWithError(c, "console/customers", "Customers", "customers", d)
}

type customerData struct {
	C        CustomerJSON
	TagsText string
	CanWrite bool
}

func (s *Server) customerPage(c *fiber.Ctx) error {
	x, err := s.customerWithAddresses(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(x.FirstName + " " + x.LastName)
	if name == "" {
		name = x.Email
	}
	if name == "" {
		name = x.Phone
	}
	return s.PageWithError(c, "console/customer", name, "customers", customerData{C: x, TagsText: strings.Join(x.Tags, ", "), CanWrite: s.Can(c, perm.CustomersWrite)})
}

func (s *Server) customerSave(c *fiber.Ctx) error {
	b := CustomerBody{Email: c.FormValue("email"), Phone: c.FormValue("phone"), FirstName: c.FormValue("first_name"), LastName: c.FormValue("last_name"),
		Locale: c.FormValue("locale"), Note: c.FormValue("note"), Tags: catalog.SplitTags(c.FormValue("tags")), State: c.FormValue("state")}
	if b.Tags == nil {
		b.Tags = []string{}
	}
	if _, err := s.updateCustomer(c, b); err != nil {
		return s.PageError(c, err, func() error { return s.customerPage(c) })
	}
	return view.Done(c, "/console/customers/"+c.Params("customer"))
}

func (s *Server) customerConsent(c *fiber.Ctx) error {
	if _, err := s.setConsent(c, c.FormValue("accepts") == "yes", c.FormValue("source")); err != nil {
		return s.PageError(c, err, func() error { return s.customerPage(c) })
	}
	return view.Done(c, "/console/customers/"+c.Params("customer"))
}

func (s *Server) customerDelete(c *fiber.Ctx) error {
	if c.FormValue("confirm") != "delete" {
		return s.PageError(c, errs.Field("confirm", `type "delete" to confirm`), func() error { return s.customerPage(c) })
	}
	id := c.Params("customer")
	if err := s.customers.Delete(c.UserContext(), id); err != nil {
		return s.PageError(c, err, func() error { return s.customerPage(c) })
	}
	return view.Done(c, "/console/customers")
}
