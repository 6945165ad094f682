// Package review is a shop's product reviews by verified buyers: who may
// review (Eligibility), the submission with its optional photos (Submit),
// the moderation queue (List; Approve, Reject, Reply, DeletePhoto), what a
// product page shows (ForProduct: the approved reviews sorted, filtered and
// paginated, with their Summary), the shop's setting for review request
// e-mails and the mailer that sends them after delivery (RequestMailer).
//
// # Who may review
//
// A review belongs to one order line: the shopper who bought the product
// in an order that is paid and not cancelled or wholly refunded (paid,
// partially or wholly fulfilled, delivered, completed, partially refunded),
// and whose line was not wholly returned, may review it once. The web
// layer proves the shopper may act for the order (the signed-in customer
// who placed it, the order's access token, or the review link's token,
// Token); the order's customer and e-mail are recorded from the order
// itself, never from the request. A second review of the same line is an
// errs.Conflict (a unique key, so it holds under concurrency).
//
// # Text
//
// Reviews are plain text. Text that carries HTML markup (a tag such as
// <script> or <b>, a comment, a declaration) is refused with an
// errs.Invalid naming the field, so nothing is half-written; other text
// ("5 < 6 stars", "a & b") is stored as typed and shown escaped by the
// pages' templates. Control characters other than newline and tab are
// refused too.
//
// # Moderation
//
// A review starts pending; staff approve or reject it (a rejected review
// may be approved later and an approved one withdrawn), and may reply
// publicly. Transitions are conditional updates, so two moderators never
// both move the same review. The first approval of a review publishes the
// outbox event "review.approved" (review, product, customer and order ids,
// rating), in the approval's transaction; a later re-approval does not
// publish again, so a points programme listening to it awards once. Every
// moderation change is audited in its transaction.
//
// # Photos
//
// Up to MaxPhotos photos per review (JPEG, PNG, GIF or WebP, decoded to
// prove it, at most MaxPhotoBytes each) go to the blob store under
// <tenant>/reviews/<review>/<photo>/ with resized renditions. They are
// shown only while their review is approved (PublicPhoto).
//
// Tables: the package owns reviews, review_photos, review_settings and
// review_requests (the orders whose review request was mailed). It reads
// orders through core/order.Load.
package review

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/wasmart/wasmart/core/blob"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/store"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

func init() {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	store.RegisterMigrations(store.Migrations{Module: "review", Order: 55, FS: sub})
}

// Status is a review's moderation state.
type Status string

// Statuses.
const (
	Pending  Status = "pending"
	Approved Status = "approved"
	Rejected Status = "rejected"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Pending || s == Approved || s == Rejected }

// TopicApproved is the outbox event of a review's first approval.
const TopicApproved = "review.approved"

// Limits on input.
const (
	MaxTitle      = 150  // runes
	MaxBody       = 5000 // runes
	MaxAuthor     = 80   // runes
	MaxReply      = 2000 // runes
	MaxPhotos     = 5
	MaxPhotoBytes = 5 << 20
	maxPixels     = 25_000_000
)

// photoWidths are the renditions made of a photo.
var photoWidths = []int{160, 640}

// Review is one review.
type Review struct {
	ID          string     `json:"id"`
	ProductID   string     `json:"product_id"`
	OrderID     string     `json:"order_id"`
	LineID      string     `json:"order_line_id"`
	CustomerID  string     `json:"customer_id,omitempty"`
	Email       string     `json:"email,omitempty"`
	Author      string     `json:"author"`
	Rating      int        `json:"rating"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	Status      Status     `json:"status"`
	Reply       string     `json:"reply,omitempty"`
	RepliedAt   *time.Time `json:"replied_at,omitempty"`
	ModeratedAt *time.Time `json:"moderated_at,omitempty"`
	Photos      []Photo    `json:"photos"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Photo is a review's photo in the blob store.
type Photo struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Renditions  []int  `json:"renditions,omitempty"`
}

// RenditionKey is the blob key of the photo's rendition at least w wide,
// else the original.
func (p Photo) RenditionKey(w int) string {
	for _, r := range p.Renditions {
		if r >= w {
			return blob.RenditionKey(p.Key, r, p.ContentType)
		}
	}
	return p.Key
}

