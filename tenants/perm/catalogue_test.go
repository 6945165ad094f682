package perm

import "testing"

// TestInsightRoles: the analyst and the merchandising roles (operations,
// marketing, warehouse) read the insight; customer service does not; only
// stock editors change reorder settings.
func TestInsightRoles(t *testing.T) {
	has := map[string]map[Permission]bool{}
	for _, r := range TenantRoles() {
		has[r.Name] = map[Permission]bool{}
		for _, p := range r.Permissions {
			has[r.Name][p] = true
		}
	}
	for role, want := range map[string]bool{Owner: true, Administrator: true, Analyst: true, Operations: true, Marketing: true, Warehouse: true, CustomerService: false} {
		if has[role][InsightRead] != want {
			t.Errorf("%s has insight.read = %v, want %v", role, !want, want)
		}
	}
	if has[Analyst][InventoryWrite] || has[Marketing][InventoryWrite] {
		t.Error("analyst or marketing may change stock and reorder settings")
	}
	if info, ok := Lookup(InsightRead); !ok || !info.ReadOnly || info.Scope != TenantScope {
		t.Errorf("insight.read: %+v", info)
	}
}
