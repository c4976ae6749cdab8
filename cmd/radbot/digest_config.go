package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones built in: report.digest.timezone works on hosts without /usr/share/zoneinfo

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/slack"
)

// ReportConfig configures what RadBot reports to its maintainers without being asked.
type ReportConfig struct {
	// Digest is the weekly digest that radbot serve posts to a maintainers' channel.
	Digest DigestConfig `yaml:"digest"`
}

// DigestConfig configures the weekly digest: once a week, at Time on Weekday in Timezone, serve posts
// a short summary of the last seven days to Channel on Platform (see digest.go).
type DigestConfig struct {
	Enabled bool `yaml:"enabled"`
	// Platform is "slack" or "discord". It must be enabled as well (slack.enabled, discord.enabled);
	// if it is not, serve logs a warning and posts nothing.
	Platform string `yaml:"platform"`
	// Channel is the id of the maintainers' channel: C… on Slack, a number on Discord.
	Channel  string `yaml:"channel"`
	Weekday  string `yaml:"weekday"`  // monday … sunday
	Time     string `yaml:"time"`     // 24-hour clock in Timezone, e.g. "09:00"
	Timezone string `yaml:"timezone"` // an IANA name, e.g. Europe/London; summer time is followed
}

// validate checks each field with one rule, naming it under key (report.digest).
func (d DigestConfig) validate(key string, bad func(key, format string, args ...any)) {
	switch d.Platform {
	case "slack", "discord":
	case "":
		if d.Enabled {
			bad(key+".platform", "must be slack or discord (%s.enabled is true)", key)
		}
	default:
		bad(key+".platform", "%q must be slack or discord", d.Platform)
	}
	switch {
	case d.Channel == "":
		if d.Enabled {
			bad(key+".channel", "must be the id of the maintainers' channel (%s.enabled is true)", key)
		}
	case d.Platform == "discord":
		if err := discord.CheckChannelID(d.Channel); err != nil {
			bad(key+".channel", "%v", err)
		}
	case d.Platform == "slack":
		if err := slack.CheckChannelID(d.Channel); err != nil {
			bad(key+".channel", "%v", err)
		}
	}
	if _, err := parseWeekday(d.Weekday); err != nil {
		bad(key+".weekday", "%v", err)
	}
	if _, _, err := parseClock(d.Time); err != nil {
		bad(key+".time", "%v", err)
	}
	if _, err := loadZone(d.Timezone); err != nil {
		bad(key+".timezone", "%v", err)
	}
}

// schedule returns when the digest is posted. The configuration must have passed validate.
func (d DigestConfig) schedule() (weeklySchedule, error) {
	day, err := parseWeekday(d.Weekday)
	if err != nil {
		return weeklySchedule{}, fmt.Errorf("report.digest.weekday: %w", err)
	}
	h, m, err := parseClock(d.Time)
	if err != nil {
		return weeklySchedule{}, fmt.Errorf("report.digest.time: %w", err)
	}
	loc, err := loadZone(d.Timezone)
	if err != nil {
		return weeklySchedule{}, fmt.Errorf("report.digest.timezone: %w", err)
	}
	return weeklySchedule{day: day, hour: h, min: m, loc: loc}, nil
}

func parseWeekday(s string) (time.Weekday, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToLower(d.String()) == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q must be a day of the week: monday, tuesday, wednesday, thursday, friday, saturday or sunday", s)
}

var clockRE = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)

// parseClock reads "HH:MM" on the 24-hour clock.
func parseClock(s string) (hour, min int, err error) {
	m := clockRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, 0, fmt.Errorf("%q must be a time on the 24-hour clock, such as 09:00 or 17:30", s)
	}
	hour, _ = strconv.Atoi(m[1])
	min, _ = strconv.Atoi(m[2])
	return hour, min, nil
}

// loadZone loads an IANA time zone. "" and "Local" are refused: the digest's hour must not depend on
// the host's settings.
func loadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q must name a time zone, such as Europe/London or UTC", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone (use an IANA name such as Europe/London or UTC)", name)
	}
	return loc, nil
}

// weeklySchedule is a time of the week on a zone's wall clock: it follows summer time.
type weeklySchedule struct {
	day       time.Weekday
	hour, min int
	loc       *time.Location
}

// digestSlot is one scheduled run.
type digestSlot struct {
	at  time.Time
	key string // the scheduled day's date in the zone, "2006-01-02": sortable, one per week
}

func (s weeklySchedule) String() string {
	return fmt.Sprintf("%s %02d:%02d %s", strings.ToLower(s.day.String()), s.hour, s.min, s.loc)
}

// on is the run on the given date (the schedule's time that day; in a summer-time gap, whichever
// instant time.Date picks, and in the repeated hour of autumn, one of the two: always one run).
func (s weeklySchedule) on(y int, m time.Month, d int) digestSlot {
	return digestSlot{at: time.Date(y, m, d, s.hour, s.min, 0, 0, s.loc), key: fmt.Sprintf("%04d-%02d-%02d", y, m, d)}
}

// prev is the last run at or before t.
func (s weeklySchedule) prev(t time.Time) digestSlot {
	y, m, d := t.In(s.loc).Date()
	for k := -1; ; k++ { // from tomorrow: a run in a summer-time gap may fall on the evening before its date
		day := time.Date(y, m, d-k, 12, 0, 0, 0, s.loc) // noon: the date never moves with summer time
		if day.Weekday() != s.day {
			continue
		}
		if slot := s.on(day.Date()); !slot.at.After(t) {
			return slot
		}
	}
}

// next is the first run after t.
func (s weeklySchedule) next(t time.Time) digestSlot {
	y, m, d := t.In(s.loc).Date()
	for k := 0; ; k++ {
		day := time.Date(y, m, d+k, 12, 0, 0, 0, s.loc)
		if day.Weekday() != s.day {
			continue
		}
		if slot := s.on(day.Date()); slot.at.After(t) {
			return slot
		}
	}
}
