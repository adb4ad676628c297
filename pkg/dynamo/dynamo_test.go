package dynamo_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/pkg/errs"
	"github.com/copdfuel/backend/pkg/keys"
	"github.com/copdfuel/backend/pkg/standin"
	"github.com/copdfuel/backend/pkg/storetest"
)

// endpoint is the dynalite shared by the package's tests; empty in -short mode.
var endpoint string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := standin.Dynalite(ctx, standin.DynaliteOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynamo tests need dynalite (npm ci at the repository root) or -short:", err)
		return 1
	}
	defer p.Stop()
	endpoint = p.Endpoint
	return m.Run()
}

func newClient(t *testing.T, endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	if endpoint == "" {
		t.Skip("needs dynalite; not run with -short")
	}
	o := dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	for _, f := range optFns {
		f(&o)
	}
	return dynamodb.New(o)
}

var tableSeq atomic.Int64

// mustTable creates a fresh table on the shared dynalite and returns its name.
func mustTable(t *testing.T, c *dynamodb.Client) string {
	t.Helper()
	name := fmt.Sprintf("copd-test-%d", tableSeq.Add(1))
	if err := dynamo.CreateTable(context.Background(), c, name); err != nil {
		t.Fatalf("CreateTable(%s): %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name})
	})
	return name
}

func mustStore(t *testing.T, opts ...dynamo.Option) (*dynamo.Store, *dynamodb.Client, string) {
	t.Helper()
	c := newClient(t, endpoint)
	name := mustTable(t, c)
	return dynamo.New(c, name, opts...), c, name
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, _, _ := mustStore(t)
		return s
	})
}

func TestLinkConformance(t *testing.T) {
	storetest.RunLinks(t, func(t *testing.T) storetest.LinkStore {
		s, _, _ := mustStore(t)
		return s
	})
}

func TestDoctorConformance(t *testing.T) {
	storetest.RunDoctor(t, func(t *testing.T) storetest.DoctorStore {
		s, _, _ := mustStore(t)
		return s
	})
}

func TestCreateTable(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, endpoint)
	name := mustTable(t, c)
	if err := dynamo.CreateTable(ctx, c, name); err != nil {
		t.Fatalf("CreateTable on an existing table: %v", err)
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		t.Fatal(err)
	}
	type index struct{ Name, PK, SK, Projection string }
	got := struct {
		Status, PK, SK string
		Indexes        []index
	}{Status: string(out.Table.TableStatus)}
	for _, k := range out.Table.KeySchema {
		if k.KeyType == types.KeyTypeHash {
			got.PK = *k.AttributeName
		} else {
			got.SK = *k.AttributeName
		}
	}
	add := func(n *string, ks []types.KeySchemaElement, p *types.Projection) {
		ix := index{Name: *n, Projection: string(p.ProjectionType)}
		for _, k := range ks {
			if k.KeyType == types.KeyTypeHash {
				ix.PK = *k.AttributeName
			} else {
				ix.SK = *k.AttributeName
			}
		}
		got.Indexes = append(got.Indexes, ix)
	}
	for _, l := range out.Table.LocalSecondaryIndexes {
		add(l.IndexName, l.KeySchema, l.Projection)
	}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		add(g.IndexName, g.KeySchema, g.Projection)
	}
	want := got
	want.Status, want.PK, want.SK, want.Indexes = "ACTIVE", keys.PK, keys.SK, nil
	for _, ix := range keys.Table.Indexes {
		pk := ix.PartitionKey
		if ix.Local {
			pk = keys.PK
		}
		want.Indexes = append(want.Indexes, index{Name: ix.Name, PK: pk, SK: ix.SortKey, Projection: "ALL"})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	in := dynamo.TableInput(name)
	if in.BillingMode != types.BillingModePayPerRequest || in.SSESpecification == nil || !*in.SSESpecification.Enabled {
		t.Errorf("TableInput: billing %q, SSE %+v; want PAY_PER_REQUEST and SSE enabled", in.BillingMode, in.SSESpecification)
	}
}

// TestRecordItem pins the stored item's shape, which docs/architecture-storage.md
// describes: keys, version attributes, and no attribute for an absent field.
func TestRecordItem(t *testing.T) {
	ctx := context.Background()
	s, c, name := mustStore(t)
	r := copd.Record{ID: "o1", Type: copd.TypeOxygen, Date: "2026-03-01", UpdatedAt: "2026-03-01T10:00:00+02:00", Level: aws.Float64(93)}
	synced := time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("x", 3600))
	if err := s.PutRecord(ctx, "sub-1", copd.StoredRecord{Record: r, SyncedAt: synced}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: &name, Key: map[string]types.AttributeValue{
		keys.PK: &types.AttributeValueMemberS{Value: keys.Patient("sub-1")},
		keys.SK: &types.AttributeValueMemberS{Value: keys.Record("oxygen", "o1")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, v := range out.Item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			got[k] = "S:" + v.Value
		case *types.AttributeValueMemberN:
			got[k] = "N:" + v.Value
		default:
			got[k] = fmt.Sprintf("%T", v)
		}
	}
	want := map[string]string{
		"pk": "S:PATIENT#sub-1", "sk": "S:RECORD#oxygen#o1", "lsi1sk": "S:RECORD#2026-03-01#oxygen#o1",
		"id": "S:o1", "type": "S:oxygen", "date": "S:2026-03-01", "updatedAt": "S:2026-03-01T10:00:00+02:00",
		"level": "N:93", "uts": fmt.Sprintf("N:%d", r.Version().UpdatedAt), "vh": "S:" + r.Version().Hash,
		"syncedAt": "S:2026-03-01T08:00:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item (-want +got):\n%s", diff)
	}
}

