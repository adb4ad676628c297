package config_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copdfuel/backend/pkg/config"
	"github.com/copdfuel/backend/pkg/overview"
)

func TestThresholds(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    overview.Options
		wantErr bool
	}{
		{"defaults", nil, overview.DefaultOptions, false},
		{"all set", map[string]string{"LOW_OXYGEN_PERCENT": "90", "WEIGHT_CHANGE_KG": "1.5", "WEIGHT_CHANGE_DAYS": "5", "FLAG_RECENT_DAYS": "3"},
			overview.Options{LowOxygenPercent: 90, WeightChangeKg: 1.5, WeightChangeDays: 5, RecentDays: 3}, false},
		{"oxygen out of range", map[string]string{"LOW_OXYGEN_PERCENT": "120"}, overview.Options{}, true},
		{"not a number", map[string]string{"WEIGHT_CHANGE_KG": "two"}, overview.Options{}, true},
		{"days beyond the summary's horizon", map[string]string{"FLAG_RECENT_DAYS": "30"}, overview.Options{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := config.Thresholds(func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
