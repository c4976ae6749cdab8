package discord

import "time"

// SetDeferAfter shortens how long the adapter waits for an answer before deferring, for tests.
func SetDeferAfter(a *Adapter, d time.Duration) { a.cfg.DeferAfter = d }
