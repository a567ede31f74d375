package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Exit codes, documented in the top-level help.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitAuth        = 4
	exitRateLimited = 5
	exitPartial     = 6 // some accounts of a fleet failed; the others' answers were printed
	// exitInterrupted is a command ended by SIGINT or SIGTERM, as a shell reports a
	// process ended by SIGINT (128+2).
	exitInterrupted = 130
)

// errInterrupted is the cause of the context main cancels on SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted")

// app is one invocation's environment: where output goes, how the environment and the
// clock are read. Tests build it directly with a fixed clock.
type app struct {
	stdin    io.Reader // no command reads it yet; kept so tests and main inject it
	stdout   io.Writer
	stderr   io.Writer
	getenv   func(string) string
	now      func() time.Time
	progress bool // stderr is a terminal: show progress lines for long listings

	// secret is the API key in use, scrubbed from any error printed, as a last defence.
	secret string
	// secrets are the keys of the configured accounts, scrubbed the same way.
	secrets []string
	// listing counts the items a fleet command lists, for the progress line.
	listing *fleetProgress
	// sleep, when set, makes the pauses of verify --wait (tests); nil waits on a timer.
	sleep func(ctx context.Context, d time.Duration) error
	// simReady, when set, receives the simulator's listen address once it serves (tests).
	simReady func(addr string)
	// demoACME is the ACME CA anyca demo walks after the other two (nil: none).
	demoACME *demoACME
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now, progress: isTerminal(stderr)}
	return a.run(ctx, args)
}

// isTerminal reports whether w is a character device (a terminal), without dependencies.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// usageError is a mistake in the command line or configuration: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// command is one subcommand: its help text and what it runs.
type command struct {
	name  string // "certs list"
	short string
	help  string // the usage line, description and examples
	flags func(fs *flag.FlagSet, o *cmdOpts)
	// local commands (sim, demo, version) take no provider configuration flags.
	local bool
	// noOutput commands (sim, demo) have no -o: their output is for people only.
	noOutput bool
	// arg names the one positional argument the command takes, as a usage error says it
	// ("the certificate ID"); "" when it takes none. run is called only with that many.
	arg string
	// check, when set, refuses or converts the parsed flag values (a usage error) before
	// any configuration is read.
	check func(o *cmdOpts) error
	run   func(ctx context.Context, a *app, o *cmdOpts, args []string) error
}

// onProvider adapts a command that asks the configured provider about its one
// positional argument: the provider is built once the command line has been checked.
func onProvider(run func(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, arg string) error) func(context.Context, *app, *cmdOpts, []string) error {
	return func(ctx context.Context, a *app, o *cmdOpts, args []string) error {
		p, err := a.provider(ctx, &o.globalOpts)
		if err != nil {
			return err
		}
		return run(ctx, a, o, p, args[0])
	}
}

func (a *app) run(ctx context.Context, args []string) int {
	var g globalOpts
	var showVersion bool
	fs := newFlagSet("anyca")
	g.register(fs)
	fs.BoolVar(&showVersion, "version", false, "print the version and the registered providers")
	if err := fs.Parse(args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			return a.fail(usagef("%v", err), "")
		}
		// "anyca --help certs list": the help of the command named after the flag.
		rest, err := commandAfterHelp(args)
		if err != nil || len(rest) == 0 {
			a.topHelp(a.stdout)
			return exitOK
		}
		args = append([]string{"help"}, rest...)
		g = globalOpts{}
		fs = newFlagSet("anyca")
		g.register(fs)
		_ = fs.Parse(args)
	}
	rest := fs.Args()
	if showVersion {
		rest = []string{"version"}
	}
	if len(rest) == 0 {
		a.topHelp(a.stderr)
		return exitUsage
	}
	if rest[0] == "help" {
		if len(rest) == 1 {
			a.topHelp(a.stdout)
			return exitOK
		}
		rest = rest[1:]
		if group := groupCommands(rest[0]); len(rest) == 1 && len(group) > 1 {
			a.groupHelp(a.stdout, rest[0], group)
			return exitOK
		} else if len(rest) == 1 && len(group) == 1 {
			rest = strings.Fields(group[0].name) // "help certs": the group's one command
		}
		rest = append(rest, "--help")
	}
	cmd, args, err := lookupCommand(rest)
	if err != nil {
		return a.fail(err, "")
	}
	o := &cmdOpts{globalOpts: g}
	cfs := newFlagSet("anyca " + cmd.name)
	switch {
	case cmd.local && cmd.noOutput:
	case cmd.local:
		o.globalOpts.registerOutput(cfs)
	case cmd.noOutput:
		o.globalOpts.registerConfig(cfs)
	default:
		o.globalOpts.register(cfs)
	}
	if cmd.flags != nil {
		cmd.flags(cfs, o)
	}
	pos, err := parseInterspersed(cfs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.commandHelp(a.stdout, cmd, cfs)
			return exitOK
		}
		return a.fail(usagef("%v", err), cmd.name)
	}
	if o.output != "table" && o.output != "json" {
		return a.fail(usagef("-o must be table or json, not %q", o.output), cmd.name)
	}
	if err := cmd.checkArgs(pos); err != nil {
		return a.fail(err, cmd.name)
	}
	if cmd.check != nil {
		if err := cmd.check(o); err != nil {
			return a.fail(err, cmd.name)
		}
	}
	if err := cmd.run(ctx, a, o, pos); err != nil {
		if errors.Is(context.Cause(ctx), errInterrupted) {
			// What the command was doing when interrupted is of no interest: say it once.
			fmt.Fprintln(a.stderr, "anyca: interrupted")
			return exitInterrupted
		}
		return a.fail(err, cmd.name)
	}
	return exitOK
}

