package storetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestSweepRemovesOnlyDeadServers: the directories of servers that are
// gone are removed; a running server's, a young one's (initdb may still be
// running) and other files are kept.
func TestSweepRemovesOnlyDeadServers(t *testing.T) {
	tmp := t.TempDir()
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Skipf("no true(1): %v", err)
	}
	old := time.Now().Add(-time.Hour)
	mk := func(name string, pid int, age time.Time) string {
		d := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(d, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if pid != 0 {
			if err := os.WriteFile(filepath.Join(d, "data", "postmaster.pid"), []byte(strconv.Itoa(pid)+"\n/tmp/x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(d, age, age); err != nil {
			t.Fatal(err)
		}
		return d
	}
	dead := mk("wasmart-pg-dead", done.Process.Pid, old)
	noPid := mk("wasmart-pg-nopid", 0, old)
	alive := mk("wasmart-pg-alive", os.Getpid(), old)
	young := mk("wasmart-pg-young", 0, time.Now())
	other := mk("something-else", 0, old)
	sweep(tmp, 10*time.Minute)
	for d, want := range map[string]bool{dead: false, noPid: false, alive: true, young: true, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", filepath.Base(d), err == nil, want)
		}
	}
}
