package engine

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// ManifestName is the file in the output directory that records what each
// output was made from, so that a re-run skips outputs that are up to date.
const ManifestName = ".imgpar-manifest.json"

// A journal (.imgpar-manifest.journal) is appended to as files finish, one
// JSON line each, so that a run killed before it could rewrite the manifest
// loses nothing; the next run folds it into the manifest.

// ManifestEntry records one output.
type ManifestEntry struct {
	Output   string `json:"output"` // relative to the output directory, slash-separated
	Input    string `json:"input"`  // absolute path of the input
	Size     int64  `json:"size"`
	MtimeNs  int64  `json:"mtime_ns"`
	SHA256   string `json:"sha256"`
	Spec     string `json:"spec"` // hash of the settings that shaped the output
	OutBytes int64  `json:"out_bytes"`
}

// Manifest is the set of entries of one output directory.
type Manifest struct {
	dir     string
	absDir  string
	tag     string // "" or ".shard-K-of-N": each shard keeps its own files
	mu      sync.Mutex
	entries map[string]ManifestEntry
	mine    map[string]bool // outputs recorded by this run
	journal *os.File
}

type manifestFile struct {
	Version int             `json:"version"`
	Entries []ManifestEntry `json:"entries"`
}

// LoadManifest reads every manifest and journal in dir (the unsharded one
// and those of shards, which run at the same time into one directory and
// so keep files of their own); a missing or unreadable manifest is an empty
// one (everything is redone), never an error. shard is "" for an unsharded
// run, else "K/N"; Save writes only that run's own file.
func LoadManifest(dir, shard string) *Manifest {
	m := &Manifest{dir: dir, entries: map[string]ManifestEntry{}}
	m.absDir, _ = filepath.Abs(dir)
	if shard != "" {
		m.tag = ".shard-" + strings.ReplaceAll(shard, "/", "-of-")
	}
	manifests, _ := filepath.Glob(filepath.Join(dir, ".imgpar-manifest*.json"))
	for _, name := range manifests {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		var mf manifestFile
		if json.Unmarshal(b, &mf) == nil && mf.Version == 1 {
			for _, e := range mf.Entries {
				m.load(e, name == m.path(".json"))
			}
		}
	}
	journals, _ := filepath.Glob(filepath.Join(dir, ".imgpar-manifest*.journal"))
	for _, name := range journals {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var e ManifestEntry
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Output != "" {
				m.load(e, name == m.path(".journal")) // a torn last line fails to parse and is ignored
			}
		}
		f.Close()
	}
	return m
}

func (m *Manifest) load(e ManifestEntry, own bool) {
	m.entries[e.Output] = e
	if own {
		if m.mine == nil {
			m.mine = map[string]bool{}
		}
		m.mine[e.Output] = true
	}
}

func (m *Manifest) path(ext string) string {
	return filepath.Join(m.dir, ".imgpar-manifest"+m.tag+ext)
}

// UpToDate reports whether the output of job is current: recorded for the
// same input and settings, still present, and the input unchanged (same size
// and mtime, or, when the mtime differs, the same content hash).
func (m *Manifest) UpToDate(job *Job, outDir string) bool {
	rel, ok := relOut(outDir, job.Output)
	if !ok {
		return false
	}
	m.mu.Lock()
	e, ok := m.entries[rel]
	m.mu.Unlock()
	if !ok || e.Spec != specHash(job) {
		return false
	}
	if abs, err := filepath.Abs(job.Input); err != nil || abs != e.Input {
		return false
	}
	ost, err := os.Stat(job.Output)
	if err != nil || ost.Size() != e.OutBytes {
		return false
	}
	ist, err := os.Stat(job.Input)
	if err != nil || ist.Size() != e.Size {
		return false
	}
	if ist.ModTime().UnixNano() == e.MtimeNs {
		return true
	}
	h, err := FileSHA256(job.Input)
	if err != nil || h != e.SHA256 {
		return false
	}
	// Same content, touched: remember the new mtime.
	e.MtimeNs = ist.ModTime().UnixNano()
	m.record(e)
	return true
}

// Wrote reports whether abs, an absolute path, is an output this manifest
// records, made from another file. A walk over a folder that is also the
// output directory (-o . --suffix _small) must not take the outputs of
// earlier runs as inputs; an output that is its own input (--in-place) is
// still an input.
func (m *Manifest) Wrote(abs string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) == 0 || m.absDir == "" {
		return false
	}
	r, err := filepath.Rel(m.absDir, abs)
	if err != nil {
		return false
	}
	e, ok := m.entries[filepath.ToSlash(r)]
	return ok && e.Input != abs
}

// Record notes a finished output: it is appended to the journal at once and
// lands in the manifest at Save.
func (m *Manifest) Record(job *Job, outDir string, res Result) error {
	rel, ok := relOut(outDir, job.Output)
	if !ok {
		return nil
	}
	abs, err := filepath.Abs(job.Input)
	if err != nil {
		return err
	}
	st, err := os.Stat(job.Input)
	if err != nil {
		return err
	}
	h := res.SHA256
	if h == "" {
		if h, err = FileSHA256(job.Input); err != nil {
			return err
		}
	}
	return m.record(ManifestEntry{Output: rel, Input: abs, Size: st.Size(), MtimeNs: st.ModTime().UnixNano(),
		SHA256: h, Spec: specHash(job), OutBytes: res.BytesOut})
}

func (m *Manifest) record(e ManifestEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[e.Output] = e
	if m.mine == nil {
		m.mine = map[string]bool{}
	}
	m.mine[e.Output] = true
	if m.journal == nil {
		f, err := os.OpenFile(m.path(".journal"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		m.journal = f
	}
	b, _ := json.Marshal(e)
	_, err := m.journal.Write(append(b, '\n')) // one write per line
	return err
}

// Save writes the manifest atomically and removes the journal it absorbed.
func (m *Manifest) Save() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mf := manifestFile{Version: 1}
	for _, e := range m.entries {
		if m.tag != "" && !m.mine[e.Output] {
			continue // another shard's entry: its own file has it
		}
		mf.Entries = append(mf.Entries, e)
	}
	sort.Slice(mf.Entries, func(i, j int) bool { return mf.Entries[i].Output < mf.Entries[j].Output })
	b, err := json.MarshalIndent(mf, "", " ")
	if err != nil {
		return err
	}
	if _, err := WriteAtomic(m.path(".json"), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if m.journal != nil {
		m.journal.Close()
		m.journal = nil
	}
	os.Remove(m.path(".journal"))
	if m.tag == "" {
		// An unsharded run holds every entry now: fold the shards' files in.
		shards, _ := filepath.Glob(filepath.Join(m.dir, ".imgpar-manifest.shard-*"))
		for _, f := range shards {
			os.Remove(f)
		}
	}
	return nil
}

func relOut(outDir, out string) (string, bool) {
	absDir, err := filepath.Abs(outDir)
	if err != nil {
		return "", false
	}
	r, err := filepath.Rel(absDir, out)
	if err != nil || r == ".." || len(r) > 2 && r[:3] == ".."+string(filepath.Separator) {
		return "", false
	}
	return filepath.ToSlash(r), true
}

func specHash(job *Job) string {
	s := sha256.Sum256([]byte(job.SpecKey()))
	return hex.EncodeToString(s[:8])
}

// FileSHA256 hashes a file's content.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// DataSHA256 hashes bytes already in memory.
func DataSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
