package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/tenants/perm"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Product reviews on the console host (reviews.read / reviews.write; the
// owner, administrator, marketing and customer service roles hold them):
// the moderation queue, approve, reject, reply and photo removal, and the
// shop's review settings; on the shop host, a product's published reviews
// (public). core/review validates, audits and announces approvals
// ("review.approved"); writes here drop the shop's cached pages.

// ProductReviewPhotoJSON is a review's photo; url is on the shop host.
type ProductReviewPhotoJSON struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// ProductReviewJSON is a review. Order, customer and e-mail are left out of the
// public answers.
type ProductReviewJSON struct {
	ID          string                   `json:"id"`
	ProductID   string                   `json:"product_id"`
	OrderID     string                   `json:"order_id,omitempty"`
	CustomerID  string                   `json:"customer_id,omitempty"`
	Email       string                   `json:"email,omitempty"`
	Author      string                   `json:"author"`
	Rating      int                      `json:"rating"`
	Title       string                   `json:"title"`
	Body        string                   `json:"body"`
	Status      string                   `json:"status"`
	Reply       string                   `json:"reply,omitempty"`
	RepliedAt   *time.Time               `json:"replied_at,omitempty"`
	ModeratedAt *time.Time               `json:"moderated_at,omitempty"`
	Photos      []ProductReviewPhotoJSON `json:"photos"`
	Version     int                      `json:"version"`
	CreatedAt   time.Time                `json:"created_at"`
}

// ProductReviewQueueJSON is a page of the moderation queue (pending first).
type ProductReviewQueueJSON struct {
	Reviews []ProductReviewJSON `json:"reviews"`
	Total   int64               `json:"total"`
	Page    int                 `json:"page"`
	Pages   int                 `json:"pages"`
}

// ReviewRejectRequest rejects a review; note goes to the audit log.
type ReviewRejectRequest struct {
	Note string `json:"note,omitempty"`
}

// ReviewReplyRequest sets the shop's public reply ("" removes it).
type ReviewReplyRequest struct {
	Reply string `json:"reply"`
}

// ReviewSettingsJSON are the shop's review settings.
type ReviewSettingsJSON struct {
	RequestEmails bool `json:"request_emails"`
}

// ProductReviewsJSON is a page of a product's published reviews with the
// summary over all of them (stars[0] counts 1-star reviews).
type ProductReviewsJSON struct {
	Average float64             `json:"average"`
	Count   int64               `json:"count"`
	Stars   [5]int64            `json:"stars"`
	Reviews []ProductReviewJSON `json:"reviews"`
	Page    int                 `json:"page"`
	Pages   int                 `json:"pages"`
}

func productReviewJSON(r *review.Review) ProductReviewJSON {
	out := ProductReviewJSON{ID: r.ID, ProductID: r.ProductID, OrderID: r.OrderID, CustomerID: r.CustomerID, Email: r.Email, Author: r.Author,
		Rating: r.Rating, Title: r.Title, Body: r.Body, Status: string(r.Status), Reply: r.Reply, RepliedAt: r.RepliedAt,
		ModeratedAt: r.ModeratedAt, Photos: []ProductReviewPhotoJSON{}, Version: r.Version, CreatedAt: r.CreatedAt}
	for _, p := range r.Photos {
		out.Photos = append(out.Photos, ProductReviewPhotoJSON{ID: p.ID, URL: "/media/" + p.Key, Width: p.Width, Height: p.Height})
	}
	return out
}

// Reviews serves product reviews.
type Reviews struct {
	reviews *review.Service
}

// Routes are the moderation queue and settings, and a product's
// published reviews on the shop host.
func (s *Reviews) Routes() []httpx.Route {
	var t httpx.Table
	api := t.Group(httpx.ScopeTenant, "reviews")
	api.API("GET", "/api/reviews", perm.ReviewsRead, "The moderation queue: pending reviews first (oldest first), then the others newest first", nil, ProductReviewQueueJSON{}, s.apiList,
		httpx.QueryParam{Name: "status", Enum: []string{"pending", "approved", "rejected"}},
		httpx.QueryParam{Name: "product", Description: "a product id"},
		httpx.QueryParam{Name: "rating", Type: "integer", Description: "1 to 5"},
		httpx.QueryParam{Name: "page", Type: "integer", Description: "from 1"},
		httpx.QueryParam{Name: "limit", Type: "integer", Description: "1 to 200 (default 50)"})
	api.API("GET", "/api/reviews/settings", perm.ReviewsRead, "The shop's review settings", nil, ReviewSettingsJSON{}, s.apiSettings)
	api.API("PUT", "/api/reviews/settings", perm.ReviewsWrite, "Change the shop's review settings (request_emails: ask for a review after delivery)", ReviewSettingsJSON{}, ReviewSettingsJSON{}, s.apiSaveSettings)
	api.API("GET", "/api/reviews/:review", perm.ReviewsRead, "A review with its photos", nil, ProductReviewJSON{}, s.apiGet)
	api.API("POST", "/api/reviews/:review/approve", perm.ReviewsWrite, "Publish a review (its first approval announces review.approved)", nil, ProductReviewJSON{}, s.apiApprove)
	api.API("POST", "/api/reviews/:review/reject", perm.ReviewsWrite, "Reject a pending review or withdraw a published one", ReviewRejectRequest{}, ProductReviewJSON{}, s.apiReject)
	api.API("PUT", "/api/reviews/:review/reply", perm.ReviewsWrite, "Set the shop's public reply (plain text; \"\" removes it)", ReviewReplyRequest{}, ProductReviewJSON{}, s.apiReply)
	api.API("DELETE", "/api/reviews/:review/photos/:photo", perm.ReviewsWrite, "Remove a photo from a review", nil, ProductReviewJSON{}, s.apiDeletePhoto)

	shop := t.Group(httpx.ScopeStorefront, "store")
	shop.API("GET", "/api/store/products/:product/reviews", httpx.Public, "A product's published reviews with their average and star counts", nil, ProductReviewsJSON{}, s.apiProductReviews,
		httpx.QueryParam{Name: "sort", Enum: review.Sorts},
		httpx.QueryParam{Name: "stars", Type: "integer", Description: "only reviews with this many stars"},
		httpx.QueryParam{Name: "page", Type: "integer", Description: "from 1"},
		httpx.QueryParam{Name: "per_page", Type: "integer", Description: "1 to 50 (default 10)"})
	return t.Routes()
}

