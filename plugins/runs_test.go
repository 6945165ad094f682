package plugins

import (
	"context"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/extension"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
)

// A guest's log lines and error text are the plugin author's bytes: a NUL
// made PostgreSQL refuse the whole batch of runs (other shops' included).
func TestRunLogWithControlCharactersIsRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newTestService(t, db)
		ctx := tenancy.WithTenant(context.Background(), "shop-a")
		for _, r := range []*Run{
			{Tenant: "shop-a", Installation: "inst-1", PluginID: "nul", Point: extension.PointPricing, Start: time.Now(),
				Outcome: FailPluginError, Error: "bad \x00 value \xff", Logs: []byte("info: a\x00b\x1b[31m\nnext\tline")},
			{Tenant: "shop-a", Installation: "inst-1", PluginID: "clean", Point: extension.PointPricing, Start: time.Now(),
				Logs: []byte("info: fine")},
		} {
			s.Recorder().RecordRun(ctx, r)
		}
		s.Recorder().Flush()
		page, err := s.Runs(ctx, RunFilter{})
		if err != nil || len(page.Runs) != 2 {
			t.Fatalf("runs: %d %v", len(page.Runs), err)
		}
		for _, r := range page.Runs {
			if r.PluginID != "nul" {
				continue
			}
			full, err := s.Run(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if full.Logs != "info: a\uFFFDb\uFFFD[31m\nnext\tline" || full.Error != "bad \uFFFD value \uFFFD" {
				t.Fatalf("stored logs %q error %q", full.Logs, full.Error)
			}
		}
	})
}
