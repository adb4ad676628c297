package seed

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/copdfuel/backend/pkg/copd"
)

// PatientZone is the demo patient's local time zone (US Eastern, standard
// time): the apps send local dates and times with this offset.
var PatientZone = time.FixedZone("EST", -5*3600)

// epoch anchors the demo history so that every value depends only on its
// date, never on the window: a later run regenerates the same records.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, PatientZone)

// exacerbation reports whether day n (days since epoch) falls in one of the
// demo patient's exacerbations (four days every six weeks), and how far into it.
func exacerbation(n int) (bool, int) {
	if k := n % 42; k < 4 {
		return true, k
	}
	return false, 0
}

// Records returns a realistic, deterministic history of days days ending on
// now's local date, of all six record types: daily weights drifting slowly
// around a goal, maintenance inhalers twice a day, three SpO2 readings a day
// mostly 90-96 % with readings below 88 % during exacerbations (four days
// every six weeks, with rescue inhaler doses and prednisone), walks and
// rehab sessions, water and meals. Records later than now (local) are left
// out. Every value depends only on its date, so pushing the same history
// twice changes nothing and a later run only adds the new days.
func Records(now time.Time, days int) []copd.Record {
	local := now.In(PatientZone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, PatientZone)
	var out []copd.Record
	add := func(r copd.Record) {
		t, err := time.ParseInLocation("2006-01-02 15:04", r.Date+" "+r.Time, PatientZone)
		if err == nil && t.After(local) {
			return
		}
		out = append(out, r)
	}
	first := today.AddDate(0, 0, -(days - 1))
	// The goal was set once, on a fixed day, so it does not move with the window.
	goal := envelope("seed-weight-goal", copd.TypeWeight, time.Date(2025, 6, 2, 0, 0, 0, 0, PatientZone), "07:00")
	goal.Weight, goal.Unit, goal.IsGoal = ptr(70.0), ptr("kg"), ptr(true)
	add(goal)
	for day := range days {
		d := first.AddDate(0, 0, day)
		date := d.Format(time.DateOnly)
		h := fnv.New64a()
		h.Write([]byte(date))
		rng := rand.New(rand.NewPCG(h.Sum64(), 0x636f7064))
		n := int(d.Sub(epoch).Hours()/24 + 0.5)
		ill, illDay := exacerbation(n)

		// Weight: about 68 kg swinging slowly below the goal, +-0.4 kg noise.
		w := envelope("seed-weight-"+date, copd.TypeWeight, d, "07:30")
		kg := 68 + 0.8*math.Sin(2*math.Pi*float64(n)/120) + (rng.Float64()-0.5)*0.8
		if ill {
			kg -= 0.3 * float64(illDay+1)
		}
		w.Weight, w.Unit, w.IsGoal = ptr(math.Round(kg*10)/10), ptr("kg"), ptr(false)
		add(w)

		// Maintenance inhalers.
		for _, m := range []struct{ id, tm, name, dose string }{
			{"tiotropium-am", "08:00", "Tiotropium (Spiriva Respimat)", "2 puffs"},
			{"budesonide-formoterol-am", "08:05", "Budesonide/formoterol (Symbicort)", "2 puffs"},
			{"budesonide-formoterol-pm", "20:00", "Budesonide/formoterol (Symbicort)", "2 puffs"},
		} {
			if rng.IntN(30) == 0 {
				continue // a missed dose now and then
			}
			r := envelope("seed-med-"+m.id+"-"+date, copd.TypeMedication, d, m.tm)
			r.Name, r.Dosage, r.MedicationType = ptr(m.name), ptr(m.dose), ptr("daily")
			add(r)
		}
		// Rescue inhaler: several doses a day during an exacerbation, rarely otherwise.
		rescue := 0
		if ill {
			rescue = 2 + rng.IntN(3)
		} else if rng.IntN(12) == 0 {
			rescue = 1
		}
		for i := range rescue {
			r := envelope(fmt.Sprintf("seed-med-albuterol-%s-%d", date, i+1), copd.TypeMedication, d, fmt.Sprintf("%02d:%02d", 10+3*i, 15+rng.IntN(30)))
			r.Name, r.Dosage, r.MedicationType = ptr("Albuterol (ProAir HFA)"), ptr("2 puffs"), ptr("exacerbation")
			add(r)
		}
		if ill && illDay == 0 {
			r := envelope("seed-med-prednisone-"+date, copd.TypeMedication, d, "09:00")
			r.Name, r.Dosage, r.MedicationType = ptr("Prednisone"), ptr("40 mg for 5 days"), ptr("exacerbation")
			add(r)
		}

		// SpO2 three times a day.
		for i, tm := range []string{"08:15", "13:00", "19:30"} {
			lvl := 90 + rng.IntN(7) // 90-96
			if ill {
				lvl = 85 + rng.IntN(5) // 85-89
			} else if rng.IntN(40) == 0 {
				lvl = 87 + rng.IntN(2) // an odd low reading
			}
			r := envelope(fmt.Sprintf("seed-oxygen-%s-%d", date, i+1), copd.TypeOxygen, d, tm)
			r.Level = ptr(float64(lvl))
			add(r)
		}

		// Exercise: rehab on Tuesdays and Thursdays, walks most other days.
		switch {
		case ill:
		case d.Weekday() == time.Tuesday || d.Weekday() == time.Thursday:
			r := envelope("seed-exercise-"+date, copd.TypeExercise, d, "10:00")
			r.ExerciseType, r.Minutes = ptr("pulmonary rehab"), ptr(float64(40+5*rng.IntN(3)))
			add(r)
		case rng.IntN(5) != 0:
			r := envelope("seed-exercise-"+date, copd.TypeExercise, d, "16:00")
			r.ExerciseType, r.Minutes = ptr("walking"), ptr(float64(10+5*rng.IntN(5)))
			add(r)
		}

		// Water: four to six glasses or cups.
		for i := range 4 + rng.IntN(3) {
			r := envelope(fmt.Sprintf("seed-water-%s-%d", date, i+1), copd.TypeWater, d, fmt.Sprintf("%02d:30", 8+2*i))
			if i%2 == 0 {
				r.Amount, r.Unit = ptr(250.0), ptr("ml")
			} else {
				r.Amount, r.Unit = ptr(1.0), ptr("cup")
			}
			add(r)
		}

		// Meals.
		for _, m := range []struct{ meal, tm string }{{"breakfast", "07:45"}, {"lunch", "12:30"}, {"dinner", "18:30"}} {
			f := foods[m.meal][rng.IntN(len(foods[m.meal]))]
			r := envelope("seed-food-"+m.meal+"-"+date, copd.TypeFood, d, m.tm)
			r.Meal, r.Category, r.Description, r.Calories = ptr(m.meal), ptr(f.category), ptr(f.description), ptr(f.calories)
			add(r)
		}
		if rng.IntN(3) == 0 {
			f := foods["snack"][rng.IntN(len(foods["snack"]))]
			r := envelope("seed-food-snack-"+date, copd.TypeFood, d, "15:30")
			r.Meal, r.Category, r.Description, r.Calories = ptr("snack"), ptr(f.category), ptr(f.description), ptr(f.calories)
			add(r)
		}
	}
	return out
}

