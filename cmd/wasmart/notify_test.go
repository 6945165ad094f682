package main

import (
	"context"
	"testing"
	"time"

	"github.com/wasmart/wasmart/cmd/wasmart/wire"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
)

// TestGoalMail: a goal met by today's page views is mailed, as serve wires
// it (the goal job, the outbox worker, goalAudience over the shop's
// staff), to its owner once, however often the job and the worker run.
func TestGoalMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, err := wire.Build(db, wire.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		shop, owner, err := svc.Tenants.Signup(ctx, tenants.SignupInput{ShopInput: tenants.ShopInput{Name: "Goal Mail", Slug: "goalmail", Currency: "EUR", Country: "FR"},
			OwnerName: "Gina", Email: "gina@goalmail.test", Password: "correct horse battery staple 9"})
		if err != nil {
			t.Fatal(err)
		}
		an := svc.Analytics
		for range 2 {
			an.Track(analytics.Hit{TenantID: shop.ID, Kind: analytics.PageView, Path: "/", IP: "192.0.2.1", Host: "goalmail.localhost",
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"})
		}
		if err := an.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := an.Rollup(ctx); err != nil {
			t.Fatal(err)
		}
		today := time.Now().UTC()
		target := 2.0
		if _, err := an.CreateGoal(tenancy.WithTenant(ctx, shop.ID), analytics.GoalInput{Name: "Two page views", Metric: "pageviews", Target: &target,
			Start: today.Format(time.DateOnly), Deadline: today.AddDate(0, 0, 6).Format(time.DateOnly), OwnerID: owner.ID}); err != nil {
			t.Fatal(err)
		}
		sink := smtpsink.Start(t)
		w := outbox.NewWorker(db, sink.Config())
		w.Handle(analytics.TopicGoalStatus, an.GoalMailer(goalAudience(svc.Tenants), "http://console.test"))
		for range 2 {
			if _, err := an.EvaluateGoals(ctx); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := w.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		got := sink.To("gina@goalmail.test")
		if len(got) != 1 || got[0].Header.Get("Subject") != "[Goal Mail] Goal met: Two page views" {
			t.Fatalf("the owner (also the shop's only manager) got %d mails: %+v", len(got), got)
		}
		if n := len(sink.Mail()); n != 1 {
			t.Errorf("%d mails in all", n)
		}
	})
}
