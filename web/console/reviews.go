package console

import (
	"io"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
	"github.com/wasmart/wasmart/web/internal/view"
)

// reviewPages are the console's moderation queue: pending reviews first,
// with approve, reject, a public reply and photo removal, filters by
// state and stars, and the shop's review request setting. Photos of
// reviews not yet published are served here to staff only.
func (s *Reviews) reviewPages(t *httpx.Table) {
	html := t.Group(httpx.ScopeTenant, "console")
	html.Page("GET", "/console/reviews", perm.ReviewsRead, "Product reviews: the moderation queue", s.queuePage)
	html.Page("POST", "/console/reviews/settings", perm.ReviewsWrite, "Turn review request e-mails on or off", s.saveSettings)
	html.Page("POST", "/console/reviews/:review/approve", perm.ReviewsWrite, "Publish a review", s.approve)
	html.Page("POST", "/console/reviews/:review/reject", perm.ReviewsWrite, "Reject or withdraw a review", s.reject)
	html.Page("POST", "/console/reviews/:review/reply", perm.ReviewsWrite, "Reply to a review publicly", s.reply)
	html.Page("POST", "/console/reviews/:review/photos/:photo/delete", perm.ReviewsWrite, "Remove a review's photo", s.deletePhoto)
	html.Page("GET", "/console/reviews/:review/photos/:photo", perm.ReviewsRead, "A review's photo (any state)", s.photo)
}

type reviewsData struct {
	Queue    *review.Queue
	Status   string
	Rating   int
	Pending  int64
	Settings review.Settings
	CanWrite bool
	Prev     string
	Next     string
}

func (s *Reviews) queuePage(c *fiber.Ctx) error {
	d := reviewsData{Status: c.Query("status"), CanWrite: s.Can(c, perm.ReviewsWrite)}
	render := func() error { return s.PageWithError(c, "console/reviews", "Reviews", "reviews", d) }
	page := 1
	for _, p := range []struct {
		name string
		to   *int
	}{{"rating", &d.Rating}, {"page", &page}} {
		if v := c.Query(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return s.PageError(c, errs.Field(p.name, "must be a whole number"), render)
			}
			*p.to = n
		}
	}
	ctx := c.UserContext()
	var err error
	if d.Queue, err = s.reviews.List(ctx, review.Filter{Status: review.Status(d.Status), Rating: d.Rating, Page: page, Limit: 25}); err != nil {
		return s.PageError(c, err, render)
	}
	if d.Pending, err = s.reviews.Pending(ctx); err != nil {
		return err
	}
	if d.Settings, err = s.reviews.Settings(ctx); err != nil {
		return err
	}
	link := func(p int) string {
		q := url.Values{"page": {strconv.Itoa(p)}}
		if d.Status != "" {
			q.Set("status", d.Status)
		}
		if d.Rating > 0 {
			q.Set("rating", strconv.Itoa(d.Rating))
		}
		return "/console/reviews?" + q.Encode()
	}
	if page > 1 {
		d.Prev = link(page - 1)
	}
	if page < d.Queue.Pages {
		d.Next = link(page + 1)
	}
	return render()
}

func (s *Reviews) approve(c *fiber.Ctx) error {
	if _, err := s.reviews.Approve(c.UserContext(), c.Params("review")); err != nil {
		return s.PageError(c, err, func() error { return s.queuePage(c) })
	}
	return view.Done(c, "/console/reviews")
}

func (s *Reviews) reject(c *fiber.Ctx) error {
	if _, err := s.reviews.Reject(c.UserContext(), c.Params("review"), c.FormValue("note")); err != nil {
		return s.PageError(c, err, func() error { return s.queuePage(c) })
	}
	return view.Done(c, "/console/reviews")
}

func (s *Reviews) reply(c *fiber.Ctx) error {
	if _, err := s.reviews.Reply(c.UserContext(), c.Params("review"), c.FormValue("reply")); err != nil {
		return s.PageError(c, err, func() error { return s.queuePage(c) })
	}
	return view.Done(c, "/console/reviews")
}

func (s *Reviews) deletePhoto(c *fiber.Ctx) error {
	if _, err := s.reviews.DeletePhoto(c.UserContext(), c.Params("review"), c.Params("photo")); err != nil {
		return s.PageError(c, err, func() error { return s.queuePage(c) })
	}
	return view.Done(c, "/console/reviews")
}

func (s *Reviews) saveSettings(c *fiber.Ctx) error {
	if _, err := s.reviews.SaveSettings(c.UserContext(), review.Settings{RequestEmails: c.FormValue("request_emails") == "on"}); err != nil {
		return s.PageError(c, err, func() error { return s.queuePage(c) })
	}
	return view.Done(c, "/console/reviews")
}

// photo serves a review's photo to staff, whatever the review's state.
func (s *Reviews) photo(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := s.reviews.Get(ctx, c.Params("review"))
	if err != nil {
		return err
	}
	if s.blobs == nil {
		return errs.NotFoundf("photo files are not available")
	}
	for _, p := range r.Photos {
		if p.ID != c.Params("photo") {
			continue
		}
		rc, info, err := s.blobs.Open(ctx, p.RenditionKey(c.QueryInt("w")))
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		ct := info.ContentType
		if ct == "" {
			ct = p.ContentType
		}
		c.Set(fiber.HeaderContentType, ct)
		c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
		return c.Send(data)
	}
	return errs.NotFoundf("photo not found")
}
