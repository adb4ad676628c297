package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/fnenv"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/pkg/memstore"
	"github.com/copdfuel/backend/pkg/standin"
)

// fault makes the injector answer matching DynamoDB calls itself.
type fault struct {
	op    string // X-Amz-Target operation, e.g. "PutItem"
	match string // a substring the request body must hold ("" any)
	times int    // how many matching calls to fault; -1 every one
	kind  string // throttle, capacity, 500, hang, unprocessed, lost, notable
}

// injector is an http.RoundTripper under the SDK's DynamoDB client (so the
// SDK's real retryer, with fnenv's settings, sees every fault) that answers
// chosen calls with DynamoDB's own error shapes.
type injector struct {
	next   http.RoundTripper
	mu     sync.Mutex
	faults []*fault
	calls  map[string]int
	// injected counts the calls a fault answered.
	injected int
}

func (in *injector) set(fs ...fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.faults = nil
	for i := range fs {
		in.faults = append(in.faults, &fs[i])
	}
}

func (in *injector) faulted() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.injected
}

func awsErr(status int, typ, msg string) *http.Response {
	b, _ := json.Marshal(map[string]string{"__type": typ, "message": msg})
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}
}

func (in *injector) RoundTrip(req *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	in.mu.Lock()
	if in.calls == nil {
		in.calls = map[string]int{}
	}
	in.calls[op]++
	var f *fault
	for _, c := range in.faults {
		if c.op == op && c.times != 0 && bytes.Contains(body, []byte(c.match)) {
			if c.times > 0 {
				c.times--
			}
			f = c
			in.injected++
			break
		}
	}
	in.mu.Unlock()
	if f == nil {
		return in.next.RoundTrip(req)
	}
	const ns = "com.amazonaws.dynamodb.v20120810#"
	switch f.kind {
	case "throttle":
		return awsErr(400, "com.amazon.coral.availability#ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
	case "capacity":
		return awsErr(400, ns+"ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded."), nil
	case "500":
		return awsErr(500, ns+"InternalServerError", "Internal server error"), nil
	case "notable":
		return awsErr(400, ns+"ResourceNotFoundException", "Requested resource not found"), nil
	case "hang":
		<-req.Context().Done()
		return nil, req.Context().Err()
	case "lost":
		// The write lands; its answer is lost on the way back.
		resp, err := in.next.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		return awsErr(500, ns+"InternalServerError", "Internal server error"), nil
	case "unprocessed":
		var in struct {
			RequestItems json.RawMessage
		}
		_ = json.Unmarshal(body, &in)
		b := []byte(`{"Responses":{},"UnprocessedKeys":` + string(in.RequestItems) + `}`)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}, nil
	}
	panic("unknown fault " + f.kind)
}

// faultRig is the sync function wired as main.go wires it (fnenv's client,
// retryer and adapter), on a fresh dynalite table, under an injector.
type faultRig struct {
	inj   *injector
	store *dynamo.Store
	fn    func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)
}

