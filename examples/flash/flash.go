// Package flash keeps one-time messages in the session ("Welcome back",
// "Added to your cart"): Add stores a message, Pop returns the messages
// and removes them, so each is shown once, on the next page.
package flash

import "github.com/sessionkit/sessionkit"

// Key is the session key the messages are kept under.
const Key = "_flash"

// Add appends msg to the session's messages.
func Add(s *sessionkit.Session, msg string) {
	msgs, _ := sessionkit.Get[[]string](s, Key)
	s.Set(Key, append(msgs, msg))
}

// Pop returns the session's messages, oldest first, and removes them. A
// session without messages is not modified.
func Pop(s *sessionkit.Session) []string {
	msgs, _ := sessionkit.Pop[[]string](s, Key)
	return msgs
}
