package source

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dmarc-agent/dmarc-agent/insight"
)

// IsNDJSON says whether path is an `ingest --out` result: a .ndjson file,
// or a folder holding .ndjson files.
func IsNDJSON(path string) bool {
	info, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !info.IsDir() {
		return strings.HasSuffix(path, ".ndjson")
	}
	m, _ := filepath.Glob(filepath.Join(path, "*.ndjson"))
	return len(m) > 0
}

// ReadNDJSON adds the documents of a .ndjson file, or of every .ndjson file
// of a folder, to c. A line that cannot be read is recorded as rejected
// with its file and line number; the rest of the file is still read.
func ReadNDJSON(path string, c *insight.Collector) error {
	files := []string{path}
	if info, err := os.Stat(path); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	} else if info.IsDir() {
		files, _ = filepath.Glob(filepath.Join(path, "*.ndjson"))
		slices.Sort(files)
	}
	for _, f := range files {
		if err := readFile(f, c); err != nil {
			return err
		}
	}
	return nil
}

type action struct {
	Index string `json:"_index"`
	ID    string `json:"_id"`
}

func readFile(path string, c *insight.Collector) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	line := 0
	for {
		act, err := r.ReadBytes('\n')
		if len(act) == 0 && err == io.EOF {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		line++
		doc, derr := r.ReadBytes('\n')
		if derr != nil && derr != io.EOF {
			return fmt.Errorf("reading %s: %w", path, derr)
		}
		line++
		var a map[string]action
		if jerr := json.Unmarshal(act, &a); jerr != nil || len(a) != 1 {
			c.Reject(fmt.Sprintf("%s:%d", path, line-1), "not a bulk action line")
			continue
		}
		for _, v := range a {
			if aerr := c.Add(v.Index, v.ID, doc); aerr != nil {
				c.Reject(fmt.Sprintf("%s:%d", path, line), aerr.Error())
			}
		}
		if derr == io.EOF {
			return nil
		}
	}
}
