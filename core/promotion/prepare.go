package promotion

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prepared is a set of promotions made ready for evaluation: what does
// not depend on the cart (who is who, each promotion's class and target
// keys, flash items by variant) is worked out once. Evaluate prepares its
// promotions on every call; a caller pricing many carts or units with the
// same promotions (a Stage, a page's Sales) prepares them once with
// Prepare. A Prepared is read-only, so safe for concurrent use; the
// promotions it was made from must not change afterwards.
type Prepared struct {
	promos []Promotion
	info   []promoInfo
	byID   map[string]*Promotion
	at     map[*Promotion]int // position in promos
	// Whether some target looks at tags, at categories: a cart's are
	// folded only then.
	wantTags, wantCats bool
}

// promoInfo is what is known of one promotion before any cart.
type promoInfo struct {
	class Class
	all   bool // an empty target: every line
	// The target's keys: tags and categories as fold keys (so equal under
	// strings.EqualFold is equal as strings), without repeats.
	variants, products, collections, tags, cats keySet
	// flash gives the flash item of a variant: the first with units left.
	flash map[string]int
}

// Prepare makes promos ready for evaluation (see Prepared). It keeps promos
// as they are, without copying.
func Prepare(promos []Promotion) *Prepared {
	pr := &Prepared{promos: promos, info: make([]promoInfo, len(promos)),
		byID: make(map[string]*Promotion, len(promos)), at: make(map[*Promotion]int, len(promos))}
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
		in.variants, in.products, in.collections = newKeySet(t.VariantIDs, true), newKeySet(t.ProductIDs, true), newKeySet(t.CollectionIDs, true)
		in.tags, in.cats = newKeySet(foldKeys(t.Tags), false), newKeySet(foldKeys(t.Categories), false)
		pr.wantTags = pr.wantTags || !in.tags.empty()
		pr.wantCats = pr.wantCats || !in.cats.empty()
	}
	return pr
}

// Evaluate is the package's Evaluate over the prepared promotions.
func (pr *Prepared) Evaluate(cart *Cart) *Outcome {
	return pr.evaluate(cart)
}

func foldKeys(list []string) []string {
	var out []string
	for _, s := range list {
		k := foldKey(s)
		dup := false
		for _, o := range out {
			dup = dup || o == k
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
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

// keySet is a target's keys: a list, or a set when the list is long.
type keySet struct {
	list []string
	set  map[string]struct{}
}

// newKeySet makes a set of list; ids drops the empty string, which as an
// id names nothing (has).
func newKeySet(list []string, ids bool) keySet {
	if ids && slices.Contains(list, "") {
		list = slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
	}
	k := keySet{list: list}
	if len(list) > 8 {
		k.set = make(map[string]struct{}, len(list))
		for _, s := range list {
			k.set[s] = struct{}{}
		}
	}
	return k
}

func (k *keySet) empty() bool { return len(k.list) == 0 }

func (k *keySet) has(s string) bool {
	if k.set != nil {
		_, ok := k.set[s]
		return ok
	}
	for _, x := range k.list {
		if x == s {
			return true
		}
	}
	return false
}

func (k *keySet) hasAny(got []string) bool {
	for _, g := range got {
		if k.has(g) {
			return true
		}
	}
	return false
}

// foldedLines are the cart's lines' tags and categories as fold keys, for
// the prepared promotions that look at them (nil otherwise); a line's own
// slice when it is already in that form.
func (pr *Prepared) foldedLines(lines []Line) (tags, cats [][]string) {
	fold := func(list []string) []string {
		for i, s := range list {
			if foldKey(s) != s {
				out := append([]string(nil), list...)
				for j := i; j < len(out); j++ {
					out[j] = foldKey(out[j])
				}
				return out
			}
		}
		return list
	}
	if pr.wantTags {
		tags = make([][]string, len(lines))
		for i := range lines {
			tags[i] = fold(lines[i].Tags)
		}
	}
	if pr.wantCats {
		cats = make([][]string, len(lines))
		for i := range lines {
			cats[i] = fold(lines[i].Categories)
		}
	}
	return tags, cats
}
