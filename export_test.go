package sessionkit

// TurnUsers is how many saves of the session under key hold or wait for
// their turn in m.
func TurnUsers(m *Manager, key string) int {
	m.turns.mu.Lock()
	defer m.turns.mu.Unlock()
	if t := m.turns.m[key]; t != nil {
		return t.users
	}
	return 0
}
