package storefront

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/errs"
	"github.com/wasmart/wasmart/core/order"
	"github.com/wasmart/wasmart/core/review"
	"github.com/wasmart/wasmart/web/internal/httpx"
)

// Product reviews: the block on the product page (the approved reviews
// with their average, sorted, filtered by stars and paginated by query
// parameters, so each view is its own cached page) and the review form a
// shopper reaches from the order page or the review request e-mail's link.
// Review text is plain: the templates escape it.

// productReviews is the product page's reviews block.
type productReviews struct {
	Count   int64
	Average string // "4.3"
	Stars   []starBar
	Reviews []reviewView
	Sort    string
	Filter  int
	Sorts   []sortLink
	Page    int
	Prev    string
	Next    string
	Matched int64
}

type starBar struct {
	Stars   int
	N       int64
	Percent int64
	Link    string
	On      bool
}

type sortLink struct {
	Label, Link string
	On          bool
}

type reviewView struct {
	ID, Author, Title, Body, Date, Reply string
	Rating                               int
	Photos                               []reviewPhoto
}

type reviewPhoto struct{ Src, Full string }

var sortLabels = map[string]string{review.SortNewest: "Newest", review.SortHighest: "Highest rated", review.SortLowest: "Lowest rated", review.SortPhotos: "With photos"}

// reviewQuery reads the product page's review parameters; bad values are
// a 400 naming the parameter.
func reviewQuery(c *fiber.Ctx) (review.ProductQuery, error) {
	q := review.ProductQuery{Sort: c.Query("review_sort")}
	for _, p := range []struct {
		name string
		to   *int
	}{{"stars", &q.Stars}, {"review_page", &q.Page}} {
		if v := c.Query(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return q, errs.Field(p.name, "must be a whole number")
			}
			*p.to = n
		}
	}
	if err := q.Check(); err != nil {
		if e, ok := err.(*errs.Error); ok {
			switch e.Field {
			case "sort":
				e.Field = "review_sort"
			case "page":
				e.Field = "review_page"
			}
		}
		return q, err
	}
	return q, nil
}

