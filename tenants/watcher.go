package tenants

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/wasmart/wasmart/core/jobs"
	"github.com/wasmart/wasmart/core/store"
)

// StartWatcher keeps this process's caches (per-tenant role enforcers, host
// resolutions) in step with changes made by other server processes. On
// PostgreSQL it LISTENs on a channel that every change NOTIFYs inside its
// transaction, so a notification arrives exactly when a change commits; a
// lost connection is re-established and, since notifications may have been
// missed meanwhile, every cache is dropped. On SQLite (one process) it does
// nothing. It returns once listening; Close stops it.
func (s *Service) StartWatcher(ctx context.Context) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	conn, err := s.listen(ctx)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.watchMu.Lock()
	s.watchStop, s.watchDone = cancel, done
	s.watchMu.Unlock()
	go func() {
		defer close(done)
		defer func() { conn.Close(context.Background()) }()
		backoff := 100 * time.Millisecond
		for {
			// Applying a change runs under jobs.Run: a panic is logged and,
			// like a lost connection, ends in a reconnect that drops every
			// cache (the change may not have been applied).
			err := jobs.Run(s.cfg.Log, "tenants change watcher", func() error {
				for {
					n, err := conn.WaitForNotification(wctx)
					if err != nil {
						return err
					}
					s.apply(parseChange(n.Payload))
					backoff = 100 * time.Millisecond
				}
			})
			if wctx.Err() != nil {
				return
			}
			s.cfg.Log.Warn("tenants: change watcher lost its connection", "err", err)
			conn.Close(context.Background())
			for {
				select {
				case <-wctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(backoff*2, 10*time.Second)
				c, err := s.listen(wctx)
				if err != nil {
					continue
				}
				conn = c
				if err := jobs.Run(s.cfg.Log, "tenants change watcher", func() error { s.apply(change{kind: "all"}); return nil }); err == nil {
					break
				}
				conn.Close(context.Background())
			}
		}
	}()
	return nil
}

func (s *Service) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, s.db.URL())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}