// commandAfterHelp returns the words after the global flags of args once every help
// flag is taken out: "--help certs list" gives "certs list".
func commandAfterHelp(args []string) ([]string, error) {
	var keep []string
	for _, s := range args {
		switch s {
		case "-h", "-help", "--help", "-h=true", "--help=true":
		default:
			keep = append(keep, s)
		}
	}
	var g globalOpts
	fs := newFlagSet("anyca")
	g.register(fs)
	fs.Bool("version", false, "")
	if err := fs.Parse(keep); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// groupCommands returns the commands whose first word is word ("cert" gives "cert get"),
// in the help's order.
func groupCommands(word string) []*command {
	var out []*command
	for i := range commands {
		if strings.Fields(commands[i].name)[0] == word {
			out = append(out, &commands[i])
		}
	}
	return out
}

// lookupCommand finds the command named by the first one or two words of args. The
// second word of a two-word command may follow the first one's flags ("certs -o json
// list"): the first later word that completes a command name is taken as its verb.
func lookupCommand(args []string) (*command, []string, error) {
	if c, rest, ok := matchCommand(args); ok {
		return c, rest, nil
	}
	for i := 2; i < len(args); i++ {
		if args[i] == "--" {
			break
		}
		moved := append([]string{args[0], args[i]}, args[1:i]...)
		moved = append(moved, args[i+1:]...)
		if c, rest, ok := matchCommand(moved); ok && len(strings.Fields(c.name)) == 2 {
			return c, rest, nil
		}
	}
	// A known group without its verb ("certs") or an unknown word.
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(words) == 2 && words[0] == args[0] {
			verb := ""
			if len(args) > 1 {
				verb = " " + args[1]
			}
			return nil, nil, usagef("unknown command %q; did you mean %q?", args[0]+verb, commands[i].name)
		}
	}
	return nil, nil, usagef("unknown command %q; run 'anyca --help' for the list", args[0])
}

// matchCommand finds the command whose words start args, the longest name first (the
// command list puts "sim publish" before "sim").
func matchCommand(args []string) (*command, []string, bool) {
	for i := range commands {
		c := &commands[i]
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return nil, nil, false
}

// newFlagSet returns a flag set that reports errors to the caller instead of printing.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseInterspersed parses flags placed before, between or after positional arguments
// ("cert get 123 -o json"). Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	for i, s := range args {
		if s == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return append(pos, tail...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// fail prints err as one line on stderr and returns its exit code.
func (a *app) fail(err error, cmd string) int {
	code := exitCode(err)
	// Redact (raw and escaped forms) before display escapes, so the forms still match.
	msg := oneLine(err.Error())
	for _, s := range append([]string{a.secret}, a.secrets...) {
		msg = retry.RedactKey(msg, s)
	}
	msg = display(msg)
	if !strings.HasPrefix(msg, "anyca") {
		msg = "anyca: " + msg
	}
	fmt.Fprintln(a.stderr, msg)
	if code == exitUsage {
		if cmd != "" {
			fmt.Fprintf(a.stderr, "run 'anyca %s --help' for usage\n", cmd)
		}
	}
	return code
}

// exitCode maps an error to the documented exit code. The error's kind decides first:
// a lookup refused as malformed by an adapter may also wrap ErrInvalidArgument.
func exitCode(err error) int {
	var ue *usageError
	var fe *fleetError
	if err == nil {
		return exitOK
	}
	if errors.As(err, &fe) {
		return fe.exitCode()
	}
	if errors.As(err, &ue) {
		return exitUsage
	}
	var vf *anyca.ValidationFailedError
	if errors.As(err, &vf) {
		return exitDCVFailed
	}
	var ou *outcomeUnknownError
	if errors.As(err, &ou) {
		return exitOutcomeUnknown
	}
	switch model.KindOf(err) {
	case model.ErrNotFound:
		return exitNotFound
	case model.ErrUnauthenticated, model.ErrPermissionDenied:
		return exitAuth
	case model.ErrRateLimited:
		return exitRateLimited
	case model.ErrInvalidArgument:
		return exitUsage
	}
	return exitError
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
