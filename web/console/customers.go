package console

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// customerPages are the console's customer pages.
func (s *Customers) customerPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/customers", perm.CustomersRead, "Customers", s.customersPage)
	html.Page("GET", "/console/customers/:customer", perm.CustomersRead, "A customer", s.customerPage)
	html.Page("POST", "/console/customers/:customer", perm.CustomersWrite, "Save a customer", s.customerSave)
	html.Page("POST", "/console/customers/:customer/consent", perm.CustomersWrite, "Record marketing consent", s.customerConsent)
	html.Page("GET", "/console/customers/:customer/export", perm.CustomersRead, "Download a customer's data", s.admin.CustomerExport)
	html.Page("POST", "/console/customers/:customer/delete", perm.CustomersWrite, "Delete (anonymise) a customer", s.customerDelete)
}

type customersData struct {
	Customers []admin.CustomerJSON
	Q, Tag    string
	Next      string
}

func (s *Customers) customersPage(c *fiber.Ctx) error {
	f := admin.CustomerFilter(c)
	cs, next, err := s.customers.List(c.UserContext(), f)
	d := customersData{Q: f.Query, Tag: f.Tag}
	if err != nil {
		return s.PageError(c, err, func() error { return s.PageWithError(c, "console/customers", "Customers", "customers", d) })
	}
	for _, x := range cs {
		d.Customers = append(d.Customers, admin.CustomerJSONOf(x))
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
	C        admin.CustomerJSON
	TagsText string
	CanWrite bool
	// O is the one view of the customer (admin.CustomerOverview): the
	// sections the staff member may not read are nil.
	O *admin.CustomerOverview
	// HiddenSet are O's hidden sections.
	HiddenSet map[string]bool
	// Member is the membership section's form (nil: no programme, or the
	// staff member may not see it).
	Member *memberData
}

// memberData is the customer page's points adjustment form.
type memberData struct {
	CanAdjust bool
	Key       string // makes a double-posted adjustment count once
}

func (s *Customers) customerPage(c *fiber.Ctx) error {
	x, err := s.admin.CustomerWithAddresses(c)
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
	d := customerData{C: x, TagsText: strings.Join(x.Tags, ", "), CanWrite: s.Can(c, perm.CustomersWrite)}
	if d.O, err = s.admin.CustomerOverview(c); err != nil {
		return err
	}
	d.HiddenSet = map[string]bool{}
	for _, h := range d.O.Hidden {
		d.HiddenSet[h] = true
	}
	if d.O.Membership != nil {
		d.Member = &memberData{CanAdjust: s.Can(c, perm.LoyaltyWrite), Key: httpx.NewFormKey()}
	}
	return s.PageWithError(c, "console/customer", name, "customers", d)
}

func (s *Customers) customerSave(c *fiber.Ctx) error {
	b := admin.CustomerBody{Email: c.FormValue("email"), Phone: c.FormValue("phone"), FirstName: c.FormValue("first_name"), LastName: c.FormValue("last_name"),
		Locale: c.FormValue("locale"), Note: c.FormValue("note"), Tags: catalog.SplitTags(c.FormValue("tags")), State: c.FormValue("state")}
	if b.Tags == nil {
		b.Tags = []string{}
	}
	if _, err := s.admin.UpdateCustomer(c, b); err != nil {
		return s.PageError(c, err, func() error { return s.customerPage(c) })
	}
	return view.Done(c, "/console/customers/"+c.Params("customer"))
}

func (s *Customers) customerConsent(c *fiber.Ctx) error {
	if _, err := s.admin.SetConsent(c, c.FormValue("accepts") == "yes", c.FormValue("source")); err != nil {
		return s.PageError(c, err, func() error { return s.customerPage(c) })
	}
	return view.Done(c, "/console/customers/"+c.Params("customer"))
}

func (s *Customers) customerDelete(c *fiber.Ctx) error {
	if c.FormValue("confirm") != "delete" {
		return s.PageError(c, errs.Field("confirm", `type "delete" to confirm`), func() error { return s.customerPage(c) })
	}
	id := c.Params("customer")
	if err := s.customers.Delete(c.UserContext(), id); err != nil {
		return s.PageError(c, err, func() error { return s.customerPage(c) })
	}
	return view.Done(c, "/console/customers")
}
