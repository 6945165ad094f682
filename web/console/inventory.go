package console

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/admin"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// inventoryPages are the console's inventory pages.
func (s *Inventory) inventoryPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/inventory", perm.InventoryRead, "Inventory by location", s.inventoryPage)
	html.Page("POST", "/console/inventory/locations", perm.InventoryWrite, "Add a location", s.locationCreate)
	html.Page("GET", "/console/inventory/low-stock", perm.InventoryRead, "Low stock", s.lowStockPage)
	html.Page("GET", "/console/inventory/variants/:variant", perm.InventoryRead, "A variant's stock and ledger", s.variantStockPage)
	html.Page("POST", "/console/inventory/variants/:variant/receive", perm.InventoryWrite, "Receive stock", s.variantReceive)
	html.Page("POST", "/console/inventory/variants/:variant/adjust", perm.InventoryWrite, "Adjust stock", s.variantAdjust)
}

type inventoryData struct {
	Locations []admin.LocationJSON
	Current   admin.LocationJSON
	Page      admin.StockPage
	Next      string
	CanWrite  bool
	LowCount  int
}

func (s *Inventory) inventoryPage(c *fiber.Ctx) error {
	ls, err := s.admin.Locations(c)
	if err != nil {
		return err
	}
	d := inventoryData{Locations: ls, CanWrite: s.Can(c, perm.InventoryWrite)}
	if low, err := s.admin.LowStock(c); err == nil {
		d.LowCount = len(low)
	}
	if len(ls) > 0 {
		d.Current = ls[0]
		for _, l := range ls {
			if l.ID == c.Query("location") {
				d.Current = l
			}
		}
		d.Page, err = s.admin.StockPageOf(c, d.Current.ID, c.Query("after"))
		if err != nil {
			return err
		}
		if d.Page.Next != "" {
			d.Next = "/console/inventory?location=" + d.Current.ID + "&after=" + d.Page.Next
		}
	}
	return s.PageWithError(c, "console/inventory", "Inventory", "inventory", d)
}

func (s *Inventory) locationCreate(c *fiber.Ctx) error {
	if _, err := s.admin.CreateLocation(c, c.FormValue("name"), c.FormValue("code")); err != nil {
		return s.PageError(c, err, func() error { return s.inventoryPage(c) })
	}
	return view.Done(c, "/console/inventory")
}

func (s *Inventory) lowStockPage(c *fiber.Ctx) error {
	items, err := s.admin.LowStock(c)
	if err != nil {
		return err
	}
	return s.PageWithError(c, "console/lowstock", "Low stock", "inventory", items)
}

type variantStockData struct {
	V         admin.VariantStockJSON
	Product   string
	Variant   string
	Locations []admin.LocationJSON
	LocName   map[string]string
	Total     admin.StockJSON
	CanWrite  bool
	Older     string
}

func (s *Inventory) variantStockPage(c *fiber.Ctx) error {
	v, p, err := s.admin.VariantStock(c, c.Query("before"))
	if err != nil {
		return err
	}
	ls, err := s.admin.Locations(c)
	if err != nil {
		return err
	}
	d := variantStockData{V: v, Product: p.Title, Locations: ls, LocName: map[string]string{}, CanWrite: s.Can(c, perm.InventoryWrite)}
	for _, x := range p.Variants {
		if x.ID == v.VariantID {
			d.Variant = x.Title()
		}
	}
	for _, l := range ls {
		d.LocName[l.ID] = l.Name
	}
	for _, l := range v.Levels {
		d.Total.OnHand += l.OnHand
		d.Total.Available += l.Available
		d.Total.Reserved += l.Reserved
	}
	if v.Next != "" {
		d.Older = "/console/inventory/variants/" + v.VariantID + "?before=" + v.Next
	}
	return s.PageWithError(c, "console/inventory_variant", p.Title+" · "+d.Variant, "inventory", d)
}

func (s *Inventory) consoleStockChange(c *fiber.Ctx, adjust bool) error {
	q, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("quantity")), 10, 64)
	if err != nil {
		return s.PageError(c, errs.Field("quantity", "must be a whole number"), func() error { return s.variantStockPage(c) })
	}
	b := admin.StockChange{LocationID: c.FormValue("location_id"), Quantity: q, Reason: c.FormValue("reason"), Ref: c.FormValue("ref")}
	if err := s.admin.ChangeStock(c, adjust, b); err != nil {
		return s.PageError(c, err, func() error { return s.variantStockPage(c) })
	}
	return view.Done(c, "/console/inventory/variants/"+c.Params("variant"))
}

func (s *Inventory) variantReceive(c *fiber.Ctx) error { return s.consoleStockChange(c, false) }
func (s *Inventory) variantAdjust(c *fiber.Ctx) error  { return s.consoleStockChange(c, true) }
