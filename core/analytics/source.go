package analytics

import (
	"net/url"
	"strings"
)

// Traffic sources. A session's source is that of its first event: the
// UTM parameters when the landing URL has utm_source, otherwise the
// referring site, otherwise direct. Mediums: the utm_medium given, or
// "organic" (a search engine), "social", "email", "referral" (any other
// site) or "(none)" (direct).
const (
	SourceDirect = "direct"
	MediumNone   = "(none)"
)

var (
	searchEngines = []string{"google.", "bing.com", "duckduckgo.com", "baidu.com", "yandex.", "search.yahoo.", "sogou.com", "so.com", "naver.com", "ecosia.org", "search.brave.com", "qwant.com"}
	socialSites   = []string{"facebook.com", "instagram.com", "t.co", "twitter.com", "x.com", "linkedin.com", "lnkd.in", "pinterest.", "reddit.com", "youtube.com", "tiktok.com", "weibo.com", "douyin.com", "xiaohongshu.com", "threads.net", "vk.com", "wechat.com", "weixin.qq.com"}
	mailSites     = []string{"mail.google.com", "outlook.live.com", "outlook.office.com", "mail.yahoo.com", "mail.qq.com", "mail.163.com"}
)

// source is a traffic source: where a visit came from.
type source struct{ Source, Medium, Campaign string }

// sourceOf classifies a hit's traffic source. An internal referrer (the
// shop's own host) gives the empty source: the visit goes on.
func sourceOf(h *Hit) source {
	if s := strings.ToLower(strings.TrimSpace(h.UTMSource)); s != "" {
		m := strings.ToLower(strings.TrimSpace(h.UTMMedium))
		if m == "" {
			m = MediumNone
		}
		return source{clip(s, maxLabel), clip(m, maxLabel), clip(strings.TrimSpace(h.UTMCampaign), maxLabel)}
	}
	host := referrerHost(h.Referrer)
	switch {
	case host == "":
		return source{SourceDirect, MediumNone, ""}
	case host == strings.ToLower(stripPort(h.Host)):
		return source{}
	}
	name := strings.TrimPrefix(host, "www.")
	return source{clip(name, maxLabel), mediumOf(host), ""}
}

func mediumOf(host string) string {
	for _, list := range []struct {
		sites  []string
		medium string
	}{{mailSites, "email"}, {searchEngines, "organic"}, {socialSites, "social"}} {
		for _, s := range list.sites {
			if strings.HasSuffix(s, ".") {
				if strings.HasPrefix(host, s) || strings.Contains(host, "."+s) {
					return list.medium
				}
			} else if host == s || strings.HasSuffix(host, "."+s) {
				return list.medium
			}
		}
	}
	return "referral"
}

func referrerHost(ref string) string {
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func stripPort(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}
