package tenants

import (
	"context"

	"github.com/wasmart/wasmart/core/audit"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/tenants/perm"
)

// Audit lists the principal's shop's audit log (audit.read: owners and
// administrators). The filter's TenantID is ignored: it is always the
// principal's shop.
func (s *Service) Audit(ctx context.Context, p Principal, f audit.Filter) (audit.Page, error) {
	if err := s.Authorize(ctx, p, perm.AuditRead); err != nil {
		return audit.Page{}, err
	}
	f.TenantID = p.TenantID
	return audit.List(ctx, s.db, f)
}

// Mailbox lists outgoing e-mail for the platform console
// (platform.mailbox.read).
func (s *Service) Mailbox(ctx context.Context, p Principal, f outbox.MailFilter) (outbox.MailPage, error) {
	if err := s.Authorize(ctx, p, perm.PlatformMailboxRead); err != nil {
		return outbox.MailPage{}, err
	}
	return outbox.ListMail(ctx, s.db, f)
}
