package view

import "github.com/wasmart/wasmart/plugins"

// CatalogEntry is one plugin of the plugin catalogue with its versions, as
// the merchant console's plugins page and the platform console's catalogue
// list it.
type CatalogEntry struct {
	Latest      plugins.Version
	Versions    []string
	Installed   string // installation id when installed
	Points      string
	SourceLabel string
}

// CatalogEntries groups catalogue versions (newest first per plugin and
// source, as plugins.Service.Catalog lists them) into one entry per
// plugin, marking the ones among installed.
func CatalogEntries(vs []plugins.Version, installed []plugins.InstallationView) []CatalogEntry {
	var out []CatalogEntry
	for _, v := range vs {
		if n := len(out); n > 0 && out[n-1].Latest.PluginID == v.PluginID && out[n-1].Latest.Source() == v.Source() {
			out[n-1].Versions = append(out[n-1].Versions, v.Version)
			continue
		}
		e := CatalogEntry{Latest: v, Versions: []string{v.Version}, Points: v.Points, SourceLabel: "catalogue"}
		if v.Private() {
			e.SourceLabel = "private"
		}
		for _, in := range installed {
			if in.PluginID == v.PluginID {
				e.Installed = in.ID
			}
		}
		out = append(out, e)
	}
	return out
}
