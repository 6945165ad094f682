package order

import (
	"context"
	"encoding/json"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"time"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/money"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/tenancy"
)

// Mail topics: the outbox events that send the shopper an e-mail. All
// return.* events share the "return.updated" template.
const (
	MailOrderPlaced     = "order.placed"
	MailOrderPaid       = "order.paid"
	MailShipped         = "shipment.created"
	MailReturnUpdated   = "return.updated"
	MailOrderCancelled  = "order.cancelled"
	MailOrderRefunded   = "order.refunded"
	maxTemplateBytes    = 64 << 10
	notificationsActorK = "system"
)

// MailTopics lists the templates a shop can edit.
var MailTopics = []string{MailOrderPlaced, MailOrderPaid, MailShipped, MailReturnUpdated, MailOrderCancelled, MailOrderRefunded}

// ReturnEvents are the after-sales events mailed with "return.updated".
var ReturnEvents = []string{"return.requested", "return.approved", "return.rejected", "return.received", "return.refunded", "return.credited", "return.exchanged"}

// MailTemplate is an e-mail template: Go text/template syntax for the
// subject and text body, html/template (auto-escaped) for the HTML body,
// over MailData.
type MailTemplate struct {
	Topic   string `json:"topic"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	Custom  bool   `json:"custom"` // the shop edited it
}

// MailLine is an order line as mails show it.
type MailLine struct {
	Title, VariantTitle, SKU string
	Quantity                 int64
	Total                    string
}

// MailData is what templates see.
type MailData struct {
	OrderName      string // "#1001"
	Email          string
	Status         string
	Currency       string
	Subtotal       string // formatted amounts, e.g. "12.50 EUR"
	Shipping       string
	Tax            string
	Total          string
	Lines          []MailLine
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	Amount         string // refunded or paid amount for that event
	ReturnStatus   string
	Event          map[string]any // the raw event payload
}

var defaultTemplates = map[string]MailTemplate{
	MailOrderPlaced: {Subject: "Order {{.OrderName}} confirmed",
		Text: "Thank you for your order {{.OrderName}}.\n\n{{range .Lines}}{{.Quantity}} × {{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}: {{.Total}}\n{{end}}\nShipping: {{.Shipping}}\nTax: {{.Tax}}\nTotal: {{.Total}}\n",
		HTML: "<p>Thank you for your order <b>{{.OrderName}}</b>.</p><ul>{{range .Lines}}<li>{{.Quantity}} × {{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}: {{.Total}}</li>{{end}}</ul><p>Shipping: {{.Shipping}}<br>Tax: {{.Tax}}<br><b>Total: {{.Total}}</b></p>"},
	MailOrderPaid: {Subject: "Payment received for {{.OrderName}}",
		Text: "We received your payment of {{.Amount}} for order {{.OrderName}}. We'll let you know when it ships.\n"},
	MailShipped: {Subject: "Order {{.OrderName}} has shipped",
		Text: "Your order {{.OrderName}} is on its way{{if .Carrier}} with {{.Carrier}}{{end}}.{{if .TrackingNumber}}\nTracking number: {{.TrackingNumber}}{{end}}{{if .TrackingURL}}\nTrack it: {{.TrackingURL}}{{end}}\n",
		HTML: "<p>Your order <b>{{.OrderName}}</b> is on its way{{if .Carrier}} with {{.Carrier}}{{end}}.</p>{{if .TrackingURL}}<p><a href=\"{{.TrackingURL}}\">Track your parcel{{if .TrackingNumber}} ({{.TrackingNumber}}){{end}}</a></p>{{end}}"},
	MailReturnUpdated: {Subject: "Your return for {{.OrderName}}: {{.ReturnStatus}}",
		Text: "Your return for order {{.OrderName}} is now {{.ReturnStatus}}.{{if .Amount}}\nAmount: {{.Amount}}{{end}}\n"},
	MailOrderCancelled: {Subject: "Order {{.OrderName}} cancelled",
		Text: "Your order {{.OrderName}} was cancelled. If you paid, the money will be refunded.\n"},
	MailOrderRefunded: {Subject: "Refund for {{.OrderName}}",
		Text: "We refunded {{.Amount}} for order {{.OrderName}}.\n"},
}

type templateRow struct {
	bun.BaseModel `bun:"table:order_mail_templates"`
	TenantID      string    `bun:"tenant_id,pk"`
	Topic         string    `bun:"topic,pk"`
	Subject       string    `bun:"subject"`
	Text          string    `bun:"body_text"`
	HTML          string    `bun:"body_html"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func templateTopic(eventTopic string) string {
	if strings.HasPrefix(eventTopic, "return.") {
		return MailReturnUpdated
	}
	return eventTopic
}

// MailTemplates lists the context tenant's templates (its edits, else the
// defaults).
func MailTemplates(ctx context.Context, db *store.DB) ([]MailTemplate, error) {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return nil, err
	}
	var rows []templateRow
	if err := db.Read(ctx, func(ctx context.Context, q bun.IDB) error {
		return q.NewSelect().Model(&rows).Where("tenant_id = ?", tenant).Scan(ctx)
	}); err != nil {
		return nil, errs.Wrap(err, "order.MailTemplates")
	}
	custom := map[string]templateRow{}
	for _, r := range rows {
		custom[r.Topic] = r
	}
	out := make([]MailTemplate, 0, len(MailTopics))
	for _, t := range MailTopics {
		m := defaultTemplates[t]
		m.Topic = t
		if r, ok := custom[t]; ok {
			m = MailTemplate{Topic: t, Subject: r.Subject, Text: r.Text, HTML: r.HTML, Custom: true}
		}
		out = append(out, m)
	}
	return out, nil
}

