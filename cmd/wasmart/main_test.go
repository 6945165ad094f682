package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startServe runs `wasmart serve --demo` on a port-0 listener and returns
// its base URL and a stop function that waits for a graceful exit.
func startServe(t *testing.T, dataDir string) (string, *syncBuf, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	data, dbURL := dataDir, ""
	go func() {
		done <- serve(ctx, serveConfig{baseDomain: "localhost", demo: true, db: dbFlags{dataDir: &data, databaseURL: &dbURL}}, ln, out)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not become ready: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return url, out, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	}
}

// TestServeDemo: `serve --demo` migrates, seeds the demo shop once (a second
// start changes nothing), prints the logins, serves the storefront on
// demo.localhost and lets the demo owner sign in; cancelling stops it.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	for run := 0; run < 2; run++ {
		url, out, stop := startServe(t, dir)
		if !strings.Contains(out.String(), demoOwnerEmail) || !strings.Contains(out.String(), "storefront: http://demo.localhost:") {
			t.Fatalf("run %d: start-up output lacks the demo logins:\n%s", run, out.String())
		}
		req, _ := http.NewRequest("GET", url+"/", nil)
		req.Host = "demo.localhost"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Demo Shop") {
			t.Fatalf("run %d: storefront: %d %s", run, resp.StatusCode, body)
		}
		// The demo shop's recommendation plugin fills the product page's
		// "You may also like" (similar items by category and tags).
		req, _ = http.NewRequest("GET", url+"/products/linen-shirt", nil)
		req.Host = "demo.localhost"
		if resp, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "You may also like") || !strings.Contains(string(body), `class="card"`) {
			t.Fatalf("run %d: product page without recommendations: %d", run, resp.StatusCode)
		}
		resp, err = http.Post(url+"/api/sessions", "application/json", strings.NewReader(`{"email":"`+demoOwnerEmail+`","password":"`+demoOwnerPassword+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("run %d: demo owner login: %d", run, resp.StatusCode)
		}
		stop()
	}
	var list bytes.Buffer
	data := dir
	if err := run(context.Background(), []string{"tenant", "list", "--data-dir", data}, &list, io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(list.String(), "\ndemo "); n != 1 {
		t.Fatalf("demo shop listed %d times after two seeded starts:\n%s", n, list.String())
	}
}

func TestTenantCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"tenant", "create", "--data-dir", dir, "--name", "Cli Shop", "--slug", "cli-shop", "--owner-email", "o@cli.example.com", "--owner-password", "correct horse battery staple"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"tenant", "suspend", "--data-dir", dir, "cli-shop"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"tenant", "list", "--data-dir", dir, "--status", "suspended"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "cli-shop") {
		t.Fatalf("suspended shop not listed: %s", out.String())
	}
	if err := run(ctx, []string{"tenant", "create", "--data-dir", dir, "--slug", "admin"}, io.Discard, io.Discard); err == nil {
		t.Fatal("reserved slug accepted")
	}
	if err := run(ctx, []string{"admin", "create", "--data-dir", dir, "--email", "root@cli.example.com", "--password", "correct horse battery staple"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
}
