package pricing

import (
	"math/rand"
	"slices"
	"testing"
)

// TestLargestShares: the quickselect allocate uses picks the same shares
// as sorting them all would (larger fraction first, then line order),
// with many equal fractions and every k.
func TestLargestShares(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 3000; round++ {
		n := 1 + r.Intn(60)
		fr := make([]share, n)
		for i := range fr {
			fr[i] = share{i: i, rem: uint64(r.Intn(1 + r.Intn(8)))}
		}
		r.Shuffle(n, func(a, b int) { fr[a], fr[b] = fr[b], fr[a] })
		want := slices.Clone(fr)
		slices.SortFunc(want, func(a, b share) int {
			if a.before(b) {
				return -1
			}
			return 1
		})
		k := 1 + r.Intn(n)
		got := slices.Clone(fr)
		largest(got, k)
		picked := map[int]bool{}
		for _, s := range got[:k] {
			picked[s.i] = true
		}
		for _, s := range want[:k] {
			if !picked[s.i] {
				t.Fatalf("n=%d k=%d: line %d (rem %d) not picked; got %v", n, k, s.i, s.rem, got[:k])
			}
		}
	}
}
