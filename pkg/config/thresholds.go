package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/copdfuel/backend/pkg/overview"
)

// Clinical thresholds of the doctor views (GET /patients flags and GET
// /patients/{id}/overview). Each is optional; unset means the default of
// overview.DefaultOptions.
const (
	// EnvLowOxygenPercent: an SpO2 reading below it is low (default 88).
	EnvLowOxygenPercent = "LOW_OXYGEN_PERCENT"
	// EnvWeightChangeKg: the list flags a weight change over it (default 2).
	EnvWeightChangeKg = "WEIGHT_CHANGE_KG"
	// EnvWeightChangeDays: within this many days (default 7, at most
	// overview.HorizonDays).
	EnvWeightChangeDays = "WEIGHT_CHANGE_DAYS"
	// EnvRecentDays: how far back the oxygen and rescue-medication flags
	// look (default 7, at most overview.HorizonDays).
	EnvRecentDays = "FLAG_RECENT_DAYS"
)

// Thresholds reads the clinical thresholds with getenv and reports every
// malformed one at once.
func Thresholds(getenv func(string) string) (overview.Options, error) {
	o := overview.DefaultOptions
	var problems []error
	num := func(k string, dst *float64, lo, hi float64) {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			return
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= lo || f > hi {
			problems = append(problems, fmt.Errorf("%s must be a number over %g and at most %g", k, lo, hi))
			return
		}
		*dst = f
	}
	days := func(k string, dst *int) {
		v := strings.TrimSpace(getenv(k))
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > overview.HorizonDays {
			problems = append(problems, fmt.Errorf("%s must be a whole number of days from 1 to %d", k, overview.HorizonDays))
			return
		}
		*dst = n
	}
	num(EnvLowOxygenPercent, &o.LowOxygenPercent, 50, 100)
	num(EnvWeightChangeKg, &o.WeightChangeKg, 0, 50)
	days(EnvWeightChangeDays, &o.WeightChangeDays)
	days(EnvRecentDays, &o.RecentDays)
	if len(problems) > 0 {
		return overview.Options{}, fmt.Errorf("config: %w", errors.Join(problems...))
	}
	return o, nil
}
