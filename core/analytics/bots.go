package analytics

import "strings"

// Bots are filtered twice. By user agent: no maintained bot list is
// served by this platform's Go module proxy, so botMarkers is a compact
// list of the substrings crawlers, link previewers, monitors, headless
// browsers and HTTP libraries send (lower case), and an empty user agent
// is a bot. By behaviour: a visitor with more than Options.MaxPagesPerMinute
// page views in a minute is flagged for the day; its events are dropped
// from then on and the day's rollups leave out what it did before
// (analytics_bots).
var botMarkers = []string{
	"bot", "crawl", "spider", "slurp", "archiver", "scrapy", "headless", "phantomjs", "puppeteer", "playwright",
	"selenium", "lighthouse", "pagespeed", "pingdom", "uptime", "monitor", "statuscake", "facebookexternalhit",
	"embedly", "preview", "whatsapp", "skypeuripreview", "feedfetcher",
	"python-requests", "python-urllib", "aiohttp", "httpx", "curl/", "wget", "go-http-client", "java/", "okhttp",
	"libwww", "httpclient", "axios", "node-fetch", "undici", "postman", "insomnia", "semrush", "ahrefs", "mj12",
	"yandex", "baiduspider", "sogou", "bytespider", "petalbot", "gptbot", "ccbot", "claude", "anthropic",
	"perplexity", "validator", "check_http", "zgrab", "masscan", "nmap", "nikto", "wappalyzer",
}

// notBots are browser user agents a marker would catch by accident
// (phone brands and the like).
var notBots = []string{"cubot"}

// IsBot reports whether a user agent belongs to a bot.
func IsBot(ua string) bool {
	if strings.TrimSpace(ua) == "" {
		return true
	}
	l := strings.ToLower(ua)
	for _, m := range notBots {
		l = strings.ReplaceAll(l, m, "")
	}
	for _, m := range botMarkers {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}