// TestErrors_MissingTable: a table that does not exist is a deployment
// fault (Internal, 500), never NotFound (which would become a 404).
func TestErrors_MissingTable(t *testing.T) {
	ctx := context.Background()
	s := dynamo.New(newClient(t, endpoint), "no-such-table")
	rec := copd.StoredRecord{Record: copd.Record{ID: "o1", Type: copd.TypeOxygen, Date: "2026-03-01", UpdatedAt: "2026-03-01T08:00:00Z", Level: aws.Float64(93)}}
	tests := []struct {
		name string
		call func() error
	}{
		{"GetRecords", func() error {
			_, err := s.GetRecords(ctx, "p", []copd.RecordKey{rec.Key()})
			return err
		}},
		{"PutRecord", func() error { return s.PutRecord(ctx, "p", rec) }},
		{"RecordsByDate", func() error { _, err := s.RecordsByDate(ctx, "p", "2026-03-01", "2026-03-01"); return err }},
		{"GetUser", func() error { _, err := s.GetUser(ctx, "u"); return err }},
		{"PutUser", func() error { _, err := s.PutUser(ctx, copd.User{UserID: "u"}); return err }},
		{"GetPractice", func() error { _, err := s.GetPractice(ctx, "p"); return err }},
		{"PutPractice", func() error { _, err := s.PutPractice(ctx, copd.Practice{PracticeID: "p"}); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var rnf *types.ResourceNotFoundException
			if errs.KindOf(err) != errs.Internal || !errors.As(err, &rnf) {
				t.Errorf("err %v: want kind %v wrapping ResourceNotFoundException", err, errs.Internal)
			}
		})
	}
}

func TestErrors_Conflict(t *testing.T) {
	s, _, _ := mustStore(t)
	r := copd.StoredRecord{Record: copd.Record{ID: "o1", Type: copd.TypeOxygen, Date: "2026-03-01", UpdatedAt: "2026-03-01T08:00:00Z", Level: aws.Float64(93)}}
	if err := s.PutRecord(context.Background(), "p", r); err != nil {
		t.Fatal(err)
	}
	err := s.PutRecord(context.Background(), "p", r)
	var ccf *types.ConditionalCheckFailedException
	if errs.KindOf(err) != errs.Conflict || !errors.As(err, &ccf) {
		t.Errorf("second PutRecord: err %v, want kind %v wrapping ConditionalCheckFailedException", err, errs.Conflict)
	}
}

// TestErrors_Unreachable: DynamoDB not answering (here: nothing listens on
// the port) is Unavailable once the SDK's retries are spent.
func TestErrors_Unreachable(t *testing.T) {
	port, err := standin.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, fmt.Sprintf("http://127.0.0.1:%d", port), func(o *dynamodb.Options) { o.RetryMaxAttempts = 2 })
	s := dynamo.New(c, "t")
	if _, err := s.GetUser(context.Background(), "u"); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("GetUser with DynamoDB unreachable: err %v, want kind %v", err, errs.Unavailable)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := dynamo.New(newClient(t, endpoint), "t").GetUser(ctx, "u"); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("GetUser after the deadline: err %v, want kind %v", err, errs.Unavailable)
	}
}

