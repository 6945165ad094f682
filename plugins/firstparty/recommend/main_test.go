//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmart/wasmart/sdk"
	"github.com/wasmart/wasmart/sdk/sdktest"
)

func catalog() []sdk.Candidate {
	return []sdk.Candidate{
		{ProductID: "tent", Categories: []string{"camping"}, Tags: []string{"outdoor"}, SoldUnits: 50, InStock: true},
		{ProductID: "stakes", Categories: []string{"camping-parts"}, SoldUnits: 5, InStock: true},
		{ProductID: "sleeping-bag", Categories: []string{"camping"}, Tags: []string{"outdoor"}, SoldUnits: 30, InStock: true},
		{ProductID: "stove", Categories: []string{"camping"}, SoldUnits: 80, InStock: false},
		{ProductID: "mug", Categories: []string{"kitchen"}, SoldUnits: 500, InStock: true},
		{ProductID: "lamp", Categories: []string{"camping"}, SoldUnits: 10, InStock: true},
	}
}

func ids(out *sdk.RecommendOutput) []string {
	var s []string
	for _, r := range out.Items {
		s = append(s, r.ProductID+":"+r.Reason)
	}
	return s
}

func TestFrequentlyBoughtTogetherThenSimilar(t *testing.T) {
	h := sdktest.New()
	out, err := h.Recommend(&sdk.RecommendInput{
		Placement: "product", ProductID: "tent", Limit: 3, Candidates: catalog(),
		CoPurchases: []sdk.CoPurchase{{ProductID: "tent", WithProductID: "stakes", Orders: 12}, {ProductID: "mug", WithProductID: "tent", Orders: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(out)
	want := []string{"stakes:frequently-bought-together", "mug:frequently-bought-together", "sleeping-bag:similar"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestCartExcludesAnchorsAndOutOfStock(t *testing.T) {
	h := sdktest.New().WithConfig(map[string]any{"min_co_purchases": 2})
	out, err := h.Recommend(&sdk.RecommendInput{
		Placement: "cart", CartProductIDs: []string{"tent", "lamp"}, Limit: 10, Candidates: catalog(),
		CoPurchases: []sdk.CoPurchase{{ProductID: "tent", WithProductID: "mug", Orders: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Items {
		if r.ProductID == "tent" || r.ProductID == "lamp" || r.ProductID == "stove" || r.ProductID == "mug" {
			t.Fatalf("unexpected %v", ids(out))
		}
	}
	if len(out.Items) != 1 || out.Items[0].ProductID != "sleeping-bag" {
		t.Fatalf("got %v", ids(out))
	}
}

func TestHomeIsPopular(t *testing.T) {
	out, err := sdktest.New().Recommend(&sdk.RecommendInput{Placement: "home", Limit: 2, Candidates: catalog()})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(out); len(got) != 2 || got[0] != "mug:popular" || got[1] != "tent:popular" {
		t.Fatalf("got %v", got)
	}
}
