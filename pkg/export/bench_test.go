package export_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/copdfuel/backend/pkg/copd"
	"github.com/copdfuel/backend/pkg/export"
)

// page returns n records cycling through the sample's eleven live records
// (every type and variant), each with its own id.
func page(b *testing.B, n int) export.Page {
	base := sample(b)
	recs := make([]copd.StoredRecord, 0, n)
	for i := 0; len(recs) < n; i++ {
		r := base[i%len(base)]
		if r.Deleted {
			continue
		}
		r.ID = fmt.Sprintf("%s-%d", r.ID, i)
		recs = append(recs, r)
	}
	return export.Page{PatientID: patientID, Records: recs, NextURL: "https://api.copdfuel.example/next"}
}

func benchEncode(b *testing.B, f export.Format) {
	p := page(b, 500)
	var n countingWriter
	if err := export.Encode(&n, f, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if err := export.Encode(io.Discard, f, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/500, "bytes/record")
}

func BenchmarkEncodeFHIR500(b *testing.B) { benchEncode(b, export.FHIR) }
func BenchmarkEncodeCSV500(b *testing.B)  { benchEncode(b, export.CSV) }
func BenchmarkEncodeJSON500(b *testing.B) { benchEncode(b, export.JSON) }

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
