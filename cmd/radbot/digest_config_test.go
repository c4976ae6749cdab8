package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// london is the zone the digest tests schedule in.
func london(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDigestConfig: report.digest's defaults, an accepted configuration, and one rule per field.
func TestDigestConfig(t *testing.T) {
	t.Parallel()
	d := DefaultConfig().Report.Digest
	if d.Enabled || d.Weekday != "monday" || d.Time != "09:00" || d.Timezone != "Europe/London" {
		t.Errorf("digest defaults = %+v", d)
	}
	cfg, err := ParseConfig([]byte("report:\n  digest:\n    enabled: true\n    platform: discord\n" +
		"    channel: \"600000000000000001\"\n    weekday: Friday\n    time: 17:30\n    timezone: America/New_York\n"))
	if err != nil {
		t.Fatalf("a good digest configuration was refused: %v", err)
	}
	sched, err := cfg.Report.Digest.schedule()
	if err != nil || sched.day != time.Friday || sched.hour != 17 || sched.min != 30 || sched.loc.String() != "America/New_York" {
		t.Errorf("schedule = %+v, %v", sched, err)
	}

	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"enabled without platform or channel", "report:\n  digest:\n    enabled: true\n",
			[]string{"report.digest.platform: must be slack or discord (report.digest.enabled is true)",
				"report.digest.channel: must be the id of the maintainers' channel (report.digest.enabled is true)"}},
		{"unknown platform", "report:\n  digest:\n    platform: teams\n", []string{`report.digest.platform: "teams" must be slack or discord`}},
		{"slack channel name", "report:\n  digest:\n    platform: slack\n    channel: \"#maintainers\"\n",
			[]string{`report.digest.channel: "#maintainers" is not a Slack channel id`}},
		{"discord channel name", "report:\n  digest:\n    platform: discord\n    channel: maintainers\n",
			[]string{`report.digest.channel: "maintainers" is not a Discord channel id`}},
		{"weekday", "report:\n  digest:\n    weekday: mon\n", []string{`report.digest.weekday: "mon" must be a day of the week`}},
		{"time", "report:\n  digest:\n    time: 9am\n", []string{`report.digest.time: "9am" must be a time on the 24-hour clock`}},
		{"time out of range", "report:\n  digest:\n    time: \"24:00\"\n", []string{`report.digest.time: "24:00" must be a time`}},
		{"timezone", "report:\n  digest:\n    timezone: London\n", []string{`report.digest.timezone: "London" is not a time zone`}},
		{"timezone Local", "report:\n  digest:\n    timezone: Local\n", []string{`report.digest.timezone: "Local" must name a time zone`}},
		{"unknown key", "report:\n  digest:\n    chanel: C0MAINT0001\n",
			[]string{"unknown key report.digest.chanel at line 3 (did you mean report.digest.channel?)"}},
		{"not a bool", "report:\n  digest:\n    enabled: weekly\n", []string{`report.digest.enabled: "weekly" is not true or false`}},
		{"every field at once", "report:\n  digest:\n    enabled: true\n    platform: email\n    weekday: someday\n    time: noon\n    timezone: Mars/Olympus\n",
			[]string{"report.digest.platform:", "report.digest.channel:", "report.digest.weekday:", "report.digest.time:", "report.digest.timezone:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tt.yaml))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig = %v, want a *ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error has no %q:\n%v", w, err)
				}
			}
			if tt.name != "every field at once" && len(ce.Problems) != len(tt.want) {
				t.Errorf("%d problems, want %d (one per field):\n%v", len(ce.Problems), len(tt.want), err)
			}
		})
	}
}

