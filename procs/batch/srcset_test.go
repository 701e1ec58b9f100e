package batch

import (
	"strings"
	"testing"
)

func TestSrcsetPath(t *testing.T) {
	for _, c := range []struct{ path, shard, want string }{
		{"web/srcset.json", "", "web/srcset.json"},
		{"web/srcset.json", "2/3", "web/srcset.shard-2-of-3.json"},
		{"index", "1/2", "index.shard-1-of-2"},
	} {
		if got := SrcsetPath(c.path, c.shard); got != c.want {
			t.Errorf("SrcsetPath(%q, %q) = %q, want %q", c.path, c.shard, got, c.want)
		}
	}
}

func srcsetOf(shard string, inputs ...string) *Srcset {
	x := &Srcset{Version: 1, Out: "web", Shard: shard, Images: []SrcsetImage{}}
	for _, in := range inputs {
		x.Images = append(x.Images, SrcsetImage{Input: in})
	}
	return x
}

func TestMergeSrcsets(t *testing.T) {
	m, missing, err := MergeSrcsets([]*Srcset{srcsetOf("2/2", "p/a-c.jpg", "p/z.jpg"), srcsetOf("1/2", "p/a/b.jpg", "p/b.jpg")})
	if err != nil || len(missing) != 0 || m.Shard != "" {
		t.Fatalf("all shards: %+v %v %v", m, missing, err)
	}
	var got []string
	for _, img := range m.Images {
		got = append(got, img.Input)
	}
	// Walk order: p/a/ is walked before p/a-c.jpg, though '-' < '/'.
	if want := "p/a/b.jpg p/a-c.jpg p/b.jpg p/z.jpg"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}

	m, missing, err = MergeSrcsets([]*Srcset{srcsetOf("3/3", "c"), srcsetOf("1/3", "a")})
	if err != nil || strings.Join(missing, ",") != "2/3" || m.Shard != "1/3,3/3" {
		t.Errorf("a shard missing: shard %q, missing %v, %v", m.Shard, missing, err)
	}

	for name, idx := range map[string][]*Srcset{
		"overlap":     {srcsetOf("1/2", "a"), srcsetOf("2/2", "a")},
		"same shard":  {srcsetOf("1/2", "a"), srcsetOf("1/2", "b")},
		"different N": {srcsetOf("1/2", "a"), srcsetOf("2/3", "b")},
		"other out":   {srcsetOf("1/2", "a"), {Version: 1, Out: "other", Shard: "2/2"}},
	} {
		if _, _, err := MergeSrcsets(idx); err == nil {
			t.Errorf("%s: merged, want an error", name)
		}
	}
}
