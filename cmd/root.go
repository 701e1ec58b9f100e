// Package cmd holds imgpar's cobra commands: each turns flags into an
// options struct and calls engine/ or procs/. No logic lives here.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitEmpty       = 3 // with --fail-on-empty
	ExitInterrupted = 130
)

// exitCodesHelp ends the help of commands that process files and the root's.
// The blank line and four-space indent make the list a preformatted block in
// the generated markdown and man pages, as it reads in --help.
const exitCodesHelp = `Exit codes:

    0    every input processed (skipped files are fine)
    1    at least one input failed
    2    usage or setup error (unknown flag, no such path, output not
         writable, conflicting outputs, a bad IMGPAR_* value)
    3    nothing to process in the PATHs, with --fail-on-empty (without
         it: a warning on stderr and 0)
    130  interrupted (SIGINT/SIGTERM)`

// envHelp lists the environment variables imgpar reads besides IMGPAR_<FLAG>.
const envHelp = `    CI                       when set, --progress auto prints plain status lines
    NO_COLOR                 when set, no colour codes in the progress bar
    JOB_COMPLETION_INDEX     with IMGPAR_SHARDS: the shard of a Kubernetes
                             Indexed Job when --shard is absent
    SLURM_ARRAY_TASK_ID      with SLURM_ARRAY_TASK_COUNT: the shard of a Slurm
                             job array when --shard is absent`

// exitError carries an exit code up to Main.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError marks errors that should print the usage hint and exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Main runs the command line and returns the process exit code. A worker
// (procs.WorkerCommand, how procs starts this binary) skips cobra: it takes
// no flags or environment defaults, only what the handshake sends.
func Main() int {
	if len(os.Args) > 1 && os.Args[1] == procs.WorkerCommand {
		return procs.WorkerMain(context.Background(), nil)
	}
	catchSIGPIPE()
	return run(os.Args[1:], os.Stdin, newPipeWriter(os.Stdout), newPipeWriter(os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "imgpar: %s\n", firstLine(err.Error()))
	if s := suggestions(err.Error()); s != "" {
		fmt.Fprintf(stderr, "Did you mean %s?\n", s)
	}
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, engine.ErrUsage) || isFlagError(err) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return ExitUsage
	}
	return ExitUsage
}

func firstLine(s string) string {
	s = strings.TrimPrefix(s, engine.ErrUsage.Error()+": ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// suggestions picks the commands cobra suggests for a mistyped one out of
// its multi-line error ("Did you mean this?\n\tprocess\n").
func suggestions(msg string) string {
	_, after, ok := strings.Cut(msg, "Did you mean this?\n")
	if !ok {
		return ""
	}
	var names []string
	for _, l := range strings.Split(after, "\n") {
		if n := strings.TrimSpace(l); n != "" {
			names = append(names, "'"+n+"'")
		}
	}
	return strings.Join(names, " or ")
}

func isFlagError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "flag") || strings.Contains(s, "unknown command") || strings.Contains(s, "arg(s)")
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "imgpar",
		Short: "Resize and recompress images, or crunch number arrays, on every core",
		Long: `imgpar is a batch processor for CPU-heavy work on many files. It runs N worker
processes (re-executions of itself), each with a pool of M goroutines, hands
them jobs over newline-delimited JSON, restarts workers that die and retries
their jobs.

Environment:

    IMGPAR_<FLAG>            every flag of process, e.g. IMGPAR_PROCS=4
` + envHelp + `

` + exitCodesHelp,
		Example: `  imgpar process ./photos -o ./processed
  imgpar process ./photos --shard 2/3 --report shard-2.json
  imgpar report merge shard-*.json > report.json`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetVersionTemplate("imgpar {{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(withEnvHelp(newProcessCmd()), newServeCmd(), newReportCmd(), newGenDocsCmd())
	return root
}

// envDefaults applies IMGPAR_<FLAG> environment variables to flags the user
// did not set: flag > environment > default. An empty variable counts as
// unset, as CI systems often define every variable a matrix may use.
func envDefaults(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		key := envName(f.Name)
		if v := os.Getenv(key); v != "" {
			if f.Annotations == nil {
				f.Annotations = map[string][]string{}
			}
			f.Annotations[fromEnvAnnotation] = []string{key}
			if e := fs.Set(f.Name, v); e != nil { // marks the flag Changed, as if given
				err = usageError{fmt.Errorf("%s=%q: not a valid --%s (want %s)", key, v, f.Name, valueKind(f))}
			}
		}
	})
	return err
}

// valueKind names what a flag's value must look like, for error messages.
func valueKind(f *pflag.Flag) string {
	switch t := f.Value.Type(); t {
	case "bool":
		return "true or false"
	case "int", "int64":
		return "a whole number"
	case "duration":
		return "a duration such as 90s or 5m"
	default:
		return "a " + t
	}
}

// fromEnvAnnotation marks a flag whose value came from the environment.
const fromEnvAnnotation = "imgpar_from_env"

// setOnCommandLine reports whether the user gave the flag on the command
// line (not through IMGPAR_*).
func setOnCommandLine(fs *pflag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	return f != nil && f.Changed && len(f.Annotations[fromEnvAnnotation]) == 0
}

func envName(flag string) string {
	return "IMGPAR_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// withEnvHelp appends to c's help (and so to its man page and docs/cli page)
// the IMGPAR_<FLAG> variables that envDefaults reads for its flags.
func withEnvHelp(c *cobra.Command) *cobra.Command {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			names = append(names, envName(f.Name))
		}
	})
	var b strings.Builder
	b.WriteString("\n\nEnvironment:\n\n")
	b.WriteString("    IMGPAR_<FLAG>            sets --<flag> (dashes as underscores) when the flag\n")
	b.WriteString("                             is not given: flag > environment > default;\n")
	b.WriteString("                             an empty value counts as unset\n")
	b.WriteString(envHelp)
	b.WriteString("\n\n    Read:")
	col := len("    Read:")
	for _, n := range names {
		if col+1+len(n) > 78 {
			b.WriteString("\n         ")
			col = len("         ")
		}
		b.WriteString(" " + n)
		col += 1 + len(n)
	}
	c.Long += b.String()
	return c
}
