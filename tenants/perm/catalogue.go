// Package perm is Wasmart's permission catalogue: every permission a route
// or a service method may require, and the built-in tenant and platform roles
// with the permissions they hold. It is the one place these are defined; the
// casbin enforcers in package tenants load the built-in roles from here once
// (never copied per tenant) and tenants' custom roles are validated against
// the catalogue.
package perm

import "sort"

// Permission names one thing a principal may do.
type Permission string

// Scope tells whether a permission applies inside one tenant or to the
// platform as a whole.
type Scope int

// Scopes.
const (
	TenantScope Scope = iota
	PlatformScope
)

// Tenant permissions.
const (
	ShopRead         Permission = "shop.read"
	ShopManage       Permission = "shop.manage"
	StaffRead        Permission = "staff.read"
	StaffManage      Permission = "staff.manage"
	TokensManage     Permission = "tokens.manage"
	AuditRead        Permission = "audit.read"
	CatalogRead      Permission = "catalog.read"
	CatalogWrite     Permission = "catalog.write"
	CatalogPublish   Permission = "catalog.publish"
	InventoryRead    Permission = "inventory.read"
	InventoryWrite   Permission = "inventory.write"
	CustomersRead    Permission = "customers.read"
	CustomersWrite   Permission = "customers.write"
	OrdersRead       Permission = "orders.read"
	OrdersWrite      Permission = "orders.write"
	OrdersRefund     Permission = "orders.refund"
	FulfillmentWrite Permission = "fulfillment.write"
	ReturnsRead      Permission = "returns.read"
	ReturnsWrite     Permission = "returns.write"
	PromotionsRead   Permission = "promotions.read"
	PromotionsWrite  Permission = "promotions.write"
	ReviewsRead      Permission = "reviews.read"
	ReviewsWrite     Permission = "reviews.write"
	LoyaltyRead      Permission = "loyalty.read"
	LoyaltyWrite     Permission = "loyalty.write"
	MailingRead      Permission = "mailing.read"
	MailingWrite     Permission = "mailing.write"
	SegmentsRead     Permission = "segments.read"
	SegmentsWrite    Permission = "segments.write"
	ReportsRead      Permission = "reports.read"
	AnalyticsRead    Permission = "analytics.read"
	AnalyticsManage  Permission = "analytics.manage"
	GoalsRead        Permission = "goals.read"
	GoalsManage      Permission = "goals.manage"
	ReportsManage    Permission = "reports.manage"
	InsightRead      Permission = "insight.read"
	PluginsRead      Permission = "plugins.read"
	PluginsManage    Permission = "plugins.manage"
	DesignRead       Permission = "design.read"
	DesignWrite      Permission = "design.write"
)

// A/B tests (core/experiment): reading every test and its results;
// running product-page tests (merchandising: the catalog's owners).
const (
	ExperimentsRead     Permission = "experiments.read"
	ExperimentsProducts Permission = "experiments.products"
)

// Platform permissions.
const (
	PlatformTenantsRead   Permission = "platform.tenants.read"
	PlatformTenantsManage Permission = "platform.tenants.manage"
	PlatformAdminsManage  Permission = "platform.admins.manage"
	PlatformMailboxRead   Permission = "platform.mailbox.read"
	PlatformPluginsManage Permission = "platform.plugins.manage"
)

// Info describes a permission for the console's role editor.
type Info struct {
	Name        Permission
	Scope       Scope
	ReadOnly    bool // allowed while a shop is suspended
	Description string
}

