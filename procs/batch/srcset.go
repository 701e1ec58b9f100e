package batch

import (
	"cmp"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
)

// Srcset is the index of image sets that imgpar process --srcset writes:
// per input, the renditions it has (written by the run or up to date), in
// the order responsive-image markup wants them.
type Srcset struct {
	Version int `json:"version"`
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
func BuildSrcset(plan *engine.Plan, files []File, outDir string) *Srcset {
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
	idx := &Srcset{Version: 1, Out: outDir, Images: []SrcsetImage{}}
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
