package web_test

import (
	"testing"

	"github.com/wasmart/wasmart/web/api"
)

// victimMailing gives shop A an e-mail campaign and mailing settings for
// the cross-tenant test; it returns the campaign id and A's markers.
func victimMailing(t *testing.T, owner *client, productID string) (string, []string) {
	t.Helper()
	owner.send("PUT", "/api/mailing/settings", api.MailingSettings{RatePerSecond: 77, AttributionDays: 9, UnsubscribeMailto: "unsub@alpha-secret.example.com"}, 200)
	var c api.EmailCampaignJSON
	owner.send("POST", "/api/email-campaigns", api.EmailCampaignRequest{Subject: "Alpha secret newsletter", Body: "<p>Alpha secret body</p>",
		ProductIDs: []string{productID}, SegmentID: "all"}, 201).json(t, &c)
	owner.send("PUT", "/api/mailing/automations/tier_upgrade", api.MailingAutomation{Enabled: true, DelayMinutes: 60, Subject: "Alpha secret automation"}, 200)
	owner.send("PUT", "/api/mailing/automations/win_back", api.MailingAutomation{Enabled: true, Subject: "Alpha secret win-back", Body: "<p>Alpha secret come back</p>"}, 200)
	owner.send("PUT", "/api/mailing/automations/abandoned_cart", api.MailingAutomation{Enabled: true, DelayMinutes: 90, Subject: "Alpha secret cart mail"}, 200)
	owner.send("PUT", "/api/mailing/automations/birthday", api.MailingAutomation{Enabled: true, Subject: "Alpha secret birthday"}, 200)
	return c.ID, []string{c.ID, "Alpha secret newsletter", "Alpha secret body", "unsub@alpha-secret.example.com", "Alpha secret automation",
		"Alpha secret win-back", "Alpha secret come back", "Alpha secret cart mail", "Alpha secret birthday"}
}
