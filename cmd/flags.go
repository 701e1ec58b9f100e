package cmd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/imgpar/imgpar/engine"
)

// optionError words the engine's typed usage errors with the flags of
// the command line; other errors pass through.
func optionError(err error) error {
	var oe *engine.OptionError
	var ce *engine.ConflictError
	var ow *engine.OverwriteError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Inputs[0] == ce.Inputs[1]:
		return usageError{fmt.Errorf("%s: two renditions would both write %s (use a --name template with {width} or {height}, and {ext} or {format})", ce.Inputs[0], ce.Output)}
	case errors.As(err, &ce):
		return usageError{fmt.Errorf("%v (use --on-conflict suffix, or a --name template with {ext})", ce)}
	case errors.As(err, &ow):
		return usageError{fmt.Errorf("%v (choose another --out, or pass --in-place)", ow)}
	case !errors.As(err, &oe):
		return err
	case oe.With != "":
		return usageError{fmt.Errorf("--%s and --%s are two spellings of one thing: give one", oe.Option, strings.ReplaceAll(oe.With, "/", "/--"))}
	}
	return usageError{fmt.Errorf("--%s %s: %s", oe.Option, oe.Value, oe.Reason)}
}

// memLimitFlag parses --mem-limit; "" is 0, the default budget.
func memLimitFlag(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := parseBytes(s)
	if err != nil || n <= 0 {
		return 0, usageError{fmt.Errorf("--mem-limit %q: want a size such as 512MiB or 2GB", s)}
	}
	return n, nil
}

func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	units := []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return int64(f * float64(mult)), nil
}
