package outbox_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/outbox"
	"github.com/wasmart/wasmart/core/outbox/smtpsink"
	"github.com/wasmart/wasmart/core/store"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// TestSMTPDelivery sends through go-mail to a real SMTP server: a
// multipart/alternative mail with an encoded subject and extra headers
// arrives intact; a recipient the server rejects (550) fails at once
// instead of being retried; bad headers are refused at enqueue.
func TestSMTPDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sink := smtpsink.Start(t)
		sink.Reject("gone@example.com")
		var ok, bad outbox.Message
		if err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			var err error
			ok, err = outbox.EnqueueMail(ctx, q, outbox.Mail{To: "a@example.com", Subject: "Grüße — 春季", Text: "plain body\nline 2", HTML: "<p>html body</p>",
				Headers: map[string]string{"List-Unsubscribe": "<https://shop.example/u/x>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}})
			if err != nil {
				return err
			}
			bad, err = outbox.EnqueueMail(ctx, q, outbox.Mail{To: "gone@example.com", Subject: "s", Text: "t"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		err := db.Write(ctx, func(ctx context.Context, q bun.IDB) error {
			_, err := outbox.EnqueueMail(ctx, q, outbox.Mail{To: "a@example.com", Subject: "s", Headers: map[string]string{"Bcc": "evil@example.com"}})
			return err
		})
		if e, isErr := errors.AsType[*errs.Error](err); !isErr || e.Field != "headers" {
			t.Fatalf("Bcc header: want headers field error, got %v", err)
		}
		w := outbox.NewWorker(db, sink.Config())
		if n, err := w.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		got := sink.To("a@example.com")
		if len(got) != 1 {
			t.Fatalf("received %d", len(got))
		}
		m := got[0]
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if subj != "Grüße — 春季" || m.Header.Get("List-Unsubscribe") != "<https://shop.example/u/x>" ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(m.Header.Get("Message-Id"), ok.ID) {
			t.Fatalf("headers: %v (subject %q)", m.Header, subj)
		}
		mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/alternative" {
			t.Fatalf("content type %q %v", m.Header.Get("Content-Type"), err)
		}
		mr := multipart.NewReader(strings.NewReader(m.Body), params["boundary"])
		var parts []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(quotedprintable.NewReader(p))
			parts = append(parts, p.Header.Get("Content-Type")+"|"+strings.ReplaceAll(string(b), "\r\n", "\n"))
		}
		if len(parts) != 2 || !strings.HasPrefix(parts[0], "text/plain") || !strings.Contains(parts[0], "plain body\nline 2") ||
			!strings.HasPrefix(parts[1], "text/html") || !strings.Contains(parts[1], "<p>html body</p>") {
			t.Fatalf("parts: %q", parts)
		}
		g, _ := outbox.Get(ctx, db, "", ok.ID)
		b, _ := outbox.Get(ctx, db, "", bad.ID)
		if g.Status != outbox.StatusSent || b.Status != outbox.StatusFailed || b.Attempts != 1 || !strings.Contains(b.LastError, "550") {
			t.Fatalf("statuses: ok %s, bounced %s after %d (%s)", g.Status, b.Status, b.Attempts, b.LastError)
		}

		// Mail sends a batch over one connection, one result each.
		res := w.Mail(ctx, []outbox.Message{{To: "b@example.com", Subject: "1", Text: "x"}, {To: "gone@example.com", Subject: "2", Text: "y"}, {To: "c@example.com", Subject: "3", Text: "z"}})
		if res[0] != nil || !outbox.Rejected(res[1]) || res[2] != nil || len(sink.To("b@example.com")) != 1 || len(sink.To("c@example.com")) != 1 {
			t.Fatalf("batch: %v", res)
		}
		// Without SMTP, Mail keeps them for the mailbox.
		kept := (&outbox.Worker{DB: db}).Mail(ctx, []outbox.Message{{TenantID: "t1", Topic: "campaign", To: "d@example.com", Subject: "k", Text: "x"}})
		page, err := outbox.ListMail(ctx, db, outbox.MailFilter{To: "d@example.com"})
		if kept[0] != nil || err != nil || len(page.Mail) != 1 || page.Mail[0].Status != outbox.StatusKept {
			t.Fatalf("kept: %v %v %+v", kept, err, page.Mail)
		}
	})
}
