package engine

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// countOpens counts the files openInput opens until the test ends.
func countOpens(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	orig := openInput
	openInput = func(name string) (*os.File, error) {
		n.Add(1)
		return orig(name)
	}
	t.Cleanup(func() { openInput = orig })
	return &n
}

// A re-run over unchanged inputs plans from the manifest: it opens no
// input and leaves the manifest file as it was. A touched input with the
// same content is hashed once (and its new stamp recorded); one rewritten
// with its size and mtime put back is caught by its ctime and redone.
func TestNoOpReRunOpensNoInput(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(in, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{
		"a.jpg":     "leaf-baseline.jpg",
		"sub/b.png": "leaf-rgb8.png",
		"c.webp":    "leaf-lossy.webp",
	}
	for dst, src := range names {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "formats", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, dst), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := mustSpec(t, ImageOptions{Width: new(24)})
	plan := func() (*Plan, *Manifest) {
		t.Helper()
		c, err := CollectInputs([]string{in}, nil, CollectOptions{OutDir: out})
		if err != nil {
			t.Fatal(err)
		}
		m := LoadManifest(out, "")
		p, err := BuildPlan(c, PlanOptions{OutDir: out, Image: spec, Manifest: m})
		if err != nil {
			t.Fatal(err)
		}
		return p, m
	}
	run := func(p *Plan, m *Manifest) {
		t.Helper()
		for i := range p.Jobs {
			res := Execute(context.Background(), p.Jobs[i], 1)
			if !res.OK {
				t.Fatalf("%s: %s", p.Jobs[i].Input, res.Error.Message)
			}
			if err := m.Record(&p.Jobs[i], out, res); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Save(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	p, m := plan()
	if len(p.Jobs) != 3 {
		t.Fatalf("first plan: %d jobs, want 3", len(p.Jobs))
	}
	run(p, m)
	mpath := filepath.Join(out, ManifestName)
	before, err := os.Stat(mpath)
	if err != nil {
		t.Fatal(err)
	}

	opens := countOpens(t)
	p, m = plan()
	if len(p.Jobs) != 0 || p.UpToDate != 3 || opens.Load() != 0 {
		t.Errorf("no-op re-run: %d jobs, %d up to date, %d inputs opened; want 0, 3, 0", len(p.Jobs), p.UpToDate, opens.Load())
	}
	run(p, m)
	after, err := os.Stat(mpath)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Errorf("no-op re-run rewrote the manifest: %v %d B -> %v %d B", before.ModTime(), before.Size(), after.ModTime(), after.Size())
	}
	if _, err := os.Stat(filepath.Join(out, ".imgpar-manifest.journal")); err == nil {
		t.Error("no-op re-run left a journal")
	}

	// Touched, same content: hashed once, up to date, the new stamp kept.
	a := filepath.Join(in, "a.jpg")
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(a, old, old); err != nil {
		t.Fatal(err)
	}
	opens.Store(0)
	p, m = plan()
	if len(p.Jobs) != 0 || p.UpToDate != 3 || opens.Load() != 1 {
		t.Errorf("touched input: %d jobs, %d up to date, %d inputs opened; want 0, 3, 1", len(p.Jobs), p.UpToDate, opens.Load())
	}
	run(p, m)
	opens.Store(0)
	if p, _ = plan(); len(p.Jobs) != 0 || opens.Load() != 0 {
		t.Errorf("after the touch was recorded: %d jobs, %d inputs opened; want 0, 0", len(p.Jobs), opens.Load())
	}

	// Rewritten in place with its size and mtime put back.
	st, err := StatStamp(a)
	if err != nil || st.Ino == 0 {
		t.Skip("no inode and ctime on this system: size and mtime decide alone")
	}
	data, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x55         // entropy-coded data: still a JPEG, other pixels
	time.Sleep(10 * time.Millisecond) // a ctime tick on coarse clocks
	if err := os.WriteFile(a, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(a, old, old); err != nil {
		t.Fatal(err)
	}
	if st2, _ := StatStamp(a); st2.Size != st.Size || st2.MtimeNs != st.MtimeNs {
		t.Fatalf("stamp %+v, want size and mtime of %+v", st2, st)
	}
	p, _ = plan()
	if len(p.Jobs) != 1 || p.Jobs[0].Input != a {
		t.Errorf("rewritten input with size and mtime put back: %d jobs; want it redone", len(p.Jobs))
	}
}
