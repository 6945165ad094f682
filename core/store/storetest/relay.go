package storetest

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wasmart/wasmart/core/store"
)

// Relay is a TCP relay between a test's database pool and the PostgreSQL
// server, so a test can take the database away from the application the way
// an outage does (the port refuses connections, open connections break)
// without stopping the server other tests share.
type Relay struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// PostgresBehindRelay returns a fresh migrated PostgreSQL database whose
// pool reaches the server through a Relay (skipping like Postgres when no
// server can be had).
func PostgresBehindRelay(t testing.TB) (*store.DB, *Relay) {
	t.Helper()
	raw := PostgresURL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{target: u.Host, conns: map[net.Conn]struct{}{}}
	if err := r.listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Down)
	u.Host = r.addr
	db, err := store.Open(context.Background(), store.Config{URL: u.String(), MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, r
}

func (r *Relay) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.ln, r.addr = ln, ln.Addr().String()
	r.mu.Unlock()
	r.wg.Add(1)
	go r.accept(ln)
	return nil
}

func (r *Relay) accept(ln net.Listener) {
	defer r.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := net.DialTimeout("tcp", r.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		r.mu.Lock()
		if r.ln != ln { // went down meanwhile
			r.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		r.conns[c], r.conns[s] = struct{}{}, struct{}{}
		r.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		go pipe(c, s)
		go pipe(s, c)
	}
}

// Down makes the database unreachable: the relay's port refuses new
// connections and every relayed connection is cut.
func (r *Relay) Down() {
	r.mu.Lock()
	ln := r.ln
	r.ln = nil
	for c := range r.conns {
		c.Close()
	}
	clear(r.conns)
	r.mu.Unlock()
	if ln != nil {
		ln.Close()
		r.wg.Wait()
	}
}

// Up brings the database back on the same address.
func (r *Relay) Up(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	up := r.ln != nil
	r.mu.Unlock()
	if up {
		return
	}
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after Down
		if err = r.listen(r.addr); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("storetest: relay up on %s: %v", r.addr, err)
}