// TestPutRecord_Concurrent races N writers of different versions of one
// record: the conditional write must leave the greatest version (by
// copd.Version.After) stored, and every writer that lost got Conflict.
func TestPutRecord_Concurrent(t *testing.T) {
	const n = 24
	s, _, _ := mustStore(t)
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var rs []copd.Record
	for i := range n {
		// Four instants, six contents each: ties at every instant.
		at := base.Add(time.Duration(i%4) * time.Second).Format(time.RFC3339)
		rs = append(rs, copd.Record{ID: "race", Type: copd.TypeOxygen, Date: "2026-03-01", UpdatedAt: at, Level: aws.Float64(float64(80 + i))})
	}
	best := rs[0]
	for _, r := range rs[1:] {
		if r.Version().After(best.Version()) {
			best = r
		}
	}
	for round := range 3 {
		patient := fmt.Sprintf("p-%d", round)
		results := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, r := range rs {
			wg.Go(func() {
				<-start
				results[i] = s.PutRecord(context.Background(), patient, copd.StoredRecord{Record: r, SyncedAt: base})
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range results {
			switch {
			case err == nil:
				won++
			case errs.KindOf(err) != errs.Conflict:
				t.Errorf("round %d writer %d: err %v, want nil or kind %v", round, i, err, errs.Conflict)
			case rs[i].Level == best.Level:
				t.Errorf("round %d: the greatest version got %v", round, err)
			}
		}
		got, err := s.GetRecords(context.Background(), patient, []copd.RecordKey{best.Key()})
		if err != nil {
			t.Fatal(err)
		}
		want := copd.StoredRecord{Record: best, Version: best.Version(), SyncedAt: base}
		if diff := cmp.Diff(want, got[best.Key()]); diff != "" {
			t.Errorf("round %d: stored (-want +got):\n%s", round, diff)
		}
		t.Logf("round %d: %d of %d writes won", round, won, n)
	}
}

// flakyBatch wraps a client and leaves keys unprocessed, like DynamoDB does
// when throttled or over 16 MB.
type flakyBatch struct {
	dynamo.API
	// keep decides how many of the request's keys to process in call n (0-based).
	keep  func(call, keys int) int
	calls atomic.Int64
}

func (f *flakyBatch) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	call := int(f.calls.Add(1) - 1)
	var table string
	var ka types.KeysAndAttributes
	for table, ka = range in.RequestItems {
	}
	k := f.keep(call, len(ka.Keys))
	done := ka
	done.Keys = ka.Keys[:k]
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	if k > 0 {
		res, err := f.API.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: done}}, optFns...)
		if err != nil {
			return nil, err
		}
		out = res
	}
	if k < len(ka.Keys) {
		rest := ka
		rest.Keys = ka.Keys[k:]
		out.UnprocessedKeys = map[string]types.KeysAndAttributes{table: rest}
	}
	return out, nil
}

func TestGetRecords_UnprocessedKeys(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, endpoint)
	name := mustTable(t, c)
	seed := dynamo.New(c, name)
	var ks []copd.RecordKey
	for i := range 230 {
		r := copd.Record{ID: fmt.Sprintf("r%03d", i), Type: copd.TypeOxygen, Date: "2026-03-01", UpdatedAt: "2026-03-01T08:00:00Z", Level: aws.Float64(90)}
		if err := seed.PutRecord(ctx, "p", copd.StoredRecord{Record: r}); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, r.Key())
	}
	tests := []struct {
		name      string
		keep      func(call, keys int) int
		timeout   time.Duration
		wantKind  errs.Kind // -1: no error
		wantCalls int       // 0: don't check
	}{
		{"half each time", func(_, n int) int { return (n + 1) / 2 }, 0, -1, 0},
		{"none the first four calls", func(call, n int) int {
			if call < 4 {
				return 0
			}
			return n
		}, 0, -1, 4 + 3},
		{"never", func(int, int) int { return 0 }, 0, errs.Unavailable, 1 + 4},
		{"never, deadline first", func(int, int) int { return 0 }, 30 * time.Millisecond, errs.Unavailable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &flakyBatch{API: c, keep: tc.keep}
			s := dynamo.New(f, name, dynamo.WithBatchRetry(4, time.Millisecond, 20*time.Millisecond))
			if tc.timeout > 0 {
				s = dynamo.New(f, name, dynamo.WithBatchRetry(100, 10*time.Millisecond, time.Second))
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			start := time.Now()
			got, err := s.GetRecords(ctx, "p", ks)
			if tc.wantKind >= 0 {
				if errs.KindOf(err) != tc.wantKind || err == nil {
					t.Fatalf("err %v, want kind %v", err, tc.wantKind)
				}
				if tc.timeout > 0 && time.Since(start) > tc.timeout+200*time.Millisecond {
					t.Errorf("took %v with a %v deadline", time.Since(start), tc.timeout)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(ks) {
					t.Errorf("got %d records, want %d", len(got), len(ks))
				}
			}
			if tc.wantCalls > 0 && int(f.calls.Load()) != tc.wantCalls {
				t.Errorf("BatchGetItem calls: %d, want %d", f.calls.Load(), tc.wantCalls)
			}
		})
	}
}

func TestCapacity(t *testing.T) {
	ctx := context.Background()
	var cap dynamo.Capacity
	s, _, _ := mustStore(t, dynamo.WithCapacity(&cap))
	r := copd.Record{ID: "o1", Type: copd.TypeOxygen, Date: "2026-03-01", UpdatedAt: "2026-03-01T08:00:00Z", Level: aws.Float64(93)}
	if err := s.PutRecord(ctx, "p", copd.StoredRecord{Record: r}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRecords(ctx, "p", []copd.RecordKey{r.Key()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordsByDate(ctx, "p", "2026-03-01", "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	by := cap.ByOp()
	t.Logf("consumed: total %+v, by operation %+v", cap.Total(), by)
	for _, op := range []string{"PutRecord", "GetRecords", "RecordsByDate"} {
		if u := by[op]; u.Read+u.Write <= 0 {
			t.Errorf("%s consumed %+v, want > 0", op, u)
		}
	}
	if tot := cap.Total(); tot.Write <= 0 || tot.Read <= 0 {
		t.Errorf("total %+v, want reads and writes", tot)
	}
}
