package engine

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// ManifestName is the file in the output directory that records what each
// output was made from, so that a re-run skips outputs that are up to date.
const ManifestName = ".imgpar-manifest.json"

// A journal (.imgpar-manifest.journal) is appended to as files finish, one
// JSON line each, so that a run killed before it could rewrite the manifest
// loses nothing; the next run folds it into the manifest. A run that
// changes no entry writes neither: a no-op re-run leaves the output
// directory as it found it.

// ManifestEntry records one output.
type ManifestEntry struct {
	Output   string `json:"output"` // relative to the output directory, slash-separated
	Input    string `json:"input"`  // absolute path of the input
	Size     int64  `json:"size"`
	MtimeNs  int64  `json:"mtime_ns"`
	SHA256   string `json:"sha256"`
	Spec     string `json:"spec"` // hash of the settings that shaped the output
	OutBytes int64  `json:"out_bytes"`
	// Ino and CtimeNs, where the OS has them, make the stat that decides
	// "unchanged" stricter: a file rewritten with its size and mtime put
	// back has a new ctime.
	Ino     uint64 `json:"ino,omitempty"`
	CtimeNs int64  `json:"ctime_ns,omitempty"`
	// Format, Width and Height (images) are the output's format and the
	// size the plan named it with: with them a re-run plans an unchanged
	// input without opening it.
	Format string `json:"format,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// Manifest is the set of entries of one output directory.
type Manifest struct {
	dir     string
	absDir  string
	cwd     string // the working directory, read once: absolute paths without a Getwd per file
	tag     string // "" or ".shard-K-of-N": each shard keeps its own files
	mu      sync.Mutex
	entries map[string]ManifestEntry
	byInput map[string]string // input (absolute) -> one output made from it
	mine    map[string]bool   // a shard's own outputs (its own files' and recorded by it)
	journal *os.File
	// dirty: some entry is not in this run's manifest file yet (recorded
	// now, or read from a journal or, unsharded, from a shard's files).
	dirty bool
	// tornJournal: this run's journal ends in a torn line (a killed
	// writer); the next line appended starts on a line of its own.
	tornJournal bool
	intern      map[string]string
}

// LoadManifest reads every manifest and journal in dir (the unsharded one
// and those of shards, which run at the same time into one directory and
// so keep files of their own); a missing or unreadable manifest is an empty
// one (everything is redone), never an error. shard is "" for an unsharded
// run, else "K/N"; Save writes only that run's own file.
func LoadManifest(dir, shard string) *Manifest {
	m := &Manifest{dir: dir, entries: map[string]ManifestEntry{}, byInput: map[string]string{}, intern: map[string]string{}}
	m.cwd, _ = os.Getwd()
	m.absDir = m.abs(dir)
	if shard != "" {
		m.tag = ".shard-" + strings.ReplaceAll(shard, "/", "-of-")
	}
	manifests, _ := filepath.Glob(filepath.Join(dir, ".imgpar-manifest*.json"))
	for _, name := range manifests {
		own := name == m.path(".json")
		if !own && m.tag == "" {
			m.dirty = true // an unsharded run folds the shards' files into its own
		}
		m.readManifest(name, own)
	}
	journals, _ := filepath.Glob(filepath.Join(dir, ".imgpar-manifest*.journal"))
	for _, name := range journals {
		own := name == m.path(".journal")
		if own || m.tag == "" {
			m.dirty = true
		}
		m.readJournal(name, own)
	}
	return m
}

// readManifest streams the entries of one manifest file: a manifest of a
// million entries is never in memory twice.
func (m *Manifest) readManifest(name string, own bool) {
	f, err := os.Open(name)
	if err != nil {
		return
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	version := 0
	var loaded []string // outputs, dropped again if the version is wrong
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return
		}
		switch key {
		case "version":
			if dec.Decode(&version) != nil {
				return
			}
		case "entries":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return
			}
			for dec.More() {
				var e ManifestEntry
				if dec.Decode(&e) != nil {
					return
				}
				if e.Output != "" {
					m.load(e, own)
					loaded = append(loaded, e.Output)
				}
			}
			if _, err := dec.Token(); err != nil {
				return
			}
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return
			}
		}
	}
	if version != 1 {
		for _, o := range loaded {
			delete(m.entries, o)
		}
	}
}

func (m *Manifest) readJournal(name string, own bool) {
	f, err := os.Open(name)
	if err != nil {
		return
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] != '\n' && own {
			m.tornJournal = true
		}
		var e ManifestEntry
		if json.Unmarshal(bytes.TrimSpace(line), &e) == nil && e.Output != "" {
			m.load(e, own) // a torn last line fails to parse and is ignored
		}
		if err != nil {
			return
		}
	}
}

func (m *Manifest) load(e ManifestEntry, own bool) {
	e.Spec, e.Format = m.interned(e.Spec), m.interned(e.Format)
	if old, ok := m.entries[e.Output]; ok && old.Input != e.Input && m.byInput[old.Input] == e.Output {
		delete(m.byInput, old.Input)
	}
	m.entries[e.Output] = e
	m.byInput[e.Input] = e.Output
	if own && m.tag != "" {
		if m.mine == nil {
			m.mine = map[string]bool{}
		}
		m.mine[e.Output] = true
	}
}

// interned shares the few distinct spec hashes and format names among
// all entries.
func (m *Manifest) interned(s string) string {
	if v, ok := m.intern[s]; ok {
		return v
	}
	m.intern[s] = s
	return s
}

func (m *Manifest) path(ext string) string {
	return filepath.Join(m.dir, ".imgpar-manifest"+m.tag+ext)
}

// abs is filepath.Abs with the working directory read once.
func (m *Manifest) abs(p string) string { return absFrom(m.cwd, p) }

// absFrom is filepath.Abs(p) for a process whose working directory is cwd
// (read once by the caller: filepath.Abs reads it for every path). On
// Windows, where a path can be relative to a drive or to the current
// drive's root, it is filepath.Abs.
func absFrom(cwd, p string) string {
	if filepath.IsAbs(p) || cwd == "" || runtime.GOOS == "windows" {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	return filepath.Join(cwd, p)
}

// Known returns what the manifest recorded about the output made from the
// input at path, when the input may be unchanged: the same size (and if
// its stamp differs, UpToDateStamp compares the content hash). A plan then
// names that output without opening the input; if the output turns out
// not to be current, it classifies the input after all.
func (m *Manifest) Known(path string, st Stamp) (ManifestEntry, bool) {
	abs := m.abs(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	out, ok := m.byInput[abs]
	if !ok {
		return ManifestEntry{}, false
	}
	e := m.entries[out]
	if e.Input != abs || e.Size != st.Size {
		return ManifestEntry{}, false
	}
	return e, true
}

// stampMatches: the input's stat is the one recorded.
func stampMatches(e ManifestEntry, st Stamp) bool {
	if e.Size != st.Size || e.MtimeNs != st.MtimeNs {
		return false
	}
	if e.Ino != 0 && st.Ino != 0 && (e.Ino != st.Ino || e.CtimeNs != st.CtimeNs) {
		return false
	}
	return true
}

// UpToDateStamp reports whether the output of job is current: recorded for
// the same input and settings, still present, and the input unchanged (same
// size and stamp, or, when the stamp differs, the same content hash). st is
// the input's stamp the caller took, out the output's FileInfo when the
// caller has it (nil: stat it). The input
// is opened only when its stamp differs from the recorded one with the same
// size: then its content hash decides, and a match is recorded (the next
// run decides by the stamp again).
func (m *Manifest) UpToDateStamp(job *Job, outDir string, st Stamp, out fs.FileInfo) bool {
	rel, ok := m.relOut(outDir, job.Output)
	if !ok {
		return false
	}
	m.mu.Lock()
	e, ok := m.entries[rel]
	m.mu.Unlock()
	if !ok || e.Spec != specHash(job) || e.Input != m.abs(job.Input) {
		return false
	}
	if out == nil {
		var err error
		if out, err = os.Stat(job.Output); err != nil {
			return false
		}
	}
	if out.Size() != e.OutBytes || st.Size != e.Size {
		return false
	}
	upgrade := job.Kind == KindImage && job.Image != nil && e.Format == ""
	if stampMatches(e, st) && !upgrade {
		return true
	}
	if e.MtimeNs != st.MtimeNs || (e.Ino != 0 && (e.Ino != st.Ino || e.CtimeNs != st.CtimeNs)) {
		h, err := FileSHA256(job.Input)
		if err != nil || h != e.SHA256 {
			return false
		}
	}
	// Same content, touched (or an entry of an older imgpar without what
	// a plan needs): remember the new stamp.
	e.MtimeNs, e.Ino, e.CtimeNs = st.MtimeNs, st.Ino, st.CtimeNs
	if upgrade {
		e.Format = string(job.Image.Format)
	}
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
// lands in the manifest at Save. For images it keeps the output's format
// and size too, so that a re-run can plan the unchanged input from them.
func (m *Manifest) Record(job *Job, outDir string, res Result) error {
	rel, ok := m.relOut(outDir, job.Output)
	if !ok {
		return nil
	}
	st, err := StatStamp(job.Input)
	if err != nil {
		return err
	}
	h := res.SHA256
	if h == "" {
		if h, err = FileSHA256(job.Input); err != nil {
			return err
		}
	}
	e := ManifestEntry{Output: rel, Input: m.abs(job.Input), Size: st.Size, MtimeNs: st.MtimeNs,
		Ino: st.Ino, CtimeNs: st.CtimeNs, SHA256: h, Spec: specHash(job), OutBytes: res.BytesOut}
	if job.Kind == KindImage && job.Image != nil {
		e.Format, e.Width, e.Height = string(job.Image.Format), res.Width, res.Height
	}
	return m.record(e)
}

func (m *Manifest) record(e ManifestEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Not indexed by input: Known serves the plan, which is over by the
	// time outputs are recorded (a touched input's entry keeps its input).
	e.Spec, e.Format = m.interned(e.Spec), m.interned(e.Format)
	m.entries[e.Output] = e
	if m.tag != "" { // a shard's Save writes only its own entries
		if m.mine == nil {
			m.mine = map[string]bool{}
		}
		m.mine[e.Output] = true
	}
	m.dirty = true
	if m.journal == nil {
		f, err := os.OpenFile(m.path(".journal"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		m.journal = f
	}
	b, _ := json.Marshal(e)
	b = append(b, '\n')
	if m.tornJournal {
		b = append([]byte{'\n'}, b...) // after a killed writer's torn line
		m.tornJournal = false
	}
	_, err := m.journal.Write(b) // one write per line
	return err
}

// Save writes the manifest atomically and removes the journal it absorbed.
// When no entry changed it writes nothing: the manifest stays as it was,
// down to its mtime.
func (m *Manifest) Save() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirty {
		return nil
	}
	outs := make([]string, 0, len(m.entries))
	for o := range m.entries {
		if m.tag != "" && !m.mine[o] {
			continue // another shard's entry: its own file has it
		}
		outs = append(outs, o)
	}
	sort.Strings(outs)
	if _, err := WriteAtomic(m.path(".json"), func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString("{\"version\":1,\"entries\":[")
		for i, o := range outs {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
			b, err := json.Marshal(m.entries[o])
			if err != nil {
				return err
			}
			bw.Write(b)
		}
		bw.WriteString("\n]}\n")
		return bw.Flush()
	}); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	m.dirty = false
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

// relOut is out relative to outDir, slash-separated; false when it is
// not inside it.
func (m *Manifest) relOut(outDir, out string) (string, bool) {
	absDir := m.absDir
	if outDir != m.dir {
		absDir = m.abs(outDir)
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

// openInput opens an input file for the plan (classify) and the manifest
// (FileSHA256); a test counts it: a no-op re-run opens no input.
var openInput = os.Open

// FileSHA256 hashes a file's content.
func FileSHA256(path string) (string, error) {
	f, err := openInput(path)
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
