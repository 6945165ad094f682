package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/analytics"
	"github.com/wasmart/wasmart/core/inventory"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
	"github.com/wasmart/wasmart/tenants"
	"github.com/wasmart/wasmart/tenants/perm"
)

// lowStockMailer turns inventory.low_stock events into e-mails to the
// shop's staff who manage stock. The event and the mails are both outbox
// rows, so a crash between them re-runs the handler, and each alert is
// mailed once per recipient (the mail's topic carries the event id).
func lowStockMailer(db *store.DB, ts *tenants.Service, consoleURL string) outbox.Handler {
	return func(ctx context.Context, m outbox.Message) error {
		var a inventory.LowStockAlert
		if err := json.Unmarshal([]byte(m.Payload), &a); err != nil {
			return fmt.Errorf("low stock payload: %w", err)
		}
		staff, err := ts.StaffWith(ctx, m.TenantID, perm.InventoryWrite)
		if err != nil {
			return err
		}
		shop, err := ts.Tenant(ctx, m.TenantID)
		if err != nil {
			return err
		}
		topic := "inventory.low_stock_mail." + m.ID
		return db.Write(tenancy.WithTenant(ctx, m.TenantID), func(ctx context.Context, q bun.IDB) error {
			if sent, err := outbox.Enqueued(ctx, q, m.TenantID, topic); err != nil || sent {
				return err
			}
			for _, s := range staff {
				if _, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: m.TenantID, Topic: topic, To: s.Email,
					Subject: fmt.Sprintf("[%s] Low stock: %s (%d left)", shop.Name, a.SKU, a.Available),
					Text: fmt.Sprintf("%s has %d available, at or below its safety stock of %d.\n\nSee every low-stock item: %s/console/inventory/low-stock\n",
						a.SKU, a.Available, a.SafetyStock, consoleURL)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// goalAudience answers who hears about a shop's goal turning at risk or
// met (analytics.GoalMailer): its owner, while still a member who can
// read goals, and the staff who manage goals.
func goalAudience(ts *tenants.Service) func(ctx context.Context, tenantID, ownerID string) (analytics.GoalAudience, error) {
	return func(ctx context.Context, tenantID, ownerID string) (analytics.GoalAudience, error) {
		shop, err := ts.Tenant(ctx, tenantID)
		if err != nil {
			return analytics.GoalAudience{}, err
		}
		a := analytics.GoalAudience{ShopName: shop.Name, Currency: shop.Currency}
		readers, err := ts.StaffWith(ctx, tenantID, perm.GoalsRead)
		if err != nil {
			return a, err
		}
		for _, s := range readers {
			if s.UserID == ownerID {
				a.Emails = append(a.Emails, s.Email)
			}
		}
		managers, err := ts.StaffWith(ctx, tenantID, perm.GoalsManage)
		if err != nil {
			return a, err
		}
		for _, s := range managers {
			a.Emails = append(a.Emails, s.Email) // GoalMailer mails each address once
		}
		return a, nil
	}
}
