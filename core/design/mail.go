package design

import (
	"context"
	"encoding/json"
	"html"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/store"
)

// BrandMail wraps an e-mail's HTML body in the shop's published look: its
// background, text and accent colours, body font stack and footer text,
// in a table layout mail clients render. It reads the live design in q (the
// mail's transaction). A shop that never published gets the default
// theme's look. It implements order.MailBrander.
func (s *Service) BrandMail(ctx context.Context, q bun.IDB, tenantID, body string) (string, error) {
	d, err := mailDocument(ctx, q, tenantID)
	if err != nil {
		return "", err
	}
	set := d.Settings
	col := func(k, def string) string {
		if c, ok := NormalizeColor(set.String(k)); ok {
			return c
		}
		return def
	}
	font := Fonts["system"].CSS
	if f, ok := Fonts[set.String(SetFontBody)]; ok {
		font = f.CSS
	}
	font = strings.ReplaceAll(font, `"`, "'")
	bg, text, accent, muted := col(SetColorBackground, "#ffffff"), col(SetColorText, "#1f2328"), col(SetColorAccent, "#0b6bcb"), col(SetColorMuted, "#eef1f4")
	var b strings.Builder
	b.WriteString(`<div style="background:` + muted + `;padding:24px 0">`)
	b.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:` + bg + `;color:` + text + `;font-family:` + font + `;border-top:6px solid ` + accent + `">`)
	b.WriteString(`<tr><td style="padding:24px">`)
	b.WriteString(strings.ReplaceAll(body, "<a ", `<a style="color:`+accent+`" `))
	b.WriteString(`</td></tr>`)
	if ft := set.String(SetFooterText); ft != "" {
		b.WriteString(`<tr><td style="padding:12px 24px;border-top:1px solid ` + muted + `;font-size:12px">` + strings.ReplaceAll(html.EscapeString(ft), "\n", "<br>") + `</td></tr>`)
	}
	b.WriteString(`</table></div>`)
	return b.String(), nil
}

// MailLogo returns the live design's logo, read in q: a blob key the shop
// host serves under /brand/, or an absolute URL; "" when the shop has none.
func (s *Service) MailLogo(ctx context.Context, q bun.IDB, tenantID string) (string, error) {
	d, err := mailDocument(ctx, q, tenantID)
	if err != nil {
		return "", err
	}
	return d.Settings.String(SetLogo), nil
}

// mailDocument is the shop's live design read in q, or the default theme's.
func mailDocument(ctx context.Context, q bun.IDB, tenantID string) (*Document, error) {
	var doc string
	err := q.NewRaw("SELECT document FROM design_live WHERE tenant_id = ?", tenantID).Scan(ctx, &doc)
	d := DefaultDocument()
	switch {
	case store.NoRows(err):
	case err != nil:
		return nil, errs.Wrap(err, "design: mail layout")
	default:
		if err := json.Unmarshal([]byte(doc), d); err != nil {
			return nil, errs.Wrap(err, "design: mail layout")
		}
	}
	return d, nil
}