type reviewRow struct {
	bun.BaseModel   `bun:"table:reviews"`
	TenantID        string     `bun:"tenant_id,pk"`
	ID              string     `bun:"id,pk"`
	ProductID       string     `bun:"product_id"`
	OrderID         string     `bun:"order_id"`
	LineID          string     `bun:"order_line_id"`
	CustomerID      string     `bun:"customer_id"`
	Email           string     `bun:"email"`
	Author          string     `bun:"author"`
	Rating          int        `bun:"rating"`
	Title           string     `bun:"title"`
	Body            string     `bun:"body"`
	Status          string     `bun:"status"`
	Reply           string     `bun:"reply"`
	RepliedAt       *time.Time `bun:"replied_at"`
	PhotoCount      int        `bun:"photo_count"`
	ModeratedAt     *time.Time `bun:"moderated_at"`
	FirstApprovedAt *time.Time `bun:"first_approved_at"`
	Version         int        `bun:"version"`
	CreatedAt       time.Time  `bun:"created_at"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

type photoRow struct {
	bun.BaseModel `bun:"table:review_photos"`
	TenantID      string `bun:"tenant_id,pk"`
	ID            string `bun:"id,pk"`
	ReviewID      string `bun:"review_id"`
	Position      int    `bun:"position"`
	BlobKey       string `bun:"blob_key"`
	ContentType   string `bun:"content_type"`
	Width         int    `bun:"width"`
	Height        int    `bun:"height"`
	SizeBytes     int64  `bun:"size_bytes"`
	Renditions    string `bun:"renditions"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r *reviewRow) review() Review {
	return Review{ID: r.ID, ProductID: r.ProductID, OrderID: r.OrderID, LineID: r.LineID, CustomerID: r.CustomerID, Email: r.Email,
		Author: r.Author, Rating: r.Rating, Title: r.Title, Body: r.Body, Status: Status(r.Status), Reply: r.Reply,
		RepliedAt: utcPtr(r.RepliedAt), ModeratedAt: utcPtr(r.ModeratedAt), Photos: []Photo{}, Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (r *photoRow) photo() Photo {
	p := Photo{ID: r.ID, Key: r.BlobKey, ContentType: r.ContentType, Width: r.Width, Height: r.Height}
	for _, f := range strings.Split(r.Renditions, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			p.Renditions = append(p.Renditions, n)
		}
	}
	return p
}

// Options configure a Service.
type Options struct {
	// Blobs stores review photos; nil: photos are refused.
	Blobs blob.Store
	// Secret signs review links (Token); empty: random per process.
	Secret []byte
	// Now is the clock (nil: the wall clock).
	Now func() time.Time
}

// Service keeps every shop's reviews; each call acts on the context's
// tenant.
type Service struct {
	db     *store.DB
	blobs  blob.Store
	secret []byte
	now    func() time.Time
}

// New returns a Service.
func New(db *store.DB, o Options) *Service {
	now := o.Now
	if now == nil {
		now = store.Now
	}
	secret := o.Secret
	if len(secret) == 0 {
		secret = []byte(store.NewID() + store.NewID())
	}
	return &Service{db: db, blobs: o.Blobs, secret: secret, now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
}

// Token is the key of a review link for one order of a shop (the review
// request e-mail's link): an HMAC, so it needs no storage.
func (s *Service) Token(tenantID, orderID string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("review\x00" + tenantID + "\x00" + orderID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TokenValid reports whether tok is the review link key of the order.
func (s *Service) TokenValid(tenantID, orderID, tok string) bool {
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.Token(tenantID, orderID))) == 1
}

// markup finds HTML in text: a tag (opening or closing), a comment, a
// declaration or a processing instruction.
var markup = regexp.MustCompile(`<\s*/?\s*[A-Za-z]|<!|<\?`)

// plain checks one text field: trimmed, at most max runes, no control
// characters other than newline and tab, no HTML markup.
func plain(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", errs.Field(field, "is not valid UTF-8 text")
	}
	if required && s == "" {
		return "", errs.Field(field, "is required")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", errs.Field(field, "is longer than %d characters", max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return "", errs.Field(field, "contains control characters")
		}
	}
	if markup.MatchString(s) {
		return "", errs.Field(field, "must be plain text: HTML tags such as <b> or <script> are not allowed")
	}
	return strings.ReplaceAll(s, "\r\n", "\n"), nil
}

func tenantOf(ctx context.Context) (string, error) { return store.TenantID(ctx) }

// Reviewable reports whether an order in state st may have its lines
// reviewed.
func Reviewable(st order.Status) bool { return reviewable[st] }

// reviewable are the order states whose lines may be reviewed.
var reviewable = map[order.Status]bool{order.Paid: true, order.PartiallyFulfilled: true, order.Fulfilled: true,
	order.Delivered: true, order.Completed: true, order.PartiallyRefunded: true}
