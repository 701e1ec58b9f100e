package engine

import (
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"strings"
)

// Shard selects a deterministic 1/N of the inputs: shard K (1-based) of N.
type Shard struct {
	K, N   int
	Source string // where K/N came from: flag, kubernetes, slurm
}

// String prints K/N.
func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// ParseShard reads "K/N" with 1 <= K <= N.
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(strings.TrimSpace(k))
	ni, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, optErr("shard", s, "want K/N with 1 <= K <= N")
	}
	return Shard{K: ki, N: ni, Source: "flag"}, nil
}

// ShardFromEnv reads the shard from batch schedulers when no flag is given:
// Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX, 0-based, with
// IMGPAR_SHARDS for N) and Slurm job arrays (SLURM_ARRAY_TASK_ID and
// SLURM_ARRAY_TASK_COUNT; the task id is taken relative to
// SLURM_ARRAY_TASK_MIN, default 0). It returns N=1 when none is set.
func ShardFromEnv(getenv func(string) string) (Shard, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if idx := getenv("JOB_COMPLETION_INDEX"); idx != "" && getenv("IMGPAR_SHARDS") != "" {
		i, err1 := strconv.Atoi(idx)
		n, err2 := strconv.Atoi(getenv("IMGPAR_SHARDS"))
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return Shard{}, fmt.Errorf("%w: JOB_COMPLETION_INDEX=%q with IMGPAR_SHARDS=%q: want 0 <= index < shards", ErrUsage, idx, getenv("IMGPAR_SHARDS"))
		}
		return Shard{K: i + 1, N: n, Source: "kubernetes"}, nil
	}
	if id := getenv("SLURM_ARRAY_TASK_ID"); id != "" && getenv("SLURM_ARRAY_TASK_COUNT") != "" {
		i, err1 := strconv.Atoi(id)
		n, err2 := strconv.Atoi(getenv("SLURM_ARRAY_TASK_COUNT"))
		lo := 0
		if m := getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
			lo, _ = strconv.Atoi(m)
		}
		i -= lo
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return Shard{}, fmt.Errorf("%w: SLURM_ARRAY_TASK_ID=%q with SLURM_ARRAY_TASK_COUNT=%q: out of range", ErrUsage, id, getenv("SLURM_ARRAY_TASK_COUNT"))
		}
		return Shard{K: i + 1, N: n, Source: "slurm"}, nil
	}
	return Shard{K: 1, N: 1}, nil
}

// Has reports whether the input at rel (its path relative to its root)
// belongs to this shard: a stable FNV-1a hash of the path, modulo N.
func (s Shard) Has(rel string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(rel))
	return int(h.Sum64()%uint64(s.N)) == s.K-1
}
