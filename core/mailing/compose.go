package mailing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/richtext"
)

// Placeholders in the rendered mail, replaced per recipient. They are
// letters only, so escaping leaves them alone.
const (
	phToken = "WSMRCPTTOKEN"
	phSig   = "WSMLINKSIG" // + link index + "Z"
)

var mailTmpl = template.Must(template.New("mail").Parse(`<span style="display:none;max-height:0;overflow:hidden;opacity:0">{{.Preheader}}</span>
{{if .Logo}}<p style="text-align:center;margin:0 0 16px"><a href="{{.ShopLink}}"><img src="{{.Logo}}" alt="{{.Shop}}" width="160" style="max-width:160px;height:auto;border:0"></a></p>{{end}}
<div>{{.Body}}</div>
{{range .Products}}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:16px 0;border-collapse:collapse"><tr>
{{if .Image}}<td width="120" style="padding-right:12px;vertical-align:top"><a href="{{.Link}}"><img src="{{.Image}}" width="120" alt="{{.Title}}" style="display:block;width:120px;height:auto;border:0"></a></td>{{end}}
<td style="vertical-align:top"><a href="{{.Link}}"><strong>{{.Title}}</strong></a><br>{{.Price}}</td></tr></table>
{{end}}<p style="margin:24px 0"><a href="{{.ShopLink}}">Visit {{.Shop}}</a></p>
<p style="font-size:12px;opacity:.75">You receive this e-mail because you agreed to hear from {{.Shop}}. <a href="{{.Unsubscribe}}">Unsubscribe</a></p>
<img src="{{.Open}}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">`))

type productBlock struct {
	Title, Price, Image string
	Link                template.URL
	path                string
}

// content is a campaign rendered once per batch, with placeholders for the
// recipient's token and link signatures.
type content struct {
	subject, text, html string
	base                string
	paths               []string // link paths by index, for signatures
	mailtoUnsub         string
	topic               string
	// b is variant B of an A/B tested campaign (nil: none; variants.go).
	b *content
}

func (s *Service) shopURL(ctx context.Context, tid string) (string, error) {
	if s.opts.ShopURL == nil {
		return "", errs.E(errs.Unavailable, "mailing: no shop URL")
	}
	u, err := s.opts.ShopURL(ctx, tid)
	return strings.TrimRight(u, "/"), err
}

// prepare renders c for the shop: branding, logo, product blocks.
func (s *Service) prepare(ctx context.Context, tid string, c *Campaign) (*content, error) {
	base, err := s.shopURL(ctx, tid)
	if err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	out := &content{subject: c.Subject, base: base, mailtoUnsub: set.MailtoUnsub, topic: "mailing.campaign." + c.ID}
	link := func(path string) template.URL {
		i := len(out.paths)
		out.paths = append(out.paths, path)
		return template.URL(base + "/mail/click/" + phToken + "?u=" + url.QueryEscape(path) + "&s=" + phSig + strconv.Itoa(i) + "Z")
	}
	var show money.Formatter
	var blocks []productBlock
	var textProducts []string
	for _, id := range c.ProductIDs() {
		p, err := s.opts.Products.Get(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue // deleted since: left out
		}
		if err != nil {
			return nil, err
		}
		path := "/products/" + url.PathEscape(p.Handle)
		b := productBlock{Title: p.Title, Price: show.Display(p.PriceMin, p.Currency), path: path}
		b.Link = link(path)
		if len(p.Images) > 0 {
			im := p.Images[0]
			if im.Key != "" {
				b.Image = base + "/media/" + im.RenditionKey(240)
			} else if strings.HasPrefix(im.Src, "https://") {
				b.Image = im.Src
			}
		}
		blocks = append(blocks, b)
		textProducts = append(textProducts, b.Title+" — "+b.Price+": "+base+path)
	}
	shopName := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	var logo string
	var body string
	data := map[string]any{"Preheader": c.Preheader, "Shop": shopName, "Body": template.HTML(c.Body), "Products": blocks,
		"ShopLink": link("/"), "Unsubscribe": template.URL(base + "/mail/unsubscribe/" + phToken), "Open": template.URL(base + "/mail/open/" + phToken)}
	err = s.db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		if s.opts.Brand != nil {
			key, err := s.opts.Brand.MailLogo(ctx, q, tid)
			if err != nil {
				return err
			}
			switch {
			case strings.HasPrefix(key, "https://"):
				logo = key
			case key != "":
				logo = base + "/brand/" + key
			}
		}
		data["Logo"] = logo
		var buf bytes.Buffer
		if err := mailTmpl.Execute(&buf, data); err != nil {
			return errs.Wrap(err, "mailing: render")
		}
		body = buf.String()
		if s.opts.Brand != nil {
			b, err := s.opts.Brand.BrandMail(ctx, q, tid, body)
			if err != nil {
				return err
			}
			body = b
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.html = body
	var t strings.Builder
	if c.Preheader != "" {
		t.WriteString(c.Preheader + "\n\n")
	}
	t.WriteString(richtext.Plain(c.Body) + "\n\n")
	for _, l := range textProducts {
		t.WriteString(l + "\n")
	}
	t.WriteString("\n" + base + "/\n\nUnsubscribe: " + base + "/mail/unsubscribe/" + phToken + "\n")
	out.text = t.String()
	return out, nil
}

// message is the mail for one recipient.
func (c *content) message(secret []byte, tid string, r Recipient) outbox.Message {
	tok := Token(secret, tid, r.ID)
	pairs := []string{phToken, tok}
	for i, p := range c.paths {
		pairs = append(pairs, phSig+strconv.Itoa(i)+"Z", linkSig(secret, tid, r.ID, p))
	}
	rep := strings.NewReplacer(pairs...)
	unsub := c.base + "/mail/unsubscribe/" + tok
	lu := "<" + unsub + ">"
	if c.mailtoUnsub != "" {
		lu += ", <mailto:" + c.mailtoUnsub + "?subject=unsubscribe>"
	}
	return outbox.Message{TenantID: tid, Topic: c.topic, To: r.Email, Subject: c.subject, Text: rep.Replace(c.text), HTML: rep.Replace(c.html),
		Headers: map[string]string{"List-Unsubscribe": lu, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "Precedence": "bulk"}}
}

func mac(secret []byte, parts ...string) string {
	m := hmac.New(sha256.New, secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Token is a recipient's signed token for unsubscribe and open links: the
// recipient id and a MAC over the shop and the id.
func Token(secret []byte, tid, recipientID string) string {
	return recipientID + "." + mac(secret, "recipient", tid, recipientID)
}

// parseToken returns the recipient id of a valid token for the shop.
func parseToken(secret []byte, tid, tok string) (string, bool) {
	id, sig, ok := strings.Cut(tok, ".")
	if !ok || id == "" || len(id) > 64 {
		return "", false
	}
	want := mac(secret, "recipient", tid, id)
	return id, hmac.Equal([]byte(sig), []byte(want))
}

func linkSig(secret []byte, tid, rid, path string) string {
	return mac(secret, "click", tid, rid, path)
}
