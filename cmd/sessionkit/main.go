// Command sessionkit runs the sessionkit playground and works with
// Django-compatible sessions and signed values from the command line.
//
// Usage:
//
//	sessionkit <command> [flags] [arguments]
//
// The commands are:
//
//	decode         verify a signed token and print the JSON it carries
//	encode         sign JSON into a token Django's signing.loads accepts
//	serve          run the playground: every cookie and session operation, a shop, a JSON API
//	clearsessions  delete expired sessions (Django's manage.py clearsessions)
//	migrate        create the db engine's session table (Django's manage.py migrate sessions)
//
// Run "sessionkit help <command>" for the flags of a command. Exit status
// is 0 on success, 1 when the command ran but failed (a token that does not
// verify), and 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sessionkit/sessionkit/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // bad command line
)

// A command is one subcommand of sessionkit.
type command struct {
	name    string
	summary string // one line, for the command list
	// run runs the command with the arguments after its name and returns
	// the exit code. It writes its own usage for --help.
	run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands lists the subcommands in the order the usage shows them.
func commands() []command {
	return []command{
		{"decode", "verify a signed token and print the JSON it carries", runDecode},
		{"encode", "sign JSON into a token Django's signing.loads accepts", runEncode},
		{"serve", "run the playground: every cookie and session operation, a shop, a JSON API", runServe},
		{"clearsessions", "delete expired sessions (Django's manage.py clearsessions)", runClearSessions},
		{"migrate", "create the db engine's session table (Django's manage.py migrate sessions)", runMigrate},
		{"sessions", "list a user's sessions or log them out (list | revoke)", runSessions},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return exitOK
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 {
			usage(stdout)
			return exitOK
		}
		c, ok := findCommand(args[1])
		if !ok {
			fmt.Fprintf(stderr, "sessionkit help: unknown command %q; run 'sessionkit help' for the list\n", args[1])
			return exitUsage
		}
		return c.run(ctx, []string{"--help"}, stdin, stdout, stderr)
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "sessionkit: unknown command %q; run 'sessionkit help' for the list\n", args[0])
		return exitUsage
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `sessionkit works with Django-compatible sessions and signed values.

Usage:

	sessionkit <command> [flags] [arguments]

The commands are:

`)
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-14s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Use "sessionkit help <command>" or "sessionkit <command> --help" for more
about a command.
`)
}

// flags is a subcommand's FlagSet with its help text.
type flags struct {
	*flag.FlagSet
	usageLine string // e.g. "sessionkit decode [flags] TOKEN"
	help      string // paragraphs after the usage line
}

func newFlags(name, usageLine, help string) *flags {
	fs := flag.NewFlagSet("sessionkit "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by parse
	return &flags{FlagSet: fs, usageLine: usageLine, help: help}
}

// printUsage writes the command's help, listing flags as --name.
func (f *flags) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\nFlags:\n", f.usageLine, f.help)
	f.VisitAll(func(fl *flag.Flag) {
		arg, text := flag.UnquoteUsage(fl)
		head := "  --" + fl.Name
		if arg != "" {
			head += " " + arg
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", head, strings.ReplaceAll(text, "\n", "\n    \t"))
	})
}

// parse parses flags that may come before, between or after the
// positional arguments, which it returns; "--" ends the flags. It returns
// ok false with the exit code when the command should stop: 0 after
// printing help to stdout, 2 after a one-line error on stderr.
func (f *flags) parse(args []string, stdout, stderr io.Writer) (positional []string, code int, ok bool) {
	for {
		err := f.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			f.printUsage(stdout)
			return nil, exitOK, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v; run '%s --help' for usage\n", f.Name(), err, f.Name())
			return nil, exitUsage, false
		}
		rest := f.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), exitOK, true
		}
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports a bad command line in one line and returns exitUsage.
func (f *flags) usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "%s: %s; run '%s --help' for usage\n", f.Name(), fmt.Sprintf(format, a...), f.Name())
	return exitUsage
}

// maxInput bounds what a command reads from standard input.
const maxInput = 16 << 20

// argOrStdin returns arg, or all of stdin (up to maxInput) if arg is "-".
func argOrStdin(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	if stdin == nil {
		return "", errors.New("standard input is not available")
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("standard input is larger than %d bytes", maxInput)
	}
	return string(b), nil
}

// secretKeyFlags are the flags that give decode and encode their secret
// key.
type secretKeyFlags struct {
	key, file *string
}

// secretKeyFlagsOn defines --secret-key and --secret-key-file on f.
func secretKeyFlagsOn(f *flags) secretKeyFlags {
	return secretKeyFlags{
		file: f.String("secret-key-file", "", "read the secret key from `FILE`, which must be private to you (chmod 600) (env SESSIONKIT_SECRET_KEY_FILE)"),
		key:  f.String("secret-key", "", "the secret `KEY`: Django's SECRET_KEY. Other users see command lines (ps): prefer $SECRET_KEY or --secret-key-file"),
	}
}

// resolve returns the secret key: --secret-key, else the content of
// --secret-key-file, else $SECRET_KEY, else the content of the file
// $SESSIONKIT_SECRET_KEY_FILE names; "" if none is given. It warns on
// stderr when the key is on the command line, where other users see it.
func (k secretKeyFlags) resolve(command string, stderr io.Writer) (string, error) {
	if *k.key != "" {
		warnCommandLineSecret(stderr, command, "--secret-key")
		return *k.key, nil
	}
	if *k.file != "" {
		return config.ReadSecretKeyFile(*k.file)
	}
	if key := os.Getenv("SECRET_KEY"); key != "" {
		return key, nil
	}
	if path := os.Getenv("SESSIONKIT_SECRET_KEY_FILE"); path != "" {
		return config.ReadSecretKeyFile(path)
	}
	return "", nil
}

// warnCommandLineSecret tells that a secret given as a flag is visible to
// every user of the machine, and how to pass it instead.
func warnCommandLineSecret(stderr io.Writer, command, flagName string) {
	fmt.Fprintf(stderr, "%s: warning: %s puts a secret on the command line, where other users of this machine can read it (ps, /proc); set it in the environment (SECRET_KEY, SECRET_KEY_FALLBACKS) or use --secret-key-file\n", command, flagName)
}
