package outbox

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// Template is a fixed e-mail: a subject, a text body and an HTML body, all
// Go templates over the same data (the HTML escaped by html/template). The
// account mails (staff in package tenants, shoppers in package customer)
// are built with it.
type Template struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// NewTemplate parses a Template; it panics on a bad template (they are
// fixed in the code and tested).
func NewTemplate(name, subject, text, html string) Template {
	return Template{
		subject: texttemplate.Must(texttemplate.New(name + ".subject").Parse(subject)),
		text:    texttemplate.Must(texttemplate.New(name + ".txt").Parse(text)),
		html:    htmltemplate.Must(htmltemplate.New(name + ".html").Parse(html)),
	}
}

// Render fills the template for one recipient.
func (t Template) Render(topic, tenantID, to string, data any) Mail {
	var sub, txt, htm bytes.Buffer
	if err := t.subject.Execute(&sub, data); err != nil {
		panic(err) // templates are fixed and tested
	}
	if err := t.text.Execute(&txt, data); err != nil {
		panic(err)
	}
	if err := t.html.Execute(&htm, data); err != nil {
		panic(err)
	}
	return Mail{TenantID: tenantID, Topic: topic, To: to, Subject: strings.TrimSpace(sub.String()), Text: txt.String(), HTML: htm.String()}
}

// Plain HTML mail frame: MailHead, the body, MailFoot(sender).
const MailHead = `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:auto;padding:1rem;color:#222">`

// MailFoot closes MailHead, naming who sent the mail.
func MailFoot(sender string) string {
	return `<p style="color:#888;font-size:.85em">Sent by ` + htmltemplate.HTMLEscapeString(sender) + `.</p></body></html>`
}
