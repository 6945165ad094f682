// Command seecontext is a test pricing plugin: it reports in a label what
// the optional pricing input sections carried (codes, whether the shopper
// is signed in, their tags, the promotions applied with their line
// amounts), and gives 1 off the order as an order-class discount, plus 1
// off every line a product promotion discounted, as a product-class one.
package main

import (
	"strconv"
	"strings"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/pricing"
)

func init() { pricing.Handle(price) }

func price(in *sdk.PricingInput) (*sdk.PricingOutput, error) {
	var b strings.Builder
	b.WriteString("sections=" + strconv.Itoa(int(in.Sections)))
	b.WriteString(" codes=" + strings.Join(in.Codes, ","))
	b.WriteString(" signed=" + strconv.FormatBool(in.SignedIn))
	b.WriteString(" tags=" + strings.Join(in.CustomerTags, ","))
	out := &sdk.PricingOutput{}
	for _, p := range in.Promotions {
		b.WriteString(" " + p.ID + ":" + p.Code + ":" + strconv.Itoa(int(p.Class)) + ":" + strconv.FormatInt(p.Amount, 10))
		for _, l := range p.Lines {
			b.WriteString("/" + l.LineID + "=" + strconv.FormatInt(l.Amount, 10))
			if p.Class == sdk.ClassProduct {
				out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelLine, LineID: l.LineID, Amount: -1, Label: "on top of " + p.Label, Class: sdk.ClassProduct})
			}
		}
	}
	out.Adjustments = append(out.Adjustments, sdk.Adjustment{Level: sdk.LevelOrder, Amount: -1, Label: b.String(), Code: "seen", Class: sdk.ClassOrder})
	return out, nil
}

func main() {}
