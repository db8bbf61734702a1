package messages_test

import (
	"context"
	"fmt"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/messages"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func Example() {
	sess := sessionkit.New(memstore.New(0)).Open(context.Background(), "")

	messages.AddSuccess(sess, "Profile saved.")
	messages.Add(sess, messages.Warning, "Your card expires soon.", "billing")
	messages.AddDebug(sess, "dropped: below MESSAGE_LEVEL (INFO)")
	fmt.Println(sess.Get(messages.SessionKey))

	for _, m := range messages.Get(sess) {
		fmt.Printf("%d [%s] %s\n", m.Level, m.Tags(), m)
	}
	fmt.Println(len(messages.Get(sess)))
	// Output:
	// [["__json_message", 0, 25, "Profile saved.", ""], ["__json_message", 0, 30, "Your card expires soon.", "billing"]]
	// 25 [success] Profile saved.
	// 30 [billing warning] Your card expires soon.
	// 0
}
