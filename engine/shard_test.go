package engine

import (
	"fmt"
	"testing"
)

func TestShardsDisjointCoverBalanced(t *testing.T) {
	var rels []string
	for i := 0; i < 3000; i++ {
		rels = append(rels, fmt.Sprintf("dir%d/photo_%05d.jpg", i%7, i))
	}
	for _, n := range []int{1, 2, 3, 5, 8} {
		seen := map[string]int{}
		counts := make([]int, n)
		for k := 1; k <= n; k++ {
			s := Shard{K: k, N: n}
			for _, r := range rels {
				if s.Has(r) {
					seen[r]++
					counts[k-1]++
				}
			}
		}
		for _, r := range rels {
			if seen[r] != 1 {
				t.Fatalf("N=%d: %s is in %d shards, want exactly 1", n, r, seen[r])
			}
		}
		want := len(rels) / n
		for k, c := range counts {
			// within 10% of an even share (the hash is uniform; 3000 paths)
			if d := c - want; d*10 > want || -d*10 > want {
				t.Errorf("N=%d shard %d has %d inputs, want about %d", n, k+1, c, want)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		k, n int
		ok   bool
	}{
		{"1/1", 1, 1, true}, {"2/4", 2, 4, true}, {" 3 / 3 ", 3, 3, true},
		{"0/4", 0, 0, false}, {"5/4", 0, 0, false}, {"1", 0, 0, false}, {"a/b", 0, 0, false}, {"1/0", 0, 0, false},
	} {
		s, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || tc.ok && (s.K != tc.k || s.N != tc.n) {
			t.Errorf("ParseShard(%q) = %+v, %v", tc.in, s, err)
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name   string
		get    func(string) string
		k, n   int
		source string
		ok     bool
	}{
		{"none", env(), 1, 1, "", true},
		{"kubernetes", env("JOB_COMPLETION_INDEX", "2", "IMGPAR_SHARDS", "4"), 3, 4, "kubernetes", true},
		{"kubernetes index without count is ignored", env("JOB_COMPLETION_INDEX", "2"), 1, 1, "", true},
		{"kubernetes out of range", env("JOB_COMPLETION_INDEX", "4", "IMGPAR_SHARDS", "4"), 0, 0, "", false},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "3"), 1, 3, "slurm", true},
		{"slurm with min", env("SLURM_ARRAY_TASK_ID", "7", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "5"), 3, 3, "slurm", true},
	} {
		s, err := ShardFromEnv(tc.get)
		if (err == nil) != tc.ok || tc.ok && (s.K != tc.k || s.N != tc.n || s.Source != tc.source) {
			t.Errorf("%s: got %+v, %v", tc.name, s, err)
		}
	}
	// The env-derived shard selects the same inputs as the flag.
	fromEnv, _ := ShardFromEnv(env("JOB_COMPLETION_INDEX", "1", "IMGPAR_SHARDS", "3"))
	fromFlag, _ := ParseShard("2/3")
	for i := 0; i < 500; i++ {
		r := fmt.Sprintf("p%d.jpg", i)
		if fromEnv.Has(r) != fromFlag.Has(r) {
			t.Fatalf("%s: env shard and flag shard disagree", r)
		}
	}
}
