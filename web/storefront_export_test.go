package web

import "strings"

// SetSitemapMax lowers the URLs per sitemap file for a test and returns
// the function that restores it.
func SetSitemapMax(n int) func() {
	old := sitemapMax
	sitemapMax = n
	return func() { sitemapMax = old }
}

// CachedPaths lists the paths of a shop's cached storefront pages.
func CachedPaths(s *Server, tenantID string) map[string]bool {
	st := s.shopCache.state(tenantID)
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]bool{}
	for k := range st.pages {
		_, path, _ := strings.Cut(k, "\x00")
		out[path] = true
	}
	return out
}

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