// queryInts reads whole-number query parameters (absent: 0).
func queryInts(c *fiber.Ctx, names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		if v := c.Query(n); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil {
				return nil, errs.Field(n, "must be a whole number")
			}
			out[i] = x
		}
	}
	return out, nil
}

func (s *Reviews) apiList(c *fiber.Ctx) error {
	n, err := queryInts(c, "rating", "page", "limit")
	if err != nil {
		return err
	}
	q, err := s.reviews.List(c.UserContext(), review.Filter{Status: review.Status(c.Query("status")), ProductID: c.Query("product"), Rating: n[0], Page: n[1], Limit: n[2]})
	if err != nil {
		return err
	}
	out := ProductReviewQueueJSON{Reviews: []ProductReviewJSON{}, Total: q.Total, Page: q.Page, Pages: q.Pages}
	for i := range q.Reviews {
		out.Reviews = append(out.Reviews, productReviewJSON(&q.Reviews[i]))
	}
	return c.JSON(out)
}

func (s *Reviews) apiGet(c *fiber.Ctx) error {
	r, err := s.reviews.Get(c.UserContext(), c.Params("review"))
	if err != nil {
		return err
	}
	return c.JSON(productReviewJSON(r))
}

func (s *Reviews) apiApprove(c *fiber.Ctx) error {
	r, err := s.reviews.Approve(c.UserContext(), c.Params("review"))
	if err != nil {
		return err
	}
	return c.JSON(productReviewJSON(r))
}

func (s *Reviews) apiReject(c *fiber.Ctx) error {
	var in ReviewRejectRequest
	if len(c.Body()) > 0 {
		if err := httpx.DecodeJSON(c, &in); err != nil {
			return err
		}
	}
	r, err := s.reviews.Reject(c.UserContext(), c.Params("review"), in.Note)
	if err != nil {
		return err
	}
	return c.JSON(productReviewJSON(r))
}

func (s *Reviews) apiReply(c *fiber.Ctx) error {
	var in ReviewReplyRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := s.reviews.Reply(c.UserContext(), c.Params("review"), in.Reply)
	if err != nil {
		return err
	}
	return c.JSON(productReviewJSON(r))
}

func (s *Reviews) apiDeletePhoto(c *fiber.Ctx) error {
	r, err := s.reviews.DeletePhoto(c.UserContext(), c.Params("review"), c.Params("photo"))
	if err != nil {
		return err
	}
	return c.JSON(productReviewJSON(r))
}

func (s *Reviews) apiSettings(c *fiber.Ctx) error {
	st, err := s.reviews.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(ReviewSettingsJSON(st))
}

func (s *Reviews) apiSaveSettings(c *fiber.Ctx) error {
	var in ReviewSettingsJSON
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	st, err := s.reviews.SaveSettings(c.UserContext(), review.Settings(in))
	if err != nil {
		return err
	}
	return c.JSON(ReviewSettingsJSON(st))
}

func (s *Reviews) apiProductReviews(c *fiber.Ctx) error {
	n, err := queryInts(c, "stars", "page", "per_page")
	if err != nil {
		return err
	}
	pg, err := s.reviews.ForProduct(c.UserContext(), c.Params("product"), review.ProductQuery{Sort: c.Query("sort"), Stars: n[0], Page: n[1], PerPage: n[2]})
	if err != nil {
		return err
	}
	out := ProductReviewsJSON{Average: pg.Summary.Average(), Count: pg.Summary.Count, Stars: pg.Summary.Stars, Reviews: []ProductReviewJSON{}, Page: pg.Page, Pages: pg.Pages}
	for i := range pg.Reviews {
		out.Reviews = append(out.Reviews, productReviewJSON(&pg.Reviews[i]))
	}
	return c.JSON(out)
}
