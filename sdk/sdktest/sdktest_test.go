//go:build !wasip1

package sdktest

import (
	"errors"
	"strings"
	"testing"

	"github.com/wasmart/wasmart/sdk"
)

func TestHarnessHostCalls(t *testing.T) {
	h := New().WithConfig(map[string]int{"n": 2})
	h.KVQuota = 20
	sdk.HandlePricing(func(in *sdk.PricingInput) (*sdk.PricingOutput, error) {
		var cfg struct{ N int }
		if err := sdk.DecodeConfig(&cfg); err != nil {
			return nil, err
		}
		sdk.Logf("lines=%d n=%d", len(in.Lines), cfg.N)
		if err := sdk.KVSet("k", []byte("0123456789")); err != nil {
			return nil, err
		}
		if err := sdk.KVSet("big", []byte(strings.Repeat("x", 20))); !errors.Is(err, sdk.ErrKVQuota) {
			return nil, errors.New("quota not enforced")
		}
		if err := sdk.KVSet(strings.Repeat("k", sdk.MaxKVKey+1), nil); !errors.Is(err, sdk.ErrKVTooLarge) {
			return nil, errors.New("key cap not enforced")
		}
		v, ok, err := sdk.KVGet("k")
		if err != nil || !ok || string(v) != "0123456789" {
			return nil, errors.New("kv get")
		}
		if _, ok, _ := sdk.KVGet("missing"); ok {
			return nil, errors.New("missing key found")
		}
		return &sdk.PricingOutput{Adjustments: []sdk.Adjustment{{Level: sdk.LevelOrder, Amount: -int64(cfg.N)}}}, nil
	})
	defer sdk.HandlePricing(nil)
	out, err := h.Price(SampleCart(3))
	if err != nil {
		t.Fatal(err)
	}
	if out.Adjustments[0].Amount != -2 {
		t.Fatalf("%+v", out)
	}
	if l := h.Logs(); len(l) != 1 || l[0].Msg != "lines=3 n=2" {
		t.Fatalf("logs %+v", l)
	}
	if keys := SortedKeys(h.KV()); len(keys) != 1 || keys[0] != "k" {
		t.Fatalf("kv %v", keys)
	}
	if err := h.KVDelete("k"); err != nil || len(h.KV()) != 0 {
		t.Fatal("delete")
	}
}

func TestGuestError(t *testing.T) {
	sdk.HandleLogistics(func(*sdk.LogisticsInput) (*sdk.LogisticsOutput, error) { return nil, errors.New("no zone") })
	defer sdk.HandleLogistics(nil)
	_, err := New().Quote(&sdk.LogisticsInput{})
	if !IsGuestError(err) || !strings.Contains(err.Error(), "no zone") {
		t.Fatal(err)
	}
	if _, err := New().Report(&sdk.ReportInput{}); !IsGuestError(err) {
		t.Fatalf("unregistered point: %v", err)
	}
}
