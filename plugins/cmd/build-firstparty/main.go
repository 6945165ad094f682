// Command build-firstparty builds Wasmart's first-party plugins to .wasm
// with their manifests:
//
//	go run ./plugins/cmd/build-firstparty -o data/plugins
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/wasmart/wasmart/plugins/build"
)

func main() {
	out := flag.String("o", "data/plugins", "output directory")
	flag.Parse()
	files, err := build.WriteFirstParty(context.Background(), *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, f := range files {
		fmt.Println(f)
	}
}
