package batch

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
)

// Srcset is the index of image sets that imgpar process --srcset writes:
// per input, the renditions it has (written by the run or up to date), in
// the order responsive-image markup wants them.
type Srcset struct {
	Version int `json:"version"`
	// Shard is the shard whose inputs the index covers ("2/3"), or the
	// shards a merge of an incomplete set of them covers ("1/3,3/3"); ""
	// for every input.
	Shard string `json:"shard,omitempty"`
	// Out is the output directory as given; rendition paths are relative
	// to it, slash-separated, ready to be put after a URL prefix.
	Out    string        `json:"out"`
	Images []SrcsetImage `json:"images"`
}

// SrcsetImage is one input's renditions: grouped by format, the most
// compact format first (AVIF, then WebP, then the others in the order
// --format gave them), so that the last group is the <img> fallback of a
// <picture>; within a format by width, ascending, as srcset lists them.
type SrcsetImage struct {
	Input      string            `json:"input"`
	Renditions []SrcsetRendition `json:"renditions"`
}

// SrcsetRendition is one file of a set.
type SrcsetRendition struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Type   string `json:"type"` // the MIME type, for <source type=...>
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int64  `json:"bytes"`
}

// mimeTypes of the output formats.
var mimeTypes = map[imgfmt.Format]string{
	imgfmt.JPEG: "image/jpeg", imgfmt.PNG: "image/png", imgfmt.GIF: "image/gif", imgfmt.BMP: "image/bmp",
	imgfmt.TIFF: "image/tiff", imgfmt.WebP: "image/webp", imgfmt.AVIF: "image/avif",
}

// BuildSrcset indexes the sets of plan: the renditions files made, and
// those that were up to date. A rendition that failed or was not made is
// left out, and so is an input with none.
func BuildSrcset(plan *engine.Plan, files []File, outDir, shard string) *Srcset {
	todo := map[string]bool{}
	for _, j := range plan.Jobs {
		for _, r := range j.Renditions {
			todo[r.Output] = true
		}
	}
	made := map[string]engine.RenditionResult{}
	for _, f := range files {
		for _, rr := range f.Result.Renditions {
			if rr.Error == nil {
				made[rr.Output] = rr
			}
		}
	}
	absOut, _ := filepath.Abs(outDir)
	idx := &Srcset{Version: 1, Shard: shard, Out: outDir, Images: []SrcsetImage{}}
	for _, s := range plan.Sets {
		img := SrcsetImage{Input: s.Input}
		rank := map[imgfmt.Format]int{imgfmt.AVIF: -2, imgfmt.WebP: -1}
		for _, r := range s.Renditions {
			if _, ok := rank[r.Format]; !ok {
				rank[r.Format] = len(rank)
			}
			sr := SrcsetRendition{Format: string(r.Format), Type: mimeTypes[r.Format], Width: r.Width, Height: r.Height}
			if rr, ok := made[r.Output]; ok {
				sr.Width, sr.Height, sr.Bytes = rr.Width, rr.Height, rr.Bytes
			} else if todo[r.Output] {
				continue // failed or not started
			} else if st, err := os.Stat(r.Output); err == nil {
				sr.Bytes = st.Size() // up to date
			} else {
				continue
			}
			rel, err := filepath.Rel(absOut, r.Output)
			if err != nil {
				rel = r.Output
			}
			sr.Path = filepath.ToSlash(rel)
			img.Renditions = append(img.Renditions, sr)
		}
		if len(img.Renditions) == 0 {
			continue
		}
		slices.SortStableFunc(img.Renditions, func(a, b SrcsetRendition) int {
			return cmp.Or(cmp.Compare(rank[imgfmt.Format(a.Format)], rank[imgfmt.Format(b.Format)]), cmp.Compare(a.Width, b.Width))
		})
		idx.Images = append(idx.Images, img)
	}
	return idx
}

// WriteSrcset writes the index to path atomically.
func WriteSrcset(path string, idx *Srcset) error {
	_, err := engine.WriteAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(idx)
	})
	return err
}

// SrcsetPath is where a run writes the index asked for at path: path itself,
// or for a shard path with ".shard-K-of-N" before its extension
// (srcset.shard-2-of-3.json), the way each shard keeps its own manifest. A
// shard indexes only its own inputs, and the shards of one job usually
// share a command line; were they to share the file, each would overwrite
// the others' index with its own third. MergeSrcsets joins them.
func SrcsetPath(path, shard string) string {
	if shard == "" {
		return path
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".shard-" + strings.ReplaceAll(shard, "/", "-of-") + ext
}

// MergeSrcsets joins the indexes of shard runs (imgpar report merge-srcset)
// into one index, inputs in walk order (by path, one directory level at a
// time). When they are all N shards of one N the result has no shard and
// is the index an unsharded run writes (for inputs under one directory);
// otherwise it lists the shards it has, and missing says which it lacks.
// Indexes of different versions or output directories, or sharing an
// input, are an error.
func MergeSrcsets(idx []*Srcset) (m *Srcset, missing []string, err error) {
	m = &Srcset{Images: []SrcsetImage{}}
	seen := map[string]int{}
	var shards []string
	n := 0 // the N of the shards' K/N, which must agree
	for i, x := range idx {
		if i == 0 {
			m.Version, m.Out = x.Version, x.Out
		} else if x.Version != m.Version || x.Out != m.Out {
			return nil, nil, fmt.Errorf("index %d is version %d of %q, index 1 version %d of %q: not the same set", i+1, x.Version, x.Out, m.Version, m.Out)
		}
		for _, img := range x.Images {
			if j, ok := seen[img.Input]; ok {
				return nil, nil, fmt.Errorf("%s is in index %d and index %d: the indexes overlap (the same shard twice, or shards of different N?)", img.Input, j+1, i+1)
			}
			seen[img.Input] = i
			m.Images = append(m.Images, img)
		}
		for _, s := range strings.Split(x.Shard, ",") {
			if s == "" {
				continue
			}
			shards = append(shards, s)
			_, ns, _ := strings.Cut(s, "/")
			v, _ := strconv.Atoi(ns)
			if n != 0 && v != n {
				return nil, nil, fmt.Errorf("shard %s is not of %d: the indexes are not of one sharded run", s, n)
			}
			n = v
		}
	}
	slices.SortFunc(m.Images, func(a, b SrcsetImage) int { return walkOrder(a.Input, b.Input) })
	have := map[string]bool{}
	for _, s := range shards {
		if have[s] {
			return nil, nil, fmt.Errorf("shard %s given twice", s)
		}
		have[s] = true
	}
	for k := 1; k <= n; k++ {
		if s := fmt.Sprintf("%d/%d", k, n); !have[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		slices.SortFunc(shards, walkOrder)
		m.Shard = strings.Join(shards, ",")
	}
	return m, missing, nil
}

// walkOrder compares paths as a directory walk meets them: element by
// element, so "a/b" comes before "a-c" (the walk is inside a by then).
func walkOrder(a, b string) int {
	return slices.Compare(strings.Split(filepath.ToSlash(a), "/"), strings.Split(filepath.ToSlash(b), "/"))
}

// LoadSrcset reads an index written by --srcset or MergeSrcsets.
func LoadSrcset(path string) (*Srcset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var x Srcset
	if err := json.Unmarshal(b, &x); err != nil || x.Version == 0 || x.Images == nil {
		return nil, fmt.Errorf("%s: not an imgpar --srcset index", path)
	}
	return &x, nil
}
