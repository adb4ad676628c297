package ddbmeter

import (
	"encoding/json"
	"testing"
)

func mustItem(t *testing.T, s string) av {
	t.Helper()
	var it av
	if err := json.Unmarshal([]byte(s), &it); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestSize(t *testing.T) {
	tests := []struct {
		name, item string
		want       int
	}{
		{"strings: names plus values", `{"pk":{"S":"PATIENT#1"},"sk":{"S":"RECORD#a"}}`, 2 + 9 + 2 + 8},
		{"number: one byte per two digits plus one", `{"n":{"N":"1234"}}`, 1 + 3},
		{"bool and null", `{"b":{"BOOL":true},"z":{"NULL":true}}`, 2 + 2},
		{"map: three bytes plus one a member", `{"m":{"M":{"k":{"S":"vv"}}}}`, 1 + 3 + 1 + 1 + 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := size(mustItem(t, tc.item)); got != tc.want {
				t.Errorf("size = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestIndexWrites(t *testing.T) {
	m := New("http://127.0.0.1:1", []Index{{Name: "lsi1", Keys: []string{"pk", "lsi1sk"}}, {Name: "gsi1", Keys: []string{"gsi1pk", "gsi1sk"}}})
	rec := func(date string) string {
		return `{"pk":{"S":"P#1"},"sk":{"S":"R#1"},"lsi1sk":{"S":"R#` + date + `"}}`
	}
	link := `{"pk":{"S":"P#1"},"sk":{"S":"L#1"},"gsi1pk":{"S":"D#1"},"gsi1sk":{"S":"P#1"}}`
	revoked := `{"pk":{"S":"P#1"},"sk":{"S":"L#1"}}`
	tests := []struct {
		name     string
		old, new string
		want     float64
	}{
		{"new record: one lsi1 insert", "", rec("2026-01-01"), 1},
		{"newer version, same date: one overwrite", rec("2026-01-01"), rec("2026-01-01"), 1},
		{"date moved: delete and insert", rec("2026-01-01"), rec("2026-01-02"), 2},
		{"link revoked: gsi1 entry deleted", link, revoked, 1},
		{"item in no index", revoked, revoked, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o, n av
			if tc.old != "" {
				o = mustItem(t, tc.old)
			}
			if tc.new != "" {
				n = mustItem(t, tc.new)
			}
			if got := m.indexWrites(o, n); got != tc.want {
				t.Errorf("indexWrites = %v, want %v", got, tc.want)
			}
		})
	}
}