func sampleData() *MailData {
	return &MailData{OrderName: "#1001", Email: "shopper@example.com", Status: "paid", Currency: "USD", Subtotal: "10.00 USD", Shipping: "5.00 USD",
		Tax: "0.80 USD", Total: "15.80 USD", Lines: []MailLine{{Title: "Shirt", VariantTitle: "M", Quantity: 1, Total: "10.00 USD"}},
		Carrier: "UPS", TrackingNumber: "1Z", TrackingURL: "https://example.com/track", Amount: "15.80 USD", ReturnStatus: "approved", Event: map[string]any{}}
}

func render(t MailTemplate, d *MailData) (subject, text, html string, err error) {
	var b strings.Builder
	run := func(src string) (string, error) {
		b.Reset()
		tp, err := template.New("t").Option("missingkey=zero").Parse(src)
		if err != nil {
			return "", err
		}
		if err := tp.Execute(&b, d); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	if subject, err = run(t.Subject); err != nil {
		return
	}
	subject = strings.Join(strings.Fields(subject), " ")
	if text, err = run(t.Text); err != nil {
		return
	}
	if t.HTML != "" {
		var hb strings.Builder
		ht, perr := htmltemplate.New("h").Option("missingkey=zero").Parse(t.HTML)
		if perr != nil {
			return "", "", "", perr
		}
		if err = ht.Execute(&hb, d); err != nil {
			return
		}
		html = hb.String()
	}
	return
}

// SaveMailTemplate stores the context tenant's version of a template after
// checking that it parses and renders.
func SaveMailTemplate(ctx context.Context, db *store.DB, t MailTemplate) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	if _, ok := defaultTemplates[t.Topic]; !ok {
		return errs.Field("topic", "unknown e-mail %q", t.Topic)
	}
	if strings.TrimSpace(t.Subject) == "" || strings.TrimSpace(t.Text) == "" {
		return errs.Field("text", "subject and text are required")
	}
	if len(t.Subject)+len(t.Text)+len(t.HTML) > maxTemplateBytes {
		return errs.Field("text", "the template is too long")
	}
	if _, _, _, err := render(t, sampleData()); err != nil {
		return errs.Field("text", "the template does not render: %v", err)
	}
	return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewInsert().Model(&templateRow{TenantID: tenant, Topic: t.Topic, Subject: t.Subject, Text: t.Text, HTML: t.HTML, UpdatedAt: store.Now()}).
			On("CONFLICT (tenant_id, topic) DO UPDATE").
			Set("subject = EXCLUDED.subject").Set("body_text = EXCLUDED.body_text").Set("body_html = EXCLUDED.body_html").Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		return errs.Wrap(err, "order.SaveMailTemplate")
	})
}

// ResetMailTemplate goes back to the built-in template.
func ResetMailTemplate(ctx context.Context, db *store.DB, topic string) error {
	tenant, err := store.TenantID(ctx)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		_, err := q.NewDelete().Model((*templateRow)(nil)).Where("tenant_id = ? AND topic = ?", tenant, topic).Exec(ctx)
		return errs.Wrap(err, "order.ResetMailTemplate")
	})
}

