package localstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/scripts/localstack"
)

// benchRecords returns n oxygen records whose ids start with prefix.
func benchRecords(n int, prefix string) []copd.Record {
	out := make([]copd.Record, n)
	for i := range out {
		level := float64(88 + i%10)
		out[i] = copd.Record{ID: fmt.Sprintf("%s-%03d", prefix, i), Type: copd.TypeOxygen, Date: "2026-11-30",
			Time: "08:00", UpdatedAt: "2026-11-30T08:00:00Z", Level: &level}
	}
	return out
}

// BenchmarkSync100 measures POST /sync of 100 records through the local
// gateway, the Lambda emulator and the real sync function against dynalite,
// beside the floor: the same 100 conditional puts made directly with the
// store (the SDK) on the same stand-in, 16 at a time as the handler does.
// Run it with make bench; the figures are in docs/benchmarks.md.
func BenchmarkSync100(b *testing.B) {
	mustRealFunctions(b)
	s := localstack.New(b, localstack.Options{Seed: true, SeedDays: 1,
		APIMiddleware: func(h http.Handler) http.Handler { return h }})
	token := s.MustSignIn(b, false, s.Info.DemoPatient.Email, s.Info.DemoPatient.Password, "")
	post := func(b *testing.B, recs []copd.Record) copd.SyncResponse {
		body, _ := json.Marshal(map[string]any{"records": recs})
		req, _ := http.NewRequest(http.MethodPost, s.Info.APIURL+"/sync", bytes.NewReader(body))
		req.Header.Set("Authorization", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out copd.SyncResponse
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&out) != nil || len(out.Results) != len(recs) {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return out
	}
	var lat []time.Duration
	report := func(b *testing.B) {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		if len(lat) > 0 {
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
		}
		lat = lat[:0]
	}
	b.Run("gateway-new", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			recs := benchRecords(100, fmt.Sprintf("new%d-%d", time.Now().UnixNano(), i))
			t0 := time.Now()
			if got := post(b, recs).Results[0].Status; got != copd.StatusCreated {
				b.Fatalf("status %s", got)
			}
			lat = append(lat, time.Since(t0))
		}
		report(b)
	})
	b.Run("gateway-replay", func(b *testing.B) {
		recs := benchRecords(100, "replay")
		post(b, recs)
		for b.Loop() {
			t0 := time.Now()
			if got := post(b, recs).Results[99].Status; got != copd.StatusUnchanged {
				b.Fatalf("status %s", got)
			}
			lat = append(lat, time.Since(t0))
		}
		report(b)
	})
	b.Run("direct-puts-floor", func(b *testing.B) {
		store := dynamo.New(s.Dynamo, s.Table)
		ctx := context.Background()
		for i := 0; b.Loop(); i++ {
			recs := benchRecords(100, fmt.Sprintf("floor%d-%d", time.Now().UnixNano(), i))
			t0 := time.Now()
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(16)
			for _, r := range recs {
				g.Go(func() error {
					return store.PutRecord(gctx, "bench-floor", copd.StoredRecord{Record: r, Version: r.Version(), SyncedAt: time.Now()})
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		report(b)
	})
}
