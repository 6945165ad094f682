package promotion

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prepared is a set of promotions made ready for evaluation: what does
// not depend on the cart is worked out once — who is who, each
// promotion's class, flash items by variant, and an index from every key
// a target names (a variant, product or collection id, a tag or category)
// to the promotions naming it, so a cart's lines are matched to every
// promotion in one pass over the lines, whatever the number of
// promotions. Evaluate prepares its promotions on every call; a caller
// pricing many carts or units with the same promotions (a Stage, a
// page's Sales) prepares them once with Prepare. A Prepared is read-only,
// so safe for concurrent use; the promotions it was made from must not
// change afterwards.
type Prepared struct {
	promos []Promotion
	info   []promoInfo
	byID   map[string]*Promotion
	at     map[*Promotion]int // position in promos
	// The target index: key → the promotions naming it, as a bit set of
	// positions (words uint64s per set). Tags and categories are keyed by
	// foldKey, as targets compare them with strings.EqualFold; ids as
	// they are, never the empty id (which names nothing: Target).
	words                                       int
	variants, products, collections, tags, cats map[string][]uint64
}

// promoInfo is what is known of one promotion before any cart.
type promoInfo struct {
	class Class
	all   bool // an empty target: every line
	// flash gives the flash item of a variant: the first with units left.
	flash map[string]int
}

// Prepare makes promos ready for evaluation (see Prepared). It keeps promos
// as they are, without copying.
func Prepare(promos []Promotion) *Prepared {
	pr := &Prepared{promos: promos, info: make([]promoInfo, len(promos)), words: (len(promos) + 63) / 64,
		byID: make(map[string]*Promotion, len(promos)), at: make(map[*Promotion]int, len(promos))}
	index := func(m *map[string][]uint64, keys []string, fold bool, i int) {
		for _, k := range keys {
			if fold {
				k = foldKey(k)
			} else if k == "" {
				continue
			}
			if *m == nil {
				*m = map[string][]uint64{}
			}
			set := (*m)[k]
			if set == nil {
				set = make([]uint64, pr.words)
				(*m)[k] = set
			}
			set[i/64] |= 1 << (i % 64)
		}
	}
	for i := range promos {
		p := &promos[i]
		pr.byID[p.ID] = p
		pr.at[p] = i
		in := &pr.info[i]
		in.class = p.Class()
		if p.Kind == KindFlashSale {
			in.flash = make(map[string]int, len(p.Flash))
			for k := range p.Flash {
				if _, ok := in.flash[p.Flash[k].VariantID]; !ok && p.Flash[k].Left() > 0 {
					in.flash[p.Flash[k].VariantID] = k
				}
			}
			continue // a flash sale's lines are its items'
		}
		t := &p.Target
		in.all = t.Empty()
		index(&pr.variants, t.VariantIDs, false, i)
		index(&pr.products, t.ProductIDs, false, i)
		index(&pr.collections, t.CollectionIDs, false, i)
		index(&pr.tags, t.Tags, true, i)
		index(&pr.cats, t.Categories, true, i)
	}
	return pr
}

// Evaluate is the package's Evaluate over the prepared promotions.
func (pr *Prepared) Evaluate(cart *Cart) *Outcome {
	return pr.evaluate(cart)
}

// targets returns, for each line, the set of promotions whose target it
// matches (Target; words uint64s per line, line i's at
// [i*words:(i+1)*words]), in buf's array when it is large enough.
func (pr *Prepared) targets(lines []Line, buf []uint64) []uint64 {
	w := pr.words
	sets := resize(buf, len(lines)*w)
	or := func(dst []uint64, m map[string][]uint64, k string) {
		if set, ok := m[k]; ok {
			for j := range dst {
				dst[j] |= set[j]
			}
		}
	}
	for i := range lines {
		l, dst := &lines[i], sets[i*w:(i+1)*w]
		if pr.variants != nil && l.VariantID != "" {
			or(dst, pr.variants, l.VariantID)
		}
		if pr.products != nil && l.ProductID != "" {
			or(dst, pr.products, l.ProductID)
		}
		if pr.collections != nil {
			for _, c := range l.Collections {
				or(dst, pr.collections, c)
			}
		}
		if pr.cats != nil {
			for _, c := range l.Categories {
				or(dst, pr.cats, foldKey(c))
			}
		}
		if pr.tags != nil {
			for _, t := range l.Tags {
				or(dst, pr.tags, foldKey(t))
			}
		}
	}
	return sets
}

// foldKey maps s to a string equal to foldKey(t) exactly when
// strings.EqualFold(s, t): each rune (an invalid byte reads as
// utf8.RuneError, as EqualFold reads it) becomes one representative of its
// simple case-folding orbit, the lower-case ASCII letter when the orbit
// has one. Lower-case ASCII comes back as it is, without allocating.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	best := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if 'a' <= f && f <= 'z' {
			return f
		}
		best = min(best, f)
	}
	return best
}