func (s *catalogPages) productReviews(c *fiber.Ctx, p *catalog.Product) (*productReviews, error) {
	q, err := reviewQuery(c)
	if err != nil {
		return nil, err
	}
	pg, err := s.reviews.ForProduct(c.UserContext(), p.ID, q)
	if err != nil {
		return nil, err
	}
	base := "/products/" + url.PathEscape(p.Handle)
	link := func(sort string, stars, page int) string {
		v := url.Values{}
		if sort != review.SortNewest {
			v.Set("review_sort", sort)
		}
		if stars > 0 {
			v.Set("stars", strconv.Itoa(stars))
		}
		if page > 1 {
			v.Set("review_page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return base + "#reviews"
		}
		return base + "?" + v.Encode() + "#reviews"
	}
	pr := &productReviews{Count: pg.Summary.Count, Average: strconv.FormatFloat(pg.Summary.Average(), 'f', 1, 64), Sort: q.Sort, Filter: q.Stars,
		Page: pg.Page, Matched: pg.Matched}
	for st := 5; st >= 1; st-- {
		n := pg.Summary.Stars[st-1]
		b := starBar{Stars: st, N: n, Link: link(q.Sort, st, 1), On: q.Stars == st}
		if pg.Summary.Count > 0 {
			b.Percent = n * 100 / pg.Summary.Count
		}
		pr.Stars = append(pr.Stars, b)
	}
	for _, so := range review.Sorts {
		pr.Sorts = append(pr.Sorts, sortLink{Label: sortLabels[so], Link: link(so, q.Stars, 1), On: so == q.Sort})
	}
	if pg.Page > 1 {
		pr.Prev = link(q.Sort, q.Stars, pg.Page-1)
	}
	if pg.Page < pg.Pages {
		pr.Next = link(q.Sort, q.Stars, pg.Page+1)
	}
	for _, r := range pg.Reviews {
		rv := reviewView{ID: r.ID, Author: r.Author, Title: r.Title, Body: r.Body, Date: dateText(r.CreatedAt), Reply: r.Reply, Rating: r.Rating}
		for _, ph := range r.Photos {
			rv.Photos = append(rv.Photos, reviewPhoto{Src: "/media/" + ph.RenditionKey(160), Full: "/media/" + ph.RenditionKey(640)})
		}
		pr.Reviews = append(pr.Reviews, rv)
	}
	return pr, nil
}

// addLD adds the product's AggregateRating and the shown reviews to its
// schema.org Product, when it has approved reviews.
func (pr *productReviews) addLD(prod map[string]any) {
	if pr == nil || pr.Count == 0 {
		return
	}
	prod["aggregateRating"] = map[string]any{"@type": "AggregateRating", "ratingValue": pr.Average, "reviewCount": pr.Count,
		"bestRating": 5, "worstRating": 1}
	var rs []map[string]any
	for _, r := range pr.Reviews {
		e := map[string]any{"@type": "Review", "author": map[string]any{"@type": "Person", "name": r.Author},
			"reviewRating": map[string]any{"@type": "Rating", "ratingValue": r.Rating, "bestRating": 5, "worstRating": 1},
			"reviewBody":   r.Body}
		if r.Title != "" {
			e["name"] = r.Title
		}
		rs = append(rs, e)
	}
	if len(rs) > 0 {
		prod["review"] = rs
	}
}

// reviewPhotoKey reports whether a /media key is a review photo the shop
// may show (its review approved).
func (s *catalogPages) reviewPhotoKey(c *fiber.Ctx, key string) bool {
	if s.reviews == nil || !strings.HasPrefix(key, s.Shop(c).ID+"/reviews/") {
		return false
	}
	ok, err := s.reviews.PublicPhoto(c.UserContext(), key)
	return err == nil && ok
}

// ---- the review form ----

// reviewFormView is the review page of one order.
type reviewFormView struct {
	Order *orderView
	// RT is the review link's token when the shopper came by it.
	RT     string
	Lines  []reviewLineView
	Done   bool
	Closed string // why the order cannot be reviewed
}

type reviewLineView struct {
	review.Line
	Status  string
	Form    map[string]string
	Ratings []ratingOption
	// Err is the refused submission's error by field ("" for one about
	// the whole review; photos[i] are under "photos").
	Err map[string]string
}

type ratingOption struct {
	Value   int
	Checked bool
}

// ratings are the star choices with the typed one checked.
func ratings(typed string) []ratingOption {
	var out []ratingOption
	for n := 5; n >= 1; n-- {
		out = append(out, ratingOption{Value: n, Checked: strconv.Itoa(n) == typed})
	}
	return out
}

func (s *purchasePages) reviewRoutes(t *httpx.Table) {
	shop := t.Group(httpx.ScopeStorefront, "storefront")
	shop.Page("GET", "/orders/:order/reviews", httpx.Public, "Review the products of an order (order link token, review link rt, or the signed-in customer)", s.shopReviewForm)
	shop.Page("POST", "/orders/:order/reviews", httpx.Public, "Review one product of an order: rating, title, text, up to 5 photos (pending moderation)", s.shopReview)
}

// reviewOrder is the order the review page is about: by the review
// link's token (rt), the order's access token, or as the signed-in
// customer who placed it.
func (s *purchasePages) reviewOrder(c *fiber.Ctx) (*order.Order, string, error) {
	id := c.Params("order")
	rt := c.Query("rt")
	if rt == "" && c.Method() == fiber.MethodPost {
		rt = c.FormValue("rt")
	}
	if id != "" && len(id) <= 64 && s.reviews.TokenValid(s.Shop(c).ID, id, rt) {
		o, err := s.commerce.Orders.Get(c.UserContext(), id)
		return o, rt, err
	}
	o, err := s.shopperOrder(c)
	return o, "", err
}

func (s *purchasePages) reviewPage(c *fiber.Ctx, o *order.Order, rt string) (*shopPage, error) {
	v, err := s.spOrderPage(c, o, false)
	if err != nil {
		return nil, err
	}
	v.Head.Title = "Review your order · " + v.Shop.Name
	v.Head.NoIndex = true
	rv := &reviewFormView{Order: v.Order, RT: rt, Done: c.Query("done") == "reviewed"}
	if !review.Reviewable(o.Status) {
		rv.Closed = "Products can be reviewed once the order is paid."
	}
	lines, err := s.reviews.Lines(c.UserContext(), o.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		lv := reviewLineView{Line: l, Form: map[string]string{"rating": "5"}, Ratings: ratings("5")}
		if l.Review != nil {
			lv.Status = map[review.Status]string{review.Pending: "Thank you: your review is waiting for the shop's check.",
				review.Approved: "Your review is published.", review.Rejected: "Your review was not published."}[l.Review.Status]
		}
		rv.Lines = append(rv.Lines, lv)
	}
	v.Reviews = rv
	return v, nil
}

func (s *purchasePages) shopReviewForm(c *fiber.Ctx) error {
	o, rt, err := s.reviewOrder(c)
	if err != nil {
		return err
	}
	v, err := s.reviewPage(c, o, rt)
	if err != nil {
		return err
	}
	return s.renderPage(c, "shop/reviews", v)
}

func (s *purchasePages) shopReview(c *fiber.Ctx) error {
	o, rt, err := s.reviewOrder(c)
	if err != nil {
		return err
	}
	v, err := s.reviewPage(c, o, rt)
	if err != nil {
		return err
	}
	sub := review.Submission{OrderID: o.ID, LineID: c.FormValue("line"), Title: c.FormValue("title"), Body: c.FormValue("body"), Author: c.FormValue("author")}
	var open *reviewLineView
	for i := range v.Reviews.Lines {
		if l := &v.Reviews.Lines[i]; l.LineID == sub.LineID {
			l.Form = map[string]string{"rating": c.FormValue("rating"), "title": sub.Title, "body": sub.Body, "author": sub.Author}
			l.Ratings, open = ratings(c.FormValue("rating")), l
		}
	}
	var ferr error
	if sub.Rating, err = strconv.Atoi(c.FormValue("rating")); err != nil {
		ferr = errs.Field("rating", "choose 1 to 5 stars")
	}
	var photos []review.Upload
	if ferr == nil {
		if form, err := c.MultipartForm(); err == nil {
			files := form.File["photos"]
			if len(files) > review.MaxPhotos {
				ferr = errs.Field("photos", "at most %d photos per review", review.MaxPhotos)
			}
			for _, fh := range files {
				if ferr != nil || fh.Size == 0 {
					continue
				}
				f, err := fh.Open()
				if err != nil {
					return err
				}
				defer f.Close()
				photos = append(photos, review.Upload{Name: fh.Filename, R: f})
			}
		}
	}
	if ferr == nil {
		if _, ferr = s.reviews.Submit(c.UserContext(), sub, photos); ferr == nil {
			to := "/orders/" + url.PathEscape(o.ID) + "/reviews?done=reviewed"
			switch {
			case rt != "":
				to += "&rt=" + url.QueryEscape(rt)
			case c.FormValue("token") != "":
				to += "&token=" + url.QueryEscape(c.FormValue("token"))
			}
			return c.Redirect(to, fiber.StatusSeeOther)
		}
	}
	if _, de := s.ToError(c, ferr); open != nil && de != nil {
		field := de.Field
		if strings.HasPrefix(field, "photos") {
			field = "photos"
		}
		open.Err = map[string]string{field: de.Message}
	}
	return s.spError(c, "shop/reviews", v, ferr)
}