type food struct {
	category, description string
	calories              float64
}

var foods = map[string][]food{
	"breakfast": {
		{"grains", "Oatmeal with banana and walnuts", 380},
		{"protein", "Scrambled eggs on whole-wheat toast", 420},
		{"dairy", "Greek yogurt with berries and granola", 350},
	},
	"lunch": {
		{"protein", "Chicken and vegetable soup with crackers", 450},
		{"protein", "Tuna salad sandwich", 520},
		{"vegetables", "Lentil salad with feta", 480},
	},
	"dinner": {
		{"protein", "Baked salmon, rice and green beans", 610},
		{"protein", "Turkey meatballs with pasta", 680},
		{"vegetables", "Vegetable stir-fry with tofu and noodles", 560},
	},
	"snack": {
		{"fruit", "Apple with peanut butter", 250},
		{"dairy", "Cheese and crackers", 220},
		{"supplement", "Nutrition shake (Ensure Plus)", 350},
	},
}

func envelope(id string, t copd.RecordType, day time.Time, tm string) copd.Record {
	date := day.Format(time.DateOnly)
	return copd.Record{ID: id, Type: t, Date: date, Time: tm, UpdatedAt: date + "T" + tm + ":00-05:00"}
}

func ptr[T any](v T) *T { return &v }

// History is a synthetic history for load, growth and paging checks (not
// the demo data): four records a day (water, oxygen, exercise, food) for
// days local dates ending on end's UTC date, newest first. The food entry's
// description is lunch plus " on <date>", so callers choose the item size.
func History(end time.Time, days int, lunch string) []copd.Record {
	var out []copd.Record
	for i := range days {
		d := end.UTC().AddDate(0, 0, -i).Format(time.DateOnly)
		upd := d + "T09:00:00Z"
		lvl, mins, ml := float64(86+i%10), float64(10+i%30), float64(250+i%4*50)
		out = append(out,
			copd.Record{ID: "h-" + d, Type: copd.TypeWater, Date: d, UpdatedAt: upd, Amount: &ml, Unit: aws.String("ml")},
			copd.Record{ID: "o-" + d, Type: copd.TypeOxygen, Date: d, Time: "08:00", UpdatedAt: upd, Level: &lvl},
			copd.Record{ID: "e-" + d, Type: copd.TypeExercise, Date: d, UpdatedAt: upd, ExerciseType: aws.String("walking"), Minutes: &mins},
			copd.Record{ID: "f-" + d, Type: copd.TypeFood, Date: d, UpdatedAt: upd, Meal: aws.String("lunch"), Category: aws.String("soup"),
				Description: aws.String(lunch + " " + d)},
		)
	}
	return out
}
