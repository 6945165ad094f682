package storefront

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/wasmart/wasmart/core/aftersales"
	"github.com/wasmart/wasmart/core/review"
)

// activityView is the account page's "your reviews" and "returns and
// questions" sections: what the shopper wrote and asked, and where each
// stands. One statement per list.
type activityView struct {
	Reviews []accountReview
	Returns []accountReturn
	Tickets []accountTicket
}

type accountReview struct {
	OrderID, Product, Title string
	Rating                  int
	Stars                   string // ★★★★☆
	Status                  string // in the shopper's words
	Reply                   string
	Date                    time.Time
}

type accountReturn struct {
	ID, OrderID, Status string
	Date                time.Time
}

type accountTicket struct {
	Subject, Status string
	Date            time.Time
}

// reviewStates are the moderation states in the shopper's words.
var reviewStates = map[review.Status]string{review.Pending: "Waiting for approval", review.Approved: "Published", review.Rejected: "Not published"}

// returnStates and ticketStates are the after-sales states in the
// shopper's words.
var returnStates = map[aftersales.ReturnStatus]string{aftersales.Requested: "Requested, waiting for the shop", aftersales.Approved: "Approved: send the items back",
	aftersales.Rejected: "Declined", aftersales.Received: "Items received", aftersales.Refunded: "Refunded", aftersales.Credited: "Refunded as store credit",
	aftersales.Exchanged: "Exchanged"}

var ticketStates = map[aftersales.TicketStatus]string{aftersales.TicketOpen: "With the shop", aftersales.TicketWaiting: "Waiting for your reply",
	aftersales.TicketResolved: "Resolved", aftersales.TicketClosed: "Closed"}

// accountRecent is how many rows each activity list shows.
const accountRecent = 10

// loadActivity fills the account page's reviews, returns and tickets.
func (s *accountPages) loadActivity(c *fiber.Ctx, v *shopView, customerID string) error {
	ctx := c.UserContext()
	a := &activityView{}
	if s.reviews != nil {
		rs, err := s.reviews.ByCustomer(ctx, customerID, accountRecent)
		if err != nil {
			return err
		}
		for _, r := range rs {
			stars := ""
			for i := 1; i <= 5; i++ {
				if i <= r.Rating {
					stars += "★"
				} else {
					stars += "☆"
				}
			}
			a.Reviews = append(a.Reviews, accountReview{OrderID: r.OrderID, Product: r.ProductTitle, Title: r.Title, Rating: r.Rating, Stars: stars,
				Status: reviewStates[r.Status], Reply: r.Reply, Date: r.CreatedAt})
		}
	}
	rs, err := s.afterSales.List(ctx, aftersales.ReturnFilter{CustomerID: customerID, Limit: accountRecent})
	if err != nil {
		return err
	}
	for _, r := range rs {
		a.Returns = append(a.Returns, accountReturn{ID: r.ID, OrderID: r.OrderID, Status: returnStates[r.Status], Date: r.CreatedAt})
	}
	ts, err := s.afterSales.Tickets(ctx, aftersales.TicketFilter{CustomerID: customerID, Limit: accountRecent})
	if err != nil {
		return err
	}
	for _, t := range ts {
		a.Tickets = append(a.Tickets, accountTicket{Subject: t.Subject, Status: ticketStates[t.Status], Date: t.UpdatedAt})
	}
	v.Activity = a
	return nil
}