func anyInt(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}

func anyString(v any) string {
	s, _ := v.(string)
	return s
}

// Notifier turns order, payment, shipment and return events into e-mails
// to the shopper, rendered from the shop's templates. It runs as outbox
// event handlers, after the change committed; each event mails at most once
// (a marker row is written with the mail).
type Notifier struct {
	DB *store.DB
	// Brand, when set, wraps each HTML body in the shop's branded layout
	// (the shop builder's colours, fonts and footer), in the mail's
	// transaction; an error keeps the body unwrapped.
	Brand MailBrander
}

// MailBrander wraps an e-mail's HTML body in a shop's look.
type MailBrander interface {
	BrandMail(ctx context.Context, q bun.IDB, tenantID, html string) (string, error)
}

// Register installs the handlers on an outbox worker.
func (n *Notifier) Register(w *outbox.Worker) {
	for _, t := range append([]string{MailOrderPlaced, MailOrderPaid, MailShipped, MailOrderCancelled, MailOrderRefunded}, ReturnEvents...) {
		w.Handle(t, n.Handle)
	}
}

// Handle is the outbox handler for one event.
func (n *Notifier) Handle(ctx context.Context, m outbox.Message) error {
	var payload map[string]any
	if err := json.Unmarshal([]byte(m.Payload), &payload); err != nil {
		return nil // not ours to retry
	}
	orderID := anyString(payload["order_id"])
	if orderID == "" || m.TenantID == "" {
		return nil
	}
	ctx = tenancy.WithActor(tenancy.ForTenant(ctx, m.TenantID), tenancy.Actor{Kind: notificationsActorK, ID: "mailer", Name: "mailer"})
	return n.DB.Write(ctx, func(ctx context.Context, q bun.IDB) error {
		res, err := q.NewInsert().Model(&struct {
			bun.BaseModel `bun:"table:order_notifications"`
			TenantID      string    `bun:"tenant_id,pk"`
			EventID       string    `bun:"event_id,pk"`
			CreatedAt     time.Time `bun:"created_at"`
		}{TenantID: m.TenantID, EventID: m.ID, CreatedAt: store.Now()}).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil // already mailed
		}
		o, err := Load(ctx, q, orderID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		topic := templateTopic(m.Topic)
		t := defaultTemplates[topic]
		var row templateRow
		switch err := q.NewSelect().Model(&row).Where("tenant_id = ? AND topic = ?", m.TenantID, topic).Scan(ctx); {
		case err == nil:
			t = MailTemplate{Subject: row.Subject, Text: row.Text, HTML: row.HTML}
		case !store.NoRows(err):
			return err
		}
		var show money.Formatter // the shop's one style; per recipient locale when mails are translated
		d := &MailData{OrderName: o.Name(), Email: o.Email, Status: string(o.Status), Currency: o.Currency,
			Subtotal: show.Display(o.Subtotal, o.Currency), Shipping: show.Display(o.ShippingTotal, o.Currency), Tax: show.Display(o.TaxTotal, o.Currency), Total: show.Display(o.Total, o.Currency),
			Carrier: anyString(payload["carrier"]), TrackingNumber: anyString(payload["tracking_number"]), TrackingURL: anyString(payload["tracking_url"]),
			ReturnStatus: anyString(payload["status"]), Event: payload}
		if a := anyInt(payload["amount"]); a != 0 {
			d.Amount = show.Display(a, o.Currency)
		}
		for _, l := range o.Lines {
			d.Lines = append(d.Lines, MailLine{Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU, Quantity: l.Quantity, Total: show.Display(l.Total, o.Currency)})
		}
		subject, text, html, err := render(t, d)
		if err != nil {
			// A broken custom template must not lose the mail: fall back.
			if subject, text, html, err = render(defaultTemplates[topic], d); err != nil {
				return err
			}
		}
		if n.Brand != nil && html != "" {
			if b, err := n.Brand.BrandMail(ctx, q, m.TenantID, html); err == nil {
				html = b
			}
		}
		if _, err := outbox.EnqueueMail(ctx, q, outbox.Mail{TenantID: m.TenantID, Topic: "mail." + m.Topic, To: o.Email, Subject: subject, Text: text, HTML: html}); err != nil {
			return err
		}
		_, err = AddEvent(ctx, q, m.TenantID, o.ID, EventEmail, "E-mail sent to "+o.Email+": "+subject, nil)
		return err
	})
}
