package auth_test

import (
	"context"
	"fmt"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/auth"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// Log a user in from Go so that Django accepts the session, then ask who
// is logged in, as Django's get_user does. With Django's database, Users
// would be &auth.DB{DB: db}.
func Example() {
	ctx := context.Background()
	users := auth.StaticUsers{{ID: "1", Username: "alice", Password: auth.EncodePBKDF2("wonderland", auth.NewSalt(), 1000)}}
	a := &auth.Auth{Users: users, SecretKey: "the Django app's SECRET_KEY"}

	m := sessionkit.New(memstore.New(0))
	sess := m.Open(ctx, "")
	if _, err := a.Authenticate(ctx, "alice", "wrong"); err != nil {
		fmt.Println(err)
	}
	u, err := a.Authenticate(ctx, "alice", "wonderland")
	if err != nil {
		panic(err)
	}
	if err := a.Login(ctx, sess, u); err != nil {
		panic(err)
	}
	fmt.Println(sess.Get(auth.SessionKey), sess.Get(auth.BackendSessionKey))

	who, _ := a.User(ctx, sess)
	fmt.Println(who.Username)

	auth.Logout(sess)
	who, _ = a.User(ctx, sess)
	fmt.Println(who == nil)
	// Output:
	// auth: wrong username or password, or the account is inactive
	// 1 django.contrib.auth.backends.ModelBackend
	// alice
	// true
}

func ExampleCheckPassword() {
	ok, err := auth.CheckPassword("lètmein", "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=")
	fmt.Println(ok, err)
	// Output: true <nil>
}
