package main

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/copdfuel/backend/pkg/copd"
)

// FuzzSync posts arbitrary bodies to POST /sync through the adapter and the
// handler on memstore. Properties: no panic and no 5xx for any body; a 200
// answers exactly one result per record in request order, each with a known
// status and an error code exactly when invalid; replaying the same body
// then creates, updates and deletes nothing (idempotence).
func FuzzSync(f *testing.F) {
	for _, s := range []string{
		sixTypes,
		records(oxygen("a", "2026-12-01", "2026-12-01T08:00:00Z", 90), oxygen("a", "2026-12-02", "2026-12-01T08:00:00Z", 91)),
		`{"records":[{"id":"a","type":"oxygen","deleted":true,"date":"2026-12-01","updatedAt":"2026-12-01T08:00:00Z"}]}`,
		`{"records":[1,"x",null,[],{}]}`, `{"records":[{"id":"a","id":"b"}]}`, `{"records":[{"level":1e309}]}`,
		`{"records":[{"id":"\ud800","type":"oxygen"}]}`, `{"records":null}`, `{"records":[],"records":[]}`, `[]`, ``,
	} {
		f.Add(s, false)
	}
	f.Add("eyJyZWNvcmRzIjpbXX0=", true)
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		h := newHarness(t)
		resp := h.post(t, body, func(ev *events.APIGatewayProxyRequest) { ev.IsBase64Encoded = b64 })
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for client input: %s", resp.StatusCode, resp.Body)
		}
		if resp.StatusCode != 200 {
			return
		}
		var req copd.SyncRequest
		if b64 || json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		first := mustResults(t, resp.Body, len(req.Records))
		again := h.post(t, body)
		if again.StatusCode != 200 {
			t.Fatalf("replay: status %d: %s", again.StatusCode, again.Body)
		}
		for i, r := range mustResults(t, again.Body, len(req.Records)) {
			switch r.Status {
			case copd.StatusCreated, copd.StatusUpdated, copd.StatusDeleted:
				t.Fatalf("replay of record %d: %s (first time: %s)", i, r.Status, first[i].Status)
			}
		}
	})
}

func mustResults(t *testing.T, body string, n int) []copd.SyncResult {
	t.Helper()
	var out copd.SyncResponse
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("200 body: %v", err)
	}
	if len(out.Results) != n {
		t.Fatalf("%d results for %d records", len(out.Results), n)
	}
	for i, r := range out.Results {
		switch r.Status {
		case copd.StatusCreated, copd.StatusUpdated, copd.StatusUnchanged, copd.StatusStale, copd.StatusDeleted:
			if r.Error != nil {
				t.Fatalf("result %d: %s with an error", i, r.Status)
			}
		case copd.StatusInvalid:
			if r.Error == nil || r.Error.Code == "" {
				t.Fatalf("result %d: invalid without a code", i)
			}
		default:
			t.Fatalf("result %d: unknown status %q", i, r.Status)
		}
	}
	return out.Results
}
