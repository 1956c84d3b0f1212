package config

import (
	"errors"
	"regexp"
)

// userinfo matches the user:password@ part of anything that looks like a
// URL, parsable or not ("https://admin:s3cret@os:9200", "http://u:p@[::1").
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s"'@]*@`)

// Redact returns err with the credentials of every URL in its text
// replaced by "xxxxx@", so that a configuration error (which quotes the bad
// value) never prints a password. nil stays nil.
func Redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := userinfo.ReplaceAllString(msg, "${1}xxxxx@")
	if clean == msg {
		return err
	}
	return errors.New(clean)
}
