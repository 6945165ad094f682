package view

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestMoneyShowsTheCurrencysDecimals: the console's money template
// function showed two decimals whatever the currency ("12.50 JPY" for 1250
// yen). Money, the one money formatter, shows as many as the currency has.
func TestMoneyShowsTheCurrencysDecimals(t *testing.T) {
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{1250, "JPY", "1250 JPY"},
		{1250, "KWD", "1.250 KWD"},
		{1250, "EUR", "12.50 EUR"},
		{5, "USD", "0.05 USD"},
		{-1250, "EUR", "-12.50 EUR"},
		{-7, "KWD", "-0.007 KWD"},
		{0, "JPY", "0 JPY"},
	} {
		if got := Money(c.minor, c.currency); got != c.want {
			t.Errorf("Money(%d, %s) = %q, want %q", c.minor, c.currency, got, c.want)
		}
	}

	// The template function pages use is the same one.
	area := fstest.MapFS{
		"console/price.html": {Data: []byte(`{{define "content"}}<p id="price">{{money .Data.Minor .Data.Currency}}</p>{{end}}`)},
	}
	tpl, err := New(area, nil)
	if err != nil {
		t.Fatal(err)
	}
	for cur, want := range map[string]string{"JPY": "1250 JPY", "KWD": "1.250 KWD", "EUR": "12.50 EUR"} {
		b, err := tpl.Execute("console/price", Page{Title: "Price", Nav: &Nav{}, Data: map[string]any{"Minor": int64(1250), "Currency": cur}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `<p id="price">`+want+`</p>`) {
			t.Errorf("money in a page for %s: want %q in\n%s", cur, want, b)
		}
	}
}

// TestNewParsesAreaOverSharedBase: an area's pages get the shared layout,
// the shared error page and the area's own partials and functions; two
// templates for one page are refused.
func TestNewParsesAreaOverSharedBase(t *testing.T) {
	area := fstest.MapFS{
		"layout/card.html":  {Data: []byte(`{{define "card"}}<div class="card">{{shout .}}</div>{{end}}`)},
		"shop/home.html":    {Data: []byte(`{{define "page"}}{{template "card" .}}{{end}}`)},
		"console/home.html": {Data: []byte(`{{define "content"}}<h1>{{.Title}}</h1>{{end}}`)},
	}
	tpl, err := New(area, map[string]any{"shout": strings.ToUpper})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tpl.Execute("shop/home", "hello")
	if err != nil || string(b) != `<div class="card">HELLO</div>` {
		t.Fatalf("area page with its partial and function: %q, %v", b, err)
	}
	b, err = tpl.Execute("console/home", Page{Title: "Home", Nav: &Nav{}})
	if err != nil || !strings.Contains(string(b), "<h1>Home</h1>") || !strings.Contains(string(b), "<!doctype html>") {
		t.Fatalf("area page in the shared layout: %v\n%s", err, b)
	}
	if _, err := tpl.Execute("common/error", Page{Title: "Error", Data: map[string]any{"Status": 404}}); err != nil {
		t.Fatalf("shared error page: %v", err)
	}
	if _, err := tpl.Execute("layout/card", nil); err == nil {
		t.Fatal("a partial is served as a page")
	}
	dup := fstest.MapFS{"common/error.html": {Data: []byte(`{{define "content"}}x{{end}}`)}}
	if _, err := New(dup, nil); err == nil || !strings.Contains(err.Error(), "two templates") {
		t.Fatalf("an area page shadowing a shared one: %v", err)
	}
}