// TestDigestSchedule: the next and previous runs, on the zone's wall clock, across weekdays, the end
// of a year and the summer-time changes of Europe/London and America/New_York.
func TestDigestSchedule(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	mon9 := weeklySchedule{day: time.Monday, hour: 9, loc: london(t)}
	tests := []struct {
		name       string
		sched      weeklySchedule
		from       time.Time
		next, prev time.Time
	}{
		{"a minute before", mon9, utc(2026, 11, 30, 8, 59), utc(2026, 11, 30, 9, 0), utc(2026, 11, 23, 9, 0)},
		{"on the minute", mon9, utc(2026, 11, 30, 9, 0), utc(2026, 12, 7, 9, 0), utc(2026, 11, 30, 9, 0)},
		{"mid-week", mon9, utc(2026, 12, 2, 12, 0), utc(2026, 12, 7, 9, 0), utc(2026, 11, 30, 9, 0)},
		{"late on Sunday", mon9, utc(2026, 12, 6, 23, 59), utc(2026, 12, 7, 9, 0), utc(2026, 11, 30, 9, 0)},
		{"into summer time (29 Mar)", mon9, utc(2026, 3, 27, 12, 0), utc(2026, 3, 30, 8, 0), utc(2026, 3, 23, 9, 0)},
		{"out of summer time (25 Oct)", mon9, utc(2026, 10, 23, 12, 0), utc(2026, 10, 26, 9, 0), utc(2026, 10, 19, 8, 0)},
		{"Friday evening", weeklySchedule{day: time.Friday, hour: 17, min: 30, loc: london(t)}, utc(2026, 11, 30, 9, 0),
			utc(2026, 12, 4, 17, 30), utc(2026, 11, 27, 17, 30)},
		{"over new year", weeklySchedule{day: time.Thursday, hour: 9, loc: london(t)}, utc(2026, 12, 31, 10, 0),
			utc(2027, 1, 7, 9, 0), utc(2026, 12, 31, 9, 0)},
		{"New York into summer time (8 Mar)", weeklySchedule{day: time.Monday, hour: 9, loc: ny}, utc(2026, 3, 6, 12, 0),
			utc(2026, 3, 9, 13, 0), utc(2026, 3, 2, 14, 0)},
		{"UTC midnight", weeklySchedule{day: time.Sunday, loc: time.UTC}, utc(2026, 11, 28, 12, 0),
			utc(2026, 11, 29, 0, 0), utc(2026, 11, 22, 0, 0)},
	}
	for _, tt := range tests {
		if got := tt.sched.next(tt.from).at; !got.Equal(tt.next) {
			t.Errorf("%s: next(%v) = %v, want %v", tt.name, tt.from, got.UTC(), tt.next)
		}
		if got := tt.sched.prev(tt.from).at; !got.Equal(tt.prev) {
			t.Errorf("%s: prev(%v) = %v, want %v", tt.name, tt.from, got.UTC(), tt.prev)
		}
	}

	// Two years of runs: every one on Monday at 09:00 London time, a week of dates apart, 168 hours
	// apart except 167 and 169 across the changes.
	run := mon9.next(utc(2026, 1, 1, 0, 0))
	for range 104 {
		next := mon9.next(run.at)
		local := next.at.In(mon9.loc)
		if local.Weekday() != time.Monday || local.Hour() != 9 || local.Minute() != 0 {
			t.Fatalf("a run at %v", local)
		}
		if h := next.at.Sub(run.at).Hours(); h != 168 && h != 167 && h != 169 {
			t.Fatalf("%v to %v is %vh", run.at, next.at, h)
		}
		if prev := mon9.prev(next.at.Add(-time.Second)); prev.key != run.key {
			t.Fatalf("prev just before %s is %s, want %s", next.key, prev.key, run.key)
		}
		run = next
	}
}

// TestDigestScheduleInSummerTimeChanges: a time that does not exist (01:30 on 29 Mar 2026 in London)
// still runs once that day, and a time that happens twice (01:30 on 25 Oct 2026) runs once.
func TestDigestScheduleInSummerTimeChanges(t *testing.T) {
	t.Parallel()
	sun := weeklySchedule{day: time.Sunday, hour: 1, min: 30, loc: london(t)}
	for _, tt := range []struct {
		name, key, after string
		from             time.Time
	}{
		{"the hour skipped", "2026-03-29", "2026-04-05", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)},
		{"the hour repeated", "2026-10-25", "2026-11-01", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)},
	} {
		run := sun.next(tt.from)
		if run.key != tt.key {
			t.Errorf("%s: next run %s (%v), want one on %s", tt.name, run.key, run.at, tt.key)
		}
		day := time.Date(run.at.Year(), run.at.Month(), run.at.Day(), 0, 0, 0, 0, time.UTC)
		if run.at.Before(day) || run.at.After(day.Add(2*time.Hour)) {
			t.Errorf("%s: run at %v, want between 00:00 and 02:00 UTC that day", tt.name, run.at)
		}
		// Every moment of that night and the next morning sees the same run as the last one.
		for at := run.at; at.Before(run.at.Add(6 * time.Hour)); at = at.Add(15 * time.Minute) {
			if got := sun.prev(at); got.key != tt.key || !got.at.Equal(run.at) {
				t.Errorf("%s: prev(%v) = %s %v", tt.name, at, got.key, got.at)
			}
			if got := sun.next(at); got.key != tt.after {
				t.Errorf("%s: next(%v) = %s, want %s", tt.name, at, got.key, tt.after)
			}
		}
	}
}
