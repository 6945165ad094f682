package catalog_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wasmart/wasmart/core/catalog"
	"github.com/wasmart/wasmart/core/store/storetest"
)

// FuzzCSVImport feeds the importer random files, in random encodings and
// row orders, and checks what must hold whatever the input: no panic, no
// failure of the import itself, every problem names a line of the file, a
// dry run's verdict is the real import's (creating products, then
// updating them from the rows in another order),
// and what was imported exports, re-imports and exports again unchanged.
// The seed corpus (testdata/fuzz/FuzzCSVImport) holds the three-line file
// that crashed the server (issue #9). Run it with
//
//	go test -run '^$' -fuzz FuzzCSVImport -fuzztime 60s ./core/catalog/
func FuzzCSVImport(f *testing.F) {
	db := storetest.SQLite(f)
	cat, _ := services(db)
	f.Add([]byte(crashCSV), byte(0), int64(0))
	f.Add([]byte(shopifyCSV), byte(0), int64(1))
	f.Add([]byte(googleFile), byte(1), int64(2))
	f.Add([]byte("Handle,Title,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\na,A,1.00,,-2\na,,2.00,shopify,3\n,B,1\nb\"x,1,2\n"), byte(2), int64(3))
	f.Add([]byte("Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Status\nx,X,Size,S,S1,1.00,archived\nx,,,M,S1,1,\ny,Y,,,S2,\"1,250\",active\n"), byte(4), int64(4))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 4; i++ {
		f.Add([]byte(genFile(r)), byte(i), int64(i))
	}
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte, enc byte, order int64) {
		file := encode(shuffle(data, order), enc)
		// The update pass reads the rows in another order, so that it
		// has something to change.
		file2 := encode(shuffle(data, order+1), enc)
		mode := catalog.ImportValid
		if enc&4 != 0 {
			mode = catalog.ImportAll
		}
		ctx := shop(fmt.Sprintf("fuzz-%d", n.Add(1)))
		check := func(file []byte, update bool) {
			t.Helper()
			lines := bytes.Count(file, []byte("\n")) + 1
			opts := catalog.ImportOptions{Mode: catalog.DryRun, UpdateExisting: update, ProductLimit: 3, Plan: "Fuzz"}
			dry, err := cat.ImportCSV(ctx, bytes.NewReader(file), opts)
			if err != nil {
				t.Fatalf("dry run (update %v): %v", update, err)
			}
			opts.Mode = mode
			real, err := cat.ImportCSV(ctx, bytes.NewReader(file), opts)
			if err != nil {
				t.Fatalf("import (update %v): %v", update, err)
			}
			for _, rep := range []*catalog.ImportReport{dry, real} {
				for _, p := range rep.Problems {
					if p.Line < 1 || p.Line > lines {
						t.Fatalf("problem without a line of the file (%d lines): %s", lines, p)
					}
				}
				if rep.Products != rep.Ready+rep.Unchanged+rep.Skipped {
					t.Fatalf("products %d != ready %d + unchanged %d + skipped %d", rep.Products, rep.Ready, rep.Unchanged, rep.Skipped)
				}
			}
			if !slices.Equal(dry.Problems, real.Problems) || dry.Ready != real.Ready || dry.Unchanged != real.Unchanged || dry.Fatal != real.Fatal ||
				fmt.Sprint(dry.Changes) != fmt.Sprint(real.Changes) {
				t.Fatalf("the dry run's verdict differs (update %v):\ndry run %+v\nreal    %+v", update, dry, real)
			}
			want := dry.Ready
			if mode == catalog.ImportAll && dry.Errors > 0 {
				want = 0
			}
			if real.Imported != want {
				t.Fatalf("imported %d, the dry run predicted %d (update %v, mode %d)", real.Imported, want, update, mode)
			}
		}
		check(file, false)
		check(file2, true)
		out := export(t, cat, ctx)
		again := shop(fmt.Sprintf("fuzz-%d", n.Add(1)))
		rep, err := cat.ImportCSV(again, strings.NewReader(out), catalog.ImportOptions{Mode: catalog.ImportAll})
		if err != nil || !rep.OK() {
			t.Fatalf("re-import of the export: %v %+v\n%s", err, rep, out)
		}
		if out2 := export(t, cat, again); out2 != out {
			t.Fatalf("export → import → export changed the file:\n%s\n---\n%s", out, out2)
		}
	})
}

// shuffle permutes the data rows (all lines but the first) when order is
// not 0.
func shuffle(data []byte, order int64) []byte {
	if order == 0 {
		return data
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) < 3 {
		return data
	}
	rows := lines[1:]
	r := rand.New(rand.NewPCG(uint64(order), 9))
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return bytes.Join(append([][]byte{lines[0]}, rows...), nil)
}

// encode writes text in one of the encodings spreadsheets save CSV in:
// as is, Latin-1/Windows-1252 (runes past 0xFF become '?'), UTF-16LE with
// a BOM, or UTF-8 with a BOM.
func encode(data []byte, enc byte) []byte {
	switch enc % 4 {
	case 1:
		var b []byte
		for len(data) > 0 {
			r, size := utf8.DecodeRune(data)
			if r > 0xFF {
				r = '?'
			}
			b = append(b, byte(r))
			data = data[size:]
		}
		return b
	case 2:
		b := []byte{0xFF, 0xFE}
		for _, u := range utf16.Encode([]rune(string(data))) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	case 3:
		return append([]byte{0xEF, 0xBB, 0xBF}, data...)
	}
	return data
}
