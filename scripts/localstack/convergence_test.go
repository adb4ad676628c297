package localstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/dynamo"
	"github.com/copdfuel/backend/scripts/localstack"
)

// TestConvergence_DevicesSyncConcurrently: several phones of one patient
// sync overlapping records at once through the local gateway, the real
// sync function and dynalite, with random updatedAt (ties at whole
// minutes included), edits, date moves and deletes, each phone resending
// a batch until it is answered 200. Afterwards the table holds, for every
// key ever sent, exactly the last writer by copd.Version.After over
// everything sent (tombstones included), once, under its final date: zero
// lost updates, no stale copy under an old date. The seed is fixed; the
// run is bounded (4 phones x 12 batches of up to 8 records).
func TestConvergence_DevicesSyncConcurrently(t *testing.T) {
	mustRealFunctions(t)
	s := localstack.New(t, localstack.Options{})
	sub, tok := s.MustSignUpPatient(t, "converge@example.test", "Converge#2026x")

	const devices, batches, perBatch, keysN = 4, 12, 8, 16
	now := time.Now().UTC()
	base := now.Add(-48 * time.Hour).Truncate(time.Minute)
	dates := []string{now.AddDate(0, 0, -3).Format(time.DateOnly), now.AddDate(0, 0, -2).Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)}
	types := []copd.RecordType{copd.TypeOxygen, copd.TypeWeight, copd.TypeWater}

	// Each phone's batches, drawn up front from one seed.
	rng := rand.New(rand.NewPCG(8, 2026))
	plan := make([][][]copd.Record, devices)
	for d := range plan {
		for range batches {
			var batch []copd.Record
			for range 1 + rng.IntN(perBatch) {
				k := rng.IntN(keysN)
				r := copd.Record{ID: fmt.Sprintf("k%02d", k), Type: types[k%len(types)], Date: dates[rng.IntN(len(dates))],
					// Whole minutes over a small range: equal instants
					// happen and the content hash must break the tie.
					UpdatedAt: base.Add(time.Duration(rng.IntN(60)) * time.Minute).In(time.FixedZone("", (rng.IntN(5)-2)*3600)).Format(time.RFC3339)}
				if rng.IntN(5) == 0 {
					r.Deleted = true
				} else {
					fillRecord(&r, rng)
				}
				batch = append(batch, r)
			}
			plan[d] = append(plan[d], batch)
		}
	}

	var wg sync.WaitGroup
	errc := make(chan error, devices)
	for d := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, batch := range plan[d] {
				if err := syncUntilOK(s.Info.APIURL, tok, batch); err != nil {
					errc <- fmt.Errorf("device %d: %w", d, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}

	// The oracle: last writer wins over everything sent.
	want := map[copd.RecordKey]copd.Record{}
	for _, dev := range plan {
		for _, batch := range dev {
			for _, r := range batch {
				if w, ok := want[r.Key()]; !ok || r.Version().After(w.Version()) {
					want[r.Key()] = r
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stored, err := dynamo.New(s.Dynamo, s.Table).RecordsByDate(ctx, sub, "1900-01-01", "2100-01-01")
	if err != nil {
		t.Fatal(err)
	}
	got := map[copd.RecordKey]copd.Record{}
	for _, r := range stored {
		if _, dup := got[r.Key()]; dup {
			t.Errorf("%s/%s stored twice (a stale copy under an old date)", r.Type, r.ID)
		}
		got[r.Key()] = r.Record
		if r.Version != r.Record.Version() {
			t.Errorf("%s/%s: stored version %+v does not match its content", r.Type, r.ID, r.Version)
		}
	}
	wantN := map[copd.RecordKey]copd.Record{}
	for k, r := range want {
		wantN[k] = r.Normalized()
	}
	if diff := cmp.Diff(wantN, got); diff != "" {
		t.Errorf("table differs from the last-writer-wins oracle (-want +got):\n%s", diff)
	}
	sent := 0
	for _, dev := range plan {
		for _, b := range dev {
			sent += len(b)
		}
	}
	t.Logf("%d records sent by %d phones over %d keys; %d stored, every one the oracle's winner", sent, devices, len(want), len(got))
}

func fillRecord(r *copd.Record, rng *rand.Rand) {
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	switch r.Type {
	case copd.TypeOxygen:
		r.Level = f(float64(85 + rng.IntN(15)))
	case copd.TypeWeight:
		r.Weight, r.Unit = f(float64(60+rng.IntN(30))+0.5), s("kg")
		goal := rng.IntN(4) == 0
		r.IsGoal = &goal
	case copd.TypeWater:
		r.Amount, r.Unit = f(float64(1+rng.IntN(4))), s("cup")
	}
	if rng.IntN(2) == 0 {
		r.Time = fmt.Sprintf("%02d:%02d", rng.IntN(24), rng.IntN(60))
	}
}

// syncUntilOK posts one batch as a phone does: again after a 503 or a
// network error, up to a bound; anything else is an error.
func syncUntilOK(api, tok string, batch []copd.Record) error {
	body, err := json.Marshal(map[string]any{"records": batch})
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequest(http.MethodPost, api+"/sync", bytes.NewReader(body))
		req.Header.Set("Authorization", tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		status := 0
		var out copd.SyncResponse
		if err == nil {
			status = resp.StatusCode
			if status == http.StatusOK {
				err = json.NewDecoder(resp.Body).Decode(&out)
			}
			resp.Body.Close()
		}
		switch {
		case err == nil && status == http.StatusOK:
			for i, r := range out.Results {
				if r.Status == copd.StatusInvalid {
					return fmt.Errorf("record %d (%s/%s) invalid: %+v", i, r.Type, r.ID, r.Error)
				}
			}
			return nil
		case attempt >= 5:
			return fmt.Errorf("POST /sync: status %d, %v after %d attempts", status, err, attempt+1)
		case err != nil || status == http.StatusServiceUnavailable:
			time.Sleep(100 * time.Millisecond)
		default:
			return fmt.Errorf("POST /sync: status %d", status)
		}
	}
}
