package mailing

import (
	"context"

	"github.com/wasmart/wasmart/core/customer"
	"github.com/wasmart/wasmart/core/errs"
)

// AllSubscribers is the segment id of every customer who accepts
// marketing e-mail.
const AllSubscribers = "all"

// Subscribers is the Audience of the built-in segment AllSubscribers,
// read from core/customer. Other segment ids go to Segments when set
// (core/segment, through an adapter) and are unknown otherwise.
type Subscribers struct {
	Customers *customer.Service
	Segments  Audience
}

// Members implements Audience.
func (a Subscribers) Members(ctx context.Context, segmentID, after string, limit int) ([]Member, string, error) {
	if segmentID != AllSubscribers {
		if a.Segments != nil {
			return a.Segments.Members(ctx, segmentID, after, limit)
		}
		return nil, "", errs.Field("segment_id", "unknown segment %q", segmentID)
	}
	subs, next, err := a.Customers.Subscribers(ctx, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Member, len(subs))
	for i, s := range subs {
		out[i] = Member{CustomerID: s.ID, Email: s.Email, Name: s.Name, AcceptsMarketing: true}
	}
	return out, next, nil
}
