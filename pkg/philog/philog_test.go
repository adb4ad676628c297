package philog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/access"
	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/philog"
)

const sentinel = "SENTINEL-PHI-7731"

func mustLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		delete(m, "time")
		out = append(out, m)
	}
	return out
}

func TestLogger_AllowList(t *testing.T) {
	var buf bytes.Buffer
	log := philog.New(&buf, nil).With("request_id", "req-1")
	name := sentinel
	rec := copd.Record{ID: "r1", Type: copd.TypeMedication, Name: &name}
	log.Info("request",
		"route", "/sync", "status", 200,
		"email", sentinel+"@example.com", // not allowed: redacted
		"body", map[string]string{"weight": sentinel},
		"error_kind", errors.New(sentinel), // an error value is never printed
		"record", rec, // LogValuer: only id and type
		"caller", access.Caller{Sub: "sub-1", Role: copd.RolePatient, Email: sentinel},
	)
	log.WithGroup("g").Info("grouped", "route", sentinel)
	if strings.Contains(buf.String(), sentinel) {
		t.Fatalf("PHI sentinel reached the log:\n%s", buf.String())
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "request", "request_id": "req-1", "route": "/sync", "status": 200.0,
			"email": philog.Redacted, "error_kind": philog.Redacted,
			"record_id": "r1", "record_type": "medication", "caller_id": "sub-1", "role": "patient",
			"body": philog.Redacted},
		{"level": "INFO", "msg": "grouped", "request_id": "req-1", "g": map[string]any{"route": philog.Redacted}},
	}
	if diff := cmp.Diff(want, mustLines(t, &buf)); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}
