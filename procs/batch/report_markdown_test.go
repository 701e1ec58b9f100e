package batch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/imgpar/imgpar/engine"
)

func TestWriteMarkdown(t *testing.T) {
	r := &Report{Total: 60, OK: 3, Failed: 57, BytesIn: 3 << 20, BytesOut: 1 << 20, Procs: 2, Threads: 1, Shard: "1/2",
		DurationMs: 4000, ProcessingMs: 1500, RunFilesPerSec: 15, ProcessingFilesPerSec: 40}
	r.Failures = append(r.Failures, engine.Failure{Path: "a|b`c.jpg", Error: "a|b`c.jpg: <script>\nsecond line"})
	for i := range 56 {
		r.Failures = append(r.Failures, engine.Failure{Path: fmt.Sprintf("f%02d.jpg", i), Error: "bad"})
	}
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"### ❌ imgpar: done, 3 ok, 57 failed, 0 skipped\n",
		"| out / in | 33.3% |\n",
		"| workers | 2 × 1 threads |\n",
		"| time processing | 1.50s |\n",
		"| files/s over the run | 15.0 |\n",
		"| files/s processing | 40.0 |\n",
		"| shard | 1/2 |\n",
		"| `a\\|b'c.jpg` | a\\|b`c.jpg: &lt;script&gt; second line |\n",
		"| … | 7 more failures: see the JSON report |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Every table row has the columns of its header: no cell broke the table.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 3 {
			t.Errorf("row with a broken cell: %q", line)
		}
	}
	if n := strings.Count(md, "| `f"); n != maxMarkdownFailures-1 {
		t.Errorf("%d failure rows for f*.jpg, want %d", n, maxMarkdownFailures-1)
	}

	r.Interrupted, r.Failed, r.Failures = true, 0, nil
	b.Reset()
	r.WriteMarkdown(&b)
	if !strings.HasPrefix(b.String(), "### ⚠️ imgpar: interrupted") || strings.Contains(b.String(), "Failures") {
		t.Errorf("interrupted report:\n%s", b.String())
	}
}
