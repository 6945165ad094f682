package web

import "github.com/wasmart/wasmart/web/storefront"

// SetSitemapMax lowers the URLs per sitemap file for a test and returns
// the function that restores it.
func SetSitemapMax(n int) func() {
	old := storefront.SitemapMax
	storefront.SitemapMax = n
	return func() { storefront.SitemapMax = old }
}

// CachedPaths lists the paths of a shop's cached storefront pages.
func CachedPaths(s *Server, tenantID string) map[string]bool { return s.store.CachedPaths(tenantID) }

// StoreRoutes lists the storefront app's routes as "METHOD PATH".
func StoreRoutes(s *Server) []string {
	var out []string
	for _, r := range s.storeApp.GetRoutes(true) {
		if r.Method != "USE" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}
