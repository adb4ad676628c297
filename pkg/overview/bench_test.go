package overview_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/overview"
)

// history returns days days of realistic records ending on to: a weight,
// three SpO2 readings, three daily inhaler doses, a walk on most days, two
// water entries, three meals, a rescue dose every tenth day, and a tombstone
// every seventh day: 8 to 14 records a day, about 12 on average.
func history(to time.Time, days int) []copd.StoredRecord {
	var recs []copd.Record
	for i := range days {
		d := to.AddDate(0, 0, i-days+1).Format(time.DateOnly)
		id := func(s string) string { return fmt.Sprintf("%s-%s", s, d) }
		recs = append(recs,
			weight(id("w"), d, "07:30", 68+float64(i%7)*0.2, "kg", false),
			oxygen(id("o1"), d, "08:00", float64(86+i%10)),
			oxygen(id("o2"), d, "13:00", float64(90+i%7)),
			oxygen(id("o3"), d, "20:00", float64(91+i%5)),
			med(id("m1"), d, "Tiotropium", "daily"),
			med(id("m2"), d, "Budesonide/formoterol", "daily"),
			med(id("m3"), d, "Budesonide/formoterol", "daily"),
			water(id("h1"), d, 2, "cup"),
			water(id("h2"), d, 500, "ml"),
			food(id("f1"), d, "breakfast"),
			food(id("f2"), d, "lunch"),
			food(id("f3"), d, "dinner"),
		)
		if i%5 != 0 {
			recs = append(recs, exercise(id("e"), d, 20+float64(i%4)*5))
		}
		if i%10 == 0 {
			recs = append(recs, med(id("r"), d, "Salbutamol", "exacerbation"))
		}
		if i%7 == 0 {
			recs = append(recs, deleted(oxygen(id("gone"), d, "09:00", 70)))
		}
	}
	out := make([]copd.StoredRecord, 0, len(recs))
	for _, r := range recs {
		n := r.Normalized()
		out = append(out, copd.StoredRecord{Record: n, Version: n.Version()})
	}
	return out
}

func BenchmarkCompute365Days(b *testing.B) {
	to := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	recs := history(to, 365)
	in := overview.Input{Records: recs, From: "2026-01-01", To: "2026-12-31", LastSyncAt: to}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := overview.Compute(in, overview.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(recs)), "records")
}

func BenchmarkCompute30Days(b *testing.B) {
	to := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	recs := history(to, 30)
	in := overview.Input{Records: recs, From: "2026-12-02", To: "2026-12-31", LastSyncAt: to}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := overview.Compute(in, overview.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(recs)), "records")
}

// BenchmarkSummaryApply500 applies a full 500-record sync (the largest
// POST /sync) to a summary that already holds ten days of facts.
func BenchmarkSummaryApply500(b *testing.B) {
	now := time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC)
	s := overview.Summary{}.Apply(history(now, 10), now)
	batch := history(now, 45)[:500]
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Apply(batch, now).Flags("2026-12-31", overview.Options{})
	}
}
