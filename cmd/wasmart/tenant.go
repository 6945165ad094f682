package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/wasmart/wasmart/tenants"
)

func withTenants(ctx context.Context, f dbFlags, fn func(ts *tenants.Service) error) error {
	db, err := openDB(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := tenants.New(db, tenants.Config{})
	if err != nil {
		return err
	}
	defer ts.Close()
	return fn(ts)
}

func cmdTenant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: wasmart tenant create|list|suspend|resume [flags]")
	}
	sub, args := args[0], args[1:]
	f := newFlags("tenant "+sub, stderr)
	dbf := addDBFlags(f)
	sys := tenants.System()
	switch sub {
	case "create":
		name := f.FlagSet.String("name", "", "shop name")
		slug := f.FlagSet.String("slug", "", "shop slug (its storefront host is <slug>.<base domain>)")
		email := f.FlagSet.String("owner-email", "", "owner's e-mail")
		password := f.FlagSet.String("owner-password", "", "owner's password")
		currency := f.FlagSet.String("currency", "EUR", "ISO 4217 currency")
		country := f.FlagSet.String("country", "FR", "ISO 3166-1 country")
		plan := f.FlagSet.String("plan", tenants.PlanFree, "plan")
		if err := f.Parse(args); err != nil {
			return err
		}
		return withTenants(ctx, dbf, func(ts *tenants.Service) error {
			t, u, err := ts.Signup(ctx, tenants.SignupInput{ShopInput: tenants.ShopInput{Name: *name, Slug: *slug, Currency: *currency, Country: *country, Plan: *plan},
				Email: *email, Password: *password})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created shop %s (%s), owner %s\n", t.Slug, t.ID, u.Email)
			return nil
		})
	case "list":
		q := f.FlagSet.String("q", "", "search slug, name or domain")
		status := f.FlagSet.String("status", "", "active, suspended or closed")
		if err := f.Parse(args); err != nil {
			return err
		}
		return withTenants(ctx, dbf, func(ts *tenants.Service) error {
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "SLUG\tNAME\tSTATUS\tPLAN\tID")
			cursor := ""
			for {
				pg, err := ts.ListTenants(ctx, sys, tenants.TenantFilter{Query: *q, Status: *status, Cursor: cursor, Limit: 200})
				if err != nil {
					return err
				}
				for _, t := range pg.Tenants {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Name, t.Status, t.Plan, t.ID)
				}
				if pg.Next == "" {
					break
				}
				cursor = pg.Next
			}
			return w.Flush()
		})
	case "suspend", "resume":
		reason := f.FlagSet.String("reason", "", "why (suspend)")
		if err := f.Parse(args); err != nil {
			return err
		}
		if f.NArg() != 1 {
			return fmt.Errorf("usage: wasmart tenant %s <slug>", sub)
		}
		return withTenants(ctx, dbf, func(ts *tenants.Service) error {
			t, err := ts.TenantBySlug(ctx, f.Arg(0))
			if err != nil {
				return err
			}
			if sub == "suspend" {
				err = ts.Suspend(ctx, sys, t.ID, *reason)
			} else {
				err = ts.Resume(ctx, sys, t.ID)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: %sd\n", t.Slug, sub)
			return nil
		})
	}
	return fmt.Errorf("unknown tenant command %q (create, list, suspend, resume)", sub)
}

func cmdAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: wasmart admin create --email E --password P [--role platform_admin|platform_support]")
	}
	f := newFlags("admin create", stderr)
	dbf := addDBFlags(f)
	email := f.FlagSet.String("email", "", "e-mail")
	password := f.FlagSet.String("password", "", "password (for a new account)")
	role := f.FlagSet.String("role", "platform_admin", "platform_admin or platform_support")
	if err := f.Parse(args[1:]); err != nil {
		return err
	}
	return withTenants(ctx, dbf, func(ts *tenants.Service) error {
		u, err := ts.CreatePlatformAdmin(ctx, tenants.System(), *email, *password, *role)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "platform admin %s (%s) as %s\n", u.Email, u.ID, *role)
		return nil
	})
}
