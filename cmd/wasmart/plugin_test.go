package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPluginCommands scaffolds a plugin outside the module, tests it
// (native, then the .wasm in the real host against its fixture), and sends
// it to a running `serve --demo`: publish as the demo platform admin,
// upload with a shop API token (refused on the demo shop's plan). The demo
// shop has the four first-party plugins installed and enabled.
func TestPluginCommands(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "half-off")
	var out bytes.Buffer
	if err := run(ctx, []string{"plugin", "init", "--point", "pricing", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"manifest.json", "main.go", "main_test.go", "fixtures/example.json", "go.mod"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("scaffold lacks %s", f)
		}
	}
	if err := run(ctx, []string{"plugin", "init", dir}, &out, io.Discard); err == nil {
		t.Fatal("init over a non-empty directory succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"plugin", "test", dir}, &out, &out); err != nil {
		t.Fatalf("plugin test: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ok   example.json") || !strings.Contains(out.String(), "accepted by the host") {
		t.Fatalf("plugin test output:\n%s", out.String())
	}
	// A fixture that disagrees fails the run.
	bad := `{"config":{"percent":50},"input":{"Currency":"EUR","Lines":[{"ID":"1","Quantity":1,"UnitPrice":1000}]},"want":{"Adjustments":[]}}`
	if err := os.WriteFile(filepath.Join(dir, "fixtures", "wrong.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"plugin", "test", "--native=false", dir}, &out, &out); err == nil || !strings.Contains(out.String(), "FAIL wrong.json") {
		t.Fatalf("a wrong fixture passed: %v\n%s", err, out.String())
	}
	os.Remove(filepath.Join(dir, "fixtures", "wrong.json"))

	data := t.TempDir()
	url, _, stop := startServe(t, data)
	defer stop()
	out.Reset()
	if err := run(ctx, []string{"plugin", "publish", "--url", url, "--email", demoAdminEmail, "--password", demoAdminPassword, dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "published half-off@0.1.0 (catalog") {
		t.Fatalf("publish output: %s", out.String())
	}
	err := run(ctx, []string{"plugin", "publish", "--url", url, "--email", demoAdminEmail, "--password", demoAdminPassword, "--wasm", filepath.Join(dir, "plugin.wasm"), dir}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("publishing the same version again: %v", err)
	}

	// The demo owner's API token; the Growth plan allows no private plugins.
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Timeout: time.Minute}
	csrf, err := adminLogin(ctx, cl, url, demoOwnerEmail, demoOwnerPassword)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", url+"/api/tokens", strings.NewReader(`{"name":"cli","role":"administrator"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok.Secret == "" {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	err = run(ctx, []string{"plugin", "upload", "--url", url, "--token", tok.Secret, "--wasm", filepath.Join(dir, "plugin.wasm"), dir}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "private plugins") {
		t.Fatalf("upload on the Growth plan: %v", err)
	}
	req, _ = http.NewRequest("GET", url+"/api/plugins/installations", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var inst []struct {
		PluginID string `json:"plugin_id"`
		Enabled  bool   `json:"enabled"`
	}
	json.NewDecoder(resp.Body).Decode(&inst)
	resp.Body.Close()
	if len(inst) != 4 || !inst[0].Enabled {
		t.Fatalf("demo installations: %+v", inst)
	}
}
