package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// A shop's customers as staff see them, over JSON: list and search,
// detail with addresses, tags, notes and marketing consent, export of one
// customer's data, and the anonymising delete (orders keep a customer row
// with no personal data).

// Customers serves the customer routes.
type Customers struct {
	customers *customer.Service
	admin     *admin.Admin
}

// Routes are the shop's customers over JSON.
func (s *Customers) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "customers")
	api.API("GET", "/api/customers", perm.CustomersRead, "Customers, newest first (q: e-mail, phone or name; tag; marketing=true|false; cursor)", nil, CustomerPage{}, s.apiCustomers)
	api.API("GET", "/api/customers/:customer", perm.CustomersRead, "One customer with addresses", nil, CustomerJSON{}, s.apiCustomer)
	api.API("GET", "/api/customers/:customer/overview", perm.CustomersRead, "One view of a customer: order totals and latest orders, tier and points, store credit, "+
		"RFM group and segments, reviews, returns, tickets and campaign mails (sections the caller may not read are listed in hidden)", nil, CustomerOverview{}, s.apiCustomerOverview)
	api.API("PUT", "/api/customers/:customer", perm.CustomersWrite, "Update a customer's details, tags, note and state", CustomerBody{}, CustomerJSON{}, s.apiCustomerUpdate)
	api.API("PUT", "/api/customers/:customer/consent", perm.CustomersWrite, "Record marketing consent given or withdrawn (with its source)", ConsentBody{}, CustomerJSON{}, s.apiCustomerConsent)
	api.API("GET", "/api/customers/:customer/export", perm.CustomersRead, "Everything the shop holds about the customer, as JSON", nil, nil, s.admin.CustomerExport)
	api.API("DELETE", "/api/customers/:customer", perm.CustomersWrite, "Delete a customer: personal data erased, orders kept anonymised", nil, nil, s.apiCustomerDelete)
	return t.Routes()
}

// CustomerPage is a page of customers.
type CustomerPage struct {
	Customers []CustomerJSON `json:"customers"`
	Next      string         `json:"next,omitempty"`
}

// ConsentBody records marketing consent.
type ConsentBody struct {
	AcceptsMarketing bool   `json:"accepts_marketing"`
	Source           string `json:"source"`
}

func (s *Customers) apiCustomers(c *fiber.Ctx) error {
	cs, next, err := s.customers.List(c.UserContext(), admin.CustomerFilter(c))
	if err != nil {
		return err
	}
	out := CustomerPage{Customers: []CustomerJSON{}, Next: next}
	for _, x := range cs {
		out.Customers = append(out.Customers, admin.CustomerJSONOf(x))
	}
	return c.JSON(out)
}

func (s *Customers) apiCustomer(c *fiber.Ctx) error {
	out, err := s.admin.CustomerWithAddresses(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Customers) apiCustomerOverview(c *fiber.Ctx) error {
	out, err := s.admin.CustomerOverview(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Customers) apiCustomerUpdate(c *fiber.Ctx) error {
	var b CustomerBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.admin.UpdateCustomer(c, b)
	if err != nil {
		return err
	}
	return c.JSON(admin.CustomerJSONOf(x))
}

func (s *Customers) apiCustomerConsent(c *fiber.Ctx) error {
	var b ConsentBody
	if err := httpx.DecodeJSON(c, &b); err != nil {
		return err
	}
	x, err := s.admin.SetConsent(c, b.AcceptsMarketing, b.Source)
	if err != nil {
		return err
	}
	return c.JSON(admin.CustomerJSONOf(x))
}

func (s *Customers) apiCustomerDelete(c *fiber.Ctx) error {
	id := c.Params("customer")
	if err := s.customers.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
