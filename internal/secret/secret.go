// Package secret holds a string type for passwords, tokens and keys that never
// shows its value in logs, fmt output or JSON.
package secret

import "log/slog"

// String is a secret value. Use Reveal to get the value where it is needed.
type String string

const redacted = "[REDACTED]"

// Reveal returns the secret value.
func (s String) Reveal() string { return string(s) }

// IsSet reports whether a value is present.
func (s String) IsSet() bool { return s != "" }

// String implements fmt.Stringer.
func (s String) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer (%#v).
func (s String) GoString() string { return s.String() }

// LogValue implements slog.LogValuer.
func (s String) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler, so JSON and YAML dumps of a
// configuration hide it too.
func (s String) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
