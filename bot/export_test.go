package bot

// UserState reports how many conversations and rate limiters b keeps in memory.
func UserState(b *Bot) (convs, limiters int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.convs), len(b.limiters)
}