var catalogue = []Info{
	{ShopRead, TenantScope, true, "View shop settings"},
	{ShopManage, TenantScope, false, "Change shop settings, domains and plan"},
	{StaffRead, TenantScope, true, "View staff and roles"},
	{StaffManage, TenantScope, false, "Invite and remove staff, edit roles"},
	{TokensManage, TenantScope, false, "Create and revoke API tokens"},
	{AuditRead, TenantScope, true, "Read the audit log"},
	{CatalogRead, TenantScope, true, "View products and collections"},
	{CatalogWrite, TenantScope, false, "Create and edit products"},
	{CatalogPublish, TenantScope, false, "Publish and unpublish products"},
	{InventoryRead, TenantScope, true, "View stock"},
	{InventoryWrite, TenantScope, false, "Adjust stock"},
	{CustomersRead, TenantScope, true, "View customers"},
	{CustomersWrite, TenantScope, false, "Edit customers"},
	{OrdersRead, TenantScope, true, "View orders"},
	{OrdersWrite, TenantScope, false, "Edit and cancel orders"},
	{OrdersRefund, TenantScope, false, "Refund orders"},
	{FulfillmentWrite, TenantScope, false, "Pack and ship orders"},
	{ReturnsRead, TenantScope, true, "View returns"},
	{ReturnsWrite, TenantScope, false, "Process returns"},
	{PromotionsRead, TenantScope, true, "View promotions and coupons"},
	{PromotionsWrite, TenantScope, false, "Edit promotions and coupons"},
	{ReviewsRead, TenantScope, true, "View product reviews"},
	{ReviewsWrite, TenantScope, false, "Moderate product reviews and reply to them"},
	{LoyaltyRead, TenantScope, true, "View the loyalty programme and customers' points and tiers"},
	{LoyaltyWrite, TenantScope, false, "Edit the loyalty programme and adjust customers' points"},
	{MailingRead, TenantScope, true, "View e-mail campaigns and their results"},
	{MailingWrite, TenantScope, false, "Create, send and cancel e-mail campaigns; mailing settings"},
	{SegmentsRead, TenantScope, true, "View customer segments, their members and RFM scores; export them"},
	{SegmentsWrite, TenantScope, false, "Edit customer segments and the RFM thresholds"},
	{ReportsRead, TenantScope, true, "Read reports"},
	{AnalyticsRead, TenantScope, true, "Read storefront analytics and KPIs"},
	{AnalyticsManage, TenantScope, false, "Change analytics settings (time zone, retention)"},
	{ExperimentsRead, TenantScope, true, "View A/B tests and their results"},
	{ExperimentsProducts, TenantScope, false, "Start, stop and apply A/B tests of product pages"},
	{GoalsRead, TenantScope, true, "View the shop's goals, their progress and notices"},
	{GoalsManage, TenantScope, false, "Create, edit and archive the shop's goals"},
	{ReportsManage, TenantScope, false, "Manage scheduled reports (daily, weekly, monthly) and who receives them"},
	{InsightRead, TenantScope, true, "Read inventory insight (turnover, forecasts, reorder suggestions, slow sellers) and bought-together rules"},
	{PluginsRead, TenantScope, true, "View installed plugins"},
	{PluginsManage, TenantScope, false, "Install, configure and remove plugins"},
	{DesignRead, TenantScope, true, "View the storefront theme"},
	{DesignWrite, TenantScope, false, "Edit the storefront theme"},

	{PlatformTenantsRead, PlatformScope, true, "List and search tenants"},
	{PlatformTenantsManage, PlatformScope, false, "Suspend, resume, close tenants and change plans"},
	{PlatformAdminsManage, PlatformScope, false, "Manage platform admins"},
	{PlatformMailboxRead, PlatformScope, true, "Read the outgoing mailbox"},
	{PlatformPluginsManage, PlatformScope, false, "Manage the platform plugin catalogue"},
}

var byName = func() map[Permission]Info {
	m := make(map[Permission]Info, len(catalogue))
	for _, i := range catalogue {
		m[i.Name] = i
	}
	return m
}()

// All lists every permission in catalogue order.
func All() []Info { return append([]Info(nil), catalogue...) }

// Lookup returns a permission's description.
func Lookup(p Permission) (Info, bool) {
	i, ok := byName[p]
	return i, ok
}

// Valid reports whether p is in the catalogue.
func Valid(p Permission) bool { _, ok := byName[p]; return ok }

