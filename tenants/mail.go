package tenants

import (
	"time"

	"github.com/wasmart/wasmart/core/outbox"
)

const htmlHead = outbox.MailHead

var htmlFoot = outbox.MailFoot("Wasmart")

var (
	inviteTpl = outbox.NewTemplate("invitation",
		`{{.Inviter}} invited you to {{.Shop}} on Wasmart`,
		`Hello,

{{.Inviter}} invited you to join {{.Shop}} on Wasmart as {{.Role}}.

Accept the invitation (valid until {{.Until}}):
{{.Link}}

If you did not expect this, ignore this message.
`,
		htmlHead+`<p>Hello,</p><p>{{.Inviter}} invited you to join <b>{{.Shop}}</b> on Wasmart as <b>{{.Role}}</b>.</p>
<p><a href="{{.Link}}" style="background:#2d5bd7;color:#fff;padding:.6em 1em;border-radius:.4em;text-decoration:none">Accept the invitation</a></p>
<p>The link is valid until {{.Until}}. If you did not expect this, ignore this message.</p>`+htmlFoot)

	resetTpl = outbox.NewTemplate("password_reset",
		`Reset your Wasmart password`,
		`Hello,

Someone (hopefully you) asked to reset the password of your Wasmart account{{if .IP}} from {{.IP}}{{end}}.

Choose a new password here (the link works once, for {{.TTL}}):
{{.Link}}

If you did not ask for this, ignore this message: your password is unchanged.
`,
		htmlHead+`<p>Hello,</p><p>Someone (hopefully you) asked to reset the password of your Wasmart account{{if .IP}} from {{.IP}}{{end}}.</p>
<p><a href="{{.Link}}" style="background:#2d5bd7;color:#fff;padding:.6em 1em;border-radius:.4em;text-decoration:none">Choose a new password</a></p>
<p>The link works once, for {{.TTL}}. If you did not ask for this, ignore this message: your password is unchanged.</p>`+htmlFoot)

	mfaTpl = outbox.NewTemplate("mfa_enrolled",
		`Two-step verification is now on`,
		`Hello,

Two-step verification was turned on for your Wasmart account on {{.When}}.
From now on you will be asked for a code from your authenticator app when you log in.
Keep your recovery codes somewhere safe.

If this was not you, reset your password at {{.Console}}/forgot-password and contact support.
`,
		htmlHead+`<p>Hello,</p><p>Two-step verification was turned on for your Wasmart account on {{.When}}.</p>
<p>From now on you will be asked for a code from your authenticator app when you log in. Keep your recovery codes somewhere safe.</p>
<p>If this was not you, <a href="{{.Console}}/forgot-password">reset your password</a> and contact support.</p>`+htmlFoot)
)

func inviteMail(tenantID, to, inviter, shop, role, link string, until time.Time) outbox.Mail {
	return inviteTpl.Render("staff.invitation", tenantID, to, map[string]any{
		"Inviter": inviter, "Shop": shop, "Role": role, "Link": link, "Until": until.UTC().Format("2 Jan 2006 15:04 UTC"),
	})
}

func resetMail(to, link string, ttl time.Duration, ip string) outbox.Mail {
	return resetTpl.Render("user.password_reset", "", to, map[string]any{"Link": link, "TTL": ttl.String(), "IP": ip})
}

func mfaEnrolledMail(to, console string, when time.Time) outbox.Mail {
	return mfaTpl.Render("user.mfa_enrolled", "", to, map[string]any{"When": when.UTC().Format("2 Jan 2006 15:04 UTC"), "Console": console})
}
