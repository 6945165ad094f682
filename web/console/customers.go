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
	return s.PageWithError(c, "console/customer", name, "customers", customerData{C: x, TagsText: strings.Join(x.Tags, ", "), CanWrite: s.Can(c, perm.CustomersWrite)})
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
