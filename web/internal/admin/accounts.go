package admin

import (
	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/tenants"
)

// Opening a shop: the API's signup body, which the console's signup form
// fills too.

// SignupRequest opens a shop.
type SignupRequest struct {
	ShopName string `json:"shop_name"`
	Slug     string `json:"slug"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Currency string `json:"currency"`
	Country  string `json:"country"`
	Name     string `json:"name,omitempty"`
}

// Signup opens a shop with its owner account.
func (a *Admin) Signup(c *fiber.Ctx, in SignupRequest) (tenants.Tenant, tenants.User, error) {
	return a.tenants.Signup(c.UserContext(), tenants.SignupInput{
		ShopInput: tenants.ShopInput{Name: in.ShopName, Slug: in.Slug, Currency: in.Currency, Country: in.Country},
		OwnerName: in.Name, Email: in.Email, Password: in.Password, IP: c.IP()})
}
