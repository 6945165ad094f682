package web

// SetSitemapMax lowers the URLs per sitemap file for a test and returns
// the function that restores it.
func SetSitemapMax(n int) func() {
	old := sitemapMax
	sitemapMax = n
	return func() { sitemapMax = old }
}
