package plugins

// CatalogEntry is one plugin of the catalogue (or a private upload) with
// its versions, as the merchant and platform consoles list it.
type CatalogEntry struct {
	Latest      Version
	Versions    []string
	Installed   string // installation id when installed
	Points      string
	SourceLabel string
}

// CatalogEntries groups Catalog's listing (by plugin, newest first) into
// one entry per plugin and source, its newest version as Latest, and marks
// the plugins among installed.
func CatalogEntries(vs []Version, installed []InstallationView) []CatalogEntry {
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
