package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Engine errors are typed usage errors and name no command-line flag:
// each front end words them with its own flags (cmd's optionError).
func TestPlanErrorsAreTyped(t *testing.T) {
	photo := readTestdata(t, "photos/boats-lake-landscape-420.jpg")
	in := t.TempDir()
	for _, name := range []string{"a.jpg", "a.jpeg"} {
		if err := os.WriteFile(filepath.Join(in, name), photo, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := CollectInputs([]string{in}, nil, CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jpeg := mustSpec(t, ImageOptions{Format: "jpeg"})
	_, err = BuildPlan(c, PlanOptions{OutDir: t.TempDir(), Image: jpeg})
	var ce *ConflictError
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.Output, "a.jpg") {
		t.Errorf("two inputs to one output: %v, want a ConflictError", err)
	}
	checkUsage(t, err)

	one := collectedOf(t, Input{Path: filepath.Join(in, "a.jpg"), Rel: "a.jpg"})
	_, err = BuildPlan(one, PlanOptions{OutDir: in, Image: jpeg})
	var ow *OverwriteError
	if !errors.As(err, &ow) {
		t.Errorf("output over its input: %v, want an OverwriteError", err)
	}
	checkUsage(t, err)
	if _, err := BuildPlan(one, PlanOptions{OutDir: in, Image: jpeg, InPlace: true}); err != nil {
		t.Errorf("in place allowed: %v", err)
	}

	for _, tc := range []struct{ name, suffix, option string }{
		{"{dir}/x.{ext}", "", "name"},
		{"{name}.{extension}", "", "name"},
		{"/{name}.{ext}", "", "name"},
		{"../{name}.{ext}", "", "name"},
		{"{name", "", "name"},
		{"{dir}/out.{ext}", "_s", "suffix"},
	} {
		_, err := NameTemplate(tc.name, tc.suffix)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Option != tc.option {
			t.Errorf("NameTemplate(%q, %q): %v, want an OptionError for %s", tc.name, tc.suffix, err, tc.option)
		}
		checkUsage(t, err)
	}
	_, err = ParseShard("3/2")
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Option != "shard" {
		t.Errorf("ParseShard(3/2): %v", err)
	}
	checkUsage(t, err)
}

func checkUsage(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if !errors.Is(err, ErrUsage) {
		t.Errorf("%v is not a usage error", err)
	}
	if strings.Contains(err.Error(), "--") {
		t.Errorf("%q names a flag", err)
	}
}

// A failure about an input keeps the input and the detail apart, so that a
// front end can name the input its own way.
func TestFailFile(t *testing.T) {
	r := FailFile(CodeDecode, "/tmp/x/1.in", "not a valid %s:\nbad", "PNG")
	e := r.Error
	if r.OK || e.Code != CodeDecode || e.Message != "/tmp/x/1.in: not a valid PNG: bad" || e.Input != "/tmp/x/1.in" {
		t.Errorf("FailFile: %+v", e)
	}
	if got := e.Describe("upload"); got != "upload: not a valid PNG: bad" {
		t.Errorf("Describe = %q", got)
	}
	if got := Fail(CodeIO, "disk full").Error.Describe("upload"); got != "disk full" {
		t.Errorf("Describe without detail = %q", got)
	}
}
