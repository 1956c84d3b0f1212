//go:build tools

// Package main pins the dependencies the design has chosen until each is used by real code.
package main

import (
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/knadh/koanf/parsers/yaml"
	_ "github.com/knadh/koanf/providers/confmap"
	_ "github.com/knadh/koanf/providers/env/v2"
	_ "github.com/knadh/koanf/providers/file"
	_ "github.com/knadh/koanf/v2"
	_ "github.com/maxmind/mmdbwriter"
	_ "github.com/opensearch-project/opensearch-go/v4"
	_ "github.com/opensearch-project/opensearch-go/v4/opensearchapi"
	_ "github.com/opensearch-project/opensearch-go/v4/signer/awsv2"
	_ "github.com/oschwald/maxminddb-golang/v2"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/common/expfmt"
	_ "github.com/weppos/publicsuffix-go/publicsuffix"
	_ "go.etcd.io/bbolt"
	_ "go.uber.org/goleak"
	_ "golang.org/x/net/html/charset"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/oauth2/google"
	_ "golang.org/x/term"
	_ "golang.org/x/text/encoding/charmap"
	_ "google.golang.org/api/gmail/v1"
	_ "google.golang.org/api/option"
)
