// Command gendashboards writes the OpenSearch Dashboards saved objects that
// the binary embeds (dashboards/saved_objects/*.ndjson) from the Go
// definitions in ./spec and the index templates of mapping, and deletes the
// ndjson files there that it no longer generates. Run it through
//
//	go generate ./dashboards
//
// and review the diff; TestSavedObjectsGolden fails while they differ.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dmarc-agent/dmarc-agent/tools/gendashboards/spec"
)

func main() {
	out := flag.String("out", "saved_objects", "directory of the ndjson files")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendashboards:", err)
		os.Exit(1)
	}
}

func generate(dir string) error {
	files, err := spec.Generate()
	if err != nil {
		return err
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	present, err := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	if err != nil {
		return err
	}
	for _, p := range present {
		if !slices.Contains(names, filepath.Base(p)) {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}