func mustFaultRig(t *testing.T, endpoint string) *faultRig {
	t.Helper()
	table := fmt.Sprintf("faults-%d", time.Now().UnixNano())
	env := map[string]string{
		"TABLE_NAME": table, "PATIENT_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Patients",
		"PATIENT_CLIENT_IDS": "patientclient123", "DOCTOR_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Doctors",
		"DOCTOR_CLIENT_IDS": "doctorclient456", "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "LOG_LEVEL": "error", "ALLOW_ORIGIN": "*",
	}
	e, err := fnenv.Setup(context.Background(), func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamo.CreateTable(context.Background(), e.Dynamo, table); err != nil {
		t.Fatal(err)
	}
	inj := &injector{next: http.DefaultTransport}
	c := dynamodb.New(e.Dynamo.Options(), func(o *dynamodb.Options) { o.HTTPClient = &http.Client{Transport: inj} })
	// Short batch backoff so that the deadline, not the attempt count, is
	// what ends a stall in these tests.
	st := dynamo.New(c, table, dynamo.WithBatchRetry(100, 10*time.Millisecond, 100*time.Millisecond))
	h := &Handler{Records: st, Now: func() time.Time { return testNow }, Parallel: 16}
	e.Adapter.Now = func() time.Time { return testNow }
	return &faultRig{inj: inj, store: st, fn: e.Adapter.Wrap("sync", h.Serve)}
}

// post sends body within a Lambda-like deadline.
func (r *faultRig) post(t *testing.T, body string, deadline time.Duration) events.APIGatewayProxyResponse {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(eventJSON, &ev); err != nil {
		t.Fatal(err)
	}
	ev.Body = body
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	resp, err := r.fn(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func mustDynalite(t *testing.T) string {
	t.Helper()
	if _, err := standin.NodeModules(); err != nil {
		if os.Getenv("COPD_REQUIRE_E2E") != "" {
			t.Fatalf("dynalite is required (COPD_REQUIRE_E2E): %v", err)
		}
		t.Skipf("needs dynalite (npm ci at the repository root): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := standin.Dynalite(ctx, standin.DynaliteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p.Endpoint
}

// TestSync_DynamoDBFaults injects DynamoDB's failures under the SDK client
// of the deployed function (fnenv's retryer: 5 attempts) against dynalite:
// throttling, exceeded capacity, 500s, hung calls, unprocessed batch keys,
// a write whose answer is lost, the summary write failing, a missing table.
// Whatever fails, the answer is never a 200 that hides a lost write: 503
// with Retry-After (500 for a missing table, a deployment fault), within
// the Lambda deadline; a fault the SDK's retries absorb answers 200. After
// the fault the same batch converges: the table holds exactly the batch
// and the list summary equals that of a run that never failed.
func TestSync_DynamoDBFaults(t *testing.T) {
	endpoint := mustDynalite(t)
	const deadline = time.Second

	ref := mustFaultRig(t, endpoint)
	if resp := ref.post(t, sixTypes, 10*time.Second); resp.StatusCode != 200 {
		t.Fatalf("reference run: %d %s", resp.StatusCode, resp.Body)
	}
	wantRecs := mustStored(t, ref.store)
	wantSum, _, err := ref.store.GetSummary(context.Background(), patient)
	if err != nil {
		t.Fatal(err)
	}
	summary := keys.SummarySK
	tests := []struct {
		name   string
		faults []fault
		status int
	}{
		{"read throttled throughout", []fault{{op: "BatchGetItem", times: -1, kind: "throttle"}}, 503},
		{"read over capacity throughout", []fault{{op: "BatchGetItem", times: -1, kind: "capacity"}}, 503},
		{"read over capacity twice (SDK retries)", []fault{{op: "BatchGetItem", times: 2, kind: "capacity"}}, 200},
		{"read keys unprocessed throughout", []fault{{op: "BatchGetItem", times: -1, kind: "unprocessed"}}, 503},
		{"read keys unprocessed three times", []fault{{op: "BatchGetItem", times: 3, kind: "unprocessed"}}, 200},
		{"read hangs", []fault{{op: "BatchGetItem", times: -1, kind: "hang"}}, 503},
		{"writes throttled throughout", []fault{{op: "PutItem", times: -1, kind: "throttle"}}, 503},
		{"writes answer 500 throughout", []fault{{op: "PutItem", times: -1, kind: "500"}}, 503},
		{"writes answer 500 three times (SDK retries)", []fault{{op: "PutItem", times: 3, kind: "500"}}, 200},
		{"one record's write hangs", []fault{{op: "PutItem", match: `"o-1"`, times: -1, kind: "hang"}}, 503},
		{"one record's write throttled throughout", []fault{{op: "PutItem", match: `"w-1"`, times: -1, kind: "capacity"}}, 503},
		{"write lands, its answer is lost", []fault{{op: "PutItem", match: `"m-1"`, times: 1, kind: "lost"}}, 200},
		{"summary read throttled throughout", []fault{{op: "GetItem", match: summary, times: -1, kind: "throttle"}}, 503},
		{"summary write over capacity throughout", []fault{{op: "PutItem", match: summary, times: -1, kind: "capacity"}}, 503},
		{"summary write lands, its answer is lost", []fault{{op: "PutItem", match: summary, times: 1, kind: "lost"}}, 200},
		{"table missing", []fault{{op: "BatchGetItem", times: -1, kind: "notable"}, {op: "PutItem", times: -1, kind: "notable"}}, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustFaultRig(t, endpoint)
			r.inj.set(tc.faults...)
			start := time.Now()
			// A fault the SDK absorbs may cost its backoff (up to 2 s a
			// retry): give those cases a Lambda-sized deadline.
			limit := deadline
			if tc.status == 200 {
				limit = 10 * time.Second
			}
			resp := r.post(t, sixTypes, limit)
			took := time.Since(start)
			if r.inj.faulted() == 0 {
				t.Fatal("no call was faulted: the case tests nothing")
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if took > limit+500*time.Millisecond {
				t.Errorf("answered after %v, past the %v deadline", took, limit)
			}
			if tc.status == 503 && resp.Headers["Retry-After"] == "" {
				t.Errorf("503 without Retry-After")
			}
			if tc.status == 200 {
				mustResultsIn(t, resp.Body, copd.StatusCreated, copd.StatusUnchanged)
			}
			// The fault clears; the phone sends the same batch again.
			r.inj.set()
			again := r.post(t, sixTypes, 10*time.Second)
			if again.StatusCode != 200 {
				t.Fatalf("retry after the fault: %d %s", again.StatusCode, again.Body)
			}
			mustResultsIn(t, again.Body, copd.StatusCreated, copd.StatusUnchanged)
			if diff := cmp.Diff(wantRecs, mustStored(t, r.store)); diff != "" {
				t.Errorf("table after the retry (-want +got):\n%s", diff)
			}
			gotSum, _, err := r.store.GetSummary(context.Background(), patient)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantSum, gotSum); diff != "" {
				t.Errorf("summary after the retry (-want +got):\n%s", diff)
			}
		})
	}
}

// mustStored returns the test patient's stored records (without SyncedAt).
func mustStored(t *testing.T, st *dynamo.Store) []copd.StoredRecord {
	t.Helper()
	recs, err := st.RecordsByDate(context.Background(), patient, "1900-01-01", "2100-01-01")
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		recs[i].SyncedAt = time.Time{}
	}
	return recs
}

func mustResultsIn(t *testing.T, body string, ok ...copd.SyncStatus) {
	t.Helper()
	var out copd.SyncResponse
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Results {
		found := false
		for _, s := range ok {
			found = found || r.Status == s
		}
		if !found {
			t.Errorf("%s/%s: %s, want one of %v", r.Type, r.ID, r.Status, ok)
		}
	}
}

// TestSync_EveryStoreCallFails fails, in turn, the Nth call of every store
// operation the handler makes (memstore's Fail hook) with each kind of
// error a store returns: the answer is 503 with Retry-After for
// Unavailable (throttled, deadline), 500 for anything else, never a 200;
// the same batch sent again converges to the records and summary of a run
// that never failed.
func TestSync_EveryStoreCallFails(t *testing.T) {
	ref := newHarness(t)
	ref.mustSync(t, sixTypes)
	// How often each operation runs for the batch: fail each of its calls.
	ops := map[string]int{}
	for _, op := range []string{memstore.OpGetRecords, memstore.OpPutRecord, memstore.OpGetSummary, memstore.OpPutSummary} {
		ops[op] = ref.store.Calls(op)
		if ops[op] == 0 {
			t.Fatalf("%s is never called: the matrix below would test nothing", op)
		}
	}
	wantRecs := ref.stored(t, "1900-01-01", "2100-01-01")
	wantSum, _, _ := ref.store.GetSummary(context.Background(), patient)
	kinds := []struct {
		name   string
		err    error
		status int
	}{
		{"throttled", errs.Wrap(errs.Unavailable, "store_unavailable", "the data store is busy; retry later", errors.New("ThrottlingException")), 503},
		{"deadline", errs.Wrap(errs.Unavailable, "store_unavailable", "the data store is busy; retry later", context.DeadlineExceeded), 503},
		{"unexpected", errors.New("boom"), 500},
	}
	for op, calls := range ops {
		for n := 1; n <= calls; n++ {
			for _, k := range kinds {
				t.Run(fmt.Sprintf("%s call %d %s", op, n, k.name), func(t *testing.T) {
					h := newHarness(t)
					var mu sync.Mutex
					seen := 0
					h.store.Fail = func(got string) error {
						if got != op {
							return nil
						}
						mu.Lock()
						defer mu.Unlock()
						seen++
						if seen == n {
							return k.err
						}
						return nil
					}
					resp := h.post(t, sixTypes)
					if resp.StatusCode != k.status {
						t.Fatalf("status %d, want %d: %s", resp.StatusCode, k.status, resp.Body)
					}
					if k.status == 503 && resp.Headers["Retry-After"] == "" {
						t.Error("503 without Retry-After")
					}
					h.store.Fail = nil
					h.mustSync(t, sixTypes)
					if diff := cmp.Diff(wantRecs, h.stored(t, "1900-01-01", "2100-01-01")); diff != "" {
						t.Errorf("records after the retry (-want +got):\n%s", diff)
					}
					gotSum, _, _ := h.store.GetSummary(context.Background(), patient)
					if diff := cmp.Diff(wantSum, gotSum); diff != "" {
						t.Errorf("summary after the retry (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}