// Built-in tenant roles.
const (
	Owner           = "owner"
	Administrator   = "administrator"
	Operations      = "operations"
	Marketing       = "marketing"
	CustomerService = "customer_service"
	Warehouse       = "warehouse"
	Analyst         = "analyst"
)

// Built-in platform roles.
const (
	PlatformAdmin   = "platform_admin"
	PlatformSupport = "platform_support"
)

// Role is a named set of permissions.
type Role struct {
	Name        string
	Description string
	Permissions []Permission
	BuiltIn     bool
}

func tenantPerms(filter func(Info) bool) []Permission {
	var out []Permission
	for _, i := range catalogue {
		if i.Scope == TenantScope && filter(i) {
			out = append(out, i.Name)
		}
	}
	return out
}

var tenantRoles = []Role{
	{Owner, "Everything, including billing, plan and ownership", tenantPerms(func(Info) bool { return true }), true},
	{Administrator, "Everything except changing owners", tenantPerms(func(Info) bool { return true }), true},
	{Operations, "Catalog (listings go to review), stock, orders and the storefront design", []Permission{ShopRead, CatalogRead, CatalogWrite, InventoryRead, InventoryWrite, OrdersRead, OrdersWrite, FulfillmentWrite, ReturnsRead, CustomersRead, ReportsRead, PluginsRead, DesignRead, DesignWrite, ExperimentsRead, ExperimentsProducts, InsightRead}, true},
	{Marketing, "Promotions, coupons, members and campaigns", []Permission{ShopRead, CatalogRead, CustomersRead, CustomersWrite, PromotionsRead, PromotionsWrite, LoyaltyRead, LoyaltyWrite, SegmentsRead, SegmentsWrite, MailingRead, MailingWrite, ReviewsRead, ReviewsWrite, ReportsRead, AnalyticsRead, DesignRead, DesignWrite, ExperimentsRead, InsightRead}, true},
	{CustomerService, "Customers, orders and returns", []Permission{ShopRead, CatalogRead, CustomersRead, CustomersWrite, OrdersRead, OrdersWrite, OrdersRefund, ReturnsRead, ReturnsWrite, LoyaltyRead, SegmentsRead, ReviewsRead, ReviewsWrite}, true},
	{Warehouse, "Fulfilment and stock", []Permission{ShopRead, CatalogRead, InventoryRead, InventoryWrite, OrdersRead, FulfillmentWrite, ReturnsRead, ReturnsWrite, InsightRead}, true},
	{Analyst, "Read-only access to reports and data", tenantPerms(func(i Info) bool { return i.ReadOnly && i.Name != AuditRead }), true},
}

var platformRoles = []Role{
	{PlatformAdmin, "Full platform administration", []Permission{PlatformTenantsRead, PlatformTenantsManage, PlatformAdminsManage, PlatformMailboxRead, PlatformPluginsManage}, true},
	{PlatformSupport, "Read tenants and the mailbox", []Permission{PlatformTenantsRead, PlatformMailboxRead}, true},
}

// TenantRoles returns the built-in tenant roles.
func TenantRoles() []Role { return cloneRoles(tenantRoles) }

// PlatformRoles returns the built-in platform roles.
func PlatformRoles() []Role { return cloneRoles(platformRoles) }

func cloneRoles(in []Role) []Role {
	out := make([]Role, len(in))
	for i, r := range in {
		r.Permissions = append([]Permission(nil), r.Permissions...)
		out[i] = r
	}
	return out
}

var builtinTenant = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range tenantRoles {
		m[r.Name] = true
	}
	return m
}()

// IsBuiltInTenantRole reports whether name is a built-in tenant role.
func IsBuiltInTenantRole(name string) bool { return builtinTenant[name] }

// IsPlatformRole reports whether name is a built-in platform role.
func IsPlatformRole(name string) bool { return name == PlatformAdmin || name == PlatformSupport }

// Sort orders permissions by name.
func Sort(ps []Permission) { sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] }) }
