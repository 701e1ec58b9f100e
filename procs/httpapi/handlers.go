package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/engine/imgfmt"
	"github.com/imgpar/imgpar/engine/numbers"
	"github.com/imgpar/imgpar/procs"
)

// statusClientClosed is recorded (never sent) for a request whose client
// went away before its answer (nginx's 499).
const statusClientClosed = 499

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "1"

type errorBody struct {
	Error     string `json:"error"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers {"error": "..."} with status and returns status.
func writeError(w http.ResponseWriter, status int, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	msg = engine.OneLine(msg)
	h := w.Header()
	b, _ := json.Marshal(errorBody{msg, h.Get("X-Request-ID")})
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return status
}

// busy answers 503 with Retry-After.
func busy(w http.ResponseWriter, format string, args ...any) int {
	w.Header().Set("Retry-After", retryAfter)
	return writeError(w, http.StatusServiceUnavailable, format, args...)
}

// queueFull is a cheap early check, so that a request is turned away
// before its body is read; the pool checks again when the job arrives.
func (s *server) queueFull() bool { return s.pool.Stats().Queued >= s.opts.Queue }

// run submits job and maps the ways it can fail to a status. ok is false
// when the response has been written (or the client is gone).
func (s *server) run(w http.ResponseWriter, r *http.Request, ctx context.Context, job engine.Job, name string) (engine.Result, int, bool) {
	res, err := s.pool.Do(ctx, job)
	switch {
	case err == nil:
	case errors.Is(err, procs.ErrQueueFull):
		return res, busy(w, "busy: %d jobs already wait for a worker; retry later", s.opts.Queue), false
	case errors.Is(err, procs.ErrPoolClosed):
		return res, busy(w, "shutting down"), false
	case r.Context().Err() != nil:
		return res, statusClientClosed, false // nobody to answer
	case errors.Is(err, context.DeadlineExceeded):
		return res, writeError(w, http.StatusGatewayTimeout, "no answer within the %s request timeout", s.opts.RequestTimeout), false
	default:
		s.logf(w, "workers unavailable: %v", err)
		return res, busy(w, "workers unavailable; retry later"), false
	}
	if res.OK {
		return res, http.StatusOK, true
	}
	msg := res.Error.Describe(name) // the upload's name, not its temp path
	var status int
	switch res.Error.Code {
	case engine.CodeUnsupported:
		status = http.StatusUnsupportedMediaType
	case engine.CodeDecode, engine.CodeTooLarge:
		status = http.StatusUnprocessableEntity
	case engine.CodeBadInput:
		status = http.StatusBadRequest
	case engine.CodeTimeout:
		status = http.StatusGatewayTimeout
	case engine.CodeCanceled:
		return res, busy(w, "%s", msg), false
	default: // io, internal, poison
		// The details name worker pids and temporary paths: they go to
		// the server's log, under the request ID the client gets.
		s.logf(w, "%s", msg)
		return res, writeError(w, http.StatusInternalServerError, "%s: the job failed inside imgpar (%s); the server log has the details", name, res.Error.Code), false
	}
	return res, writeError(w, status, "%s", s.public(msg)), false
}

// requestContext bounds a request by the request timeout.
func (s *server) requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.opts.RequestTimeout)
}

// readError maps a failure to read a request body to a status. A read
// deadline cancels the request's context too, so it is told apart from a
// client that left first.
func readError(w http.ResponseWriter, r *http.Request, err error, limit int64) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		// The rest of the body is not read: close the connection.
		w.Header().Set("Connection", "close")
		return writeError(w, http.StatusRequestEntityTooLarge, "request body over the %d-byte limit (--max-upload)", limit)
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		w.Header().Set("Connection", "close")
		return writeError(w, http.StatusRequestTimeout, "request body not received within the request timeout")
	}
	if r.Context().Err() != nil {
		return statusClientClosed // the client left mid-body
	}
	return writeError(w, http.StatusBadRequest, "reading the request body: %v", err)
}

// tooLarge answers 413 at once for a declared length over the limit.
func (s *server) tooLarge(w http.ResponseWriter, r *http.Request) (int, bool) {
	if r.ContentLength > s.opts.MaxUpload {
		// The body is not read: close the connection after the answer.
		w.Header().Set("Connection", "close")
		return writeError(w, http.StatusRequestEntityTooLarge, "request body of %d bytes is over the %d-byte limit (--max-upload)", r.ContentLength, s.opts.MaxUpload), true
	}
	return 0, false
}

// processRequest is the JSON body of POST /process besides its numbers.
type processRequest struct {
	Op     *string      `json:"op"`
	Rounds *json.Number `json:"rounds"`
}

// process answers POST /process: {"numbers":[...], "op"?, "rounds"?} ->
// {"result":[...]} (or {"stats":{...}}), the same bytes as imgpar process
// writes for a number file with those numbers.
func (s *server) process(w http.ResponseWriter, r *http.Request) int {
	if st, done := s.tooLarge(w, r); done {
		return st
	}
	if s.queueFull() {
		return busy(w, "busy: %d jobs already wait for a worker; retry later", s.opts.Queue)
	}
	ctx, cancel := s.requestContext(r)
	defer cancel()
	limit := s.numbersBodyLimit()
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		return writeError(w, http.StatusRequestEntityTooLarge, "request body of %d bytes is too long for %d numbers (--max-numbers)", r.ContentLength, s.opts.MaxNumbers)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) && limit < s.opts.MaxUpload {
			w.Header().Set("Connection", "close")
			return writeError(w, http.StatusRequestEntityTooLarge, "request body too long for %d numbers (--max-numbers)", s.opts.MaxNumbers)
		}
		return readError(w, r, err, limit)
	}
	xs, err := numbers.ParseJSONLimit(body, s.opts.MaxNumbers)
	if errors.Is(err, numbers.ErrTooMany) {
		return writeError(w, http.StatusRequestEntityTooLarge, "more than %d numbers (--max-numbers)", s.opts.MaxNumbers)
	}
	if err != nil {
		return writeError(w, http.StatusBadRequest, "malformed numbers: %v", err)
	}
	spec := engine.NumbersSpec{Op: string(numbers.DefaultOp)}
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		var pr processRequest
		if err := json.Unmarshal(body, &pr); err != nil {
			return writeError(w, http.StatusBadRequest, "malformed request: %v", err)
		}
		if pr.Op != nil {
			op, err := numbers.ParseOp(*pr.Op)
			if err != nil || *pr.Op == "" {
				return writeError(w, http.StatusBadRequest, "op %q: want double, square, heavy or stats", *pr.Op)
			}
			spec.Op = string(op)
		}
		if pr.Rounds != nil {
			n, err := parseRounds(*pr.Rounds)
			if err != nil {
				return writeError(w, http.StatusBadRequest, "rounds %s: %v", *pr.Rounds, err)
			}
			spec.Rounds = n
		}
	}
	if st, refused := s.heavyTooMuch(w, spec, xs); refused {
		return st
	}
	vs := engine.Values(xs)
	job := engine.Job{Kind: engine.KindNumbers, Numbers: &spec, Values: &vs, EstBytes: numbersJobBytes(len(xs))}
	res, status, ok := s.run(w, r, ctx, job, "numbers")
	if !ok {
		return status
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(res.Output)+1))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, res.Output+"\n")
	return http.StatusOK
}

// parseRounds accepts a whole number of rounds, 0 (the default, 1e6) or
// more, written as JSON allows (1000000 or 1e6).
func parseRounds(n json.Number) (int, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f > 1<<53 {
		return 0, fmt.Errorf("want a whole number from 0 to 2^53")
	}
	return int(f), nil
}

// uploadParams are the query parameters of POST /upload.
var uploadParams = map[string]bool{"width": true, "height": true, "fit": true, "format": true, "quality": true, "colorspace": true, "progressive": true, "trellis": true}

// imageSpec builds the job's settings from the query: the options
// imgpar process fills from its flags, with JPEG output by default as the
// seed's server writes, through the same constructor.
func (s *server) imageSpec(r *http.Request) (engine.ImageSpec, error) {
	maxPixels := s.opts.MaxPixels
	o := engine.ImageOptions{Format: string(imgfmt.JPEG), MaxPixels: &maxPixels}
	q := r.URL.Query()
	for k := range q {
		if !uploadParams[k] {
			return engine.ImageSpec{}, fmt.Errorf("unknown query parameter %q (want width, height, fit, format, quality, colorspace, progressive, trellis)", k)
		}
	}
	num := func(name string) (*int, error) {
		v := q.Get(name)
		if v == "" {
			return nil, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: want a whole number", name, v)
		}
		return &n, nil
	}
	var err error
	if o.Width, err = num("width"); err != nil {
		return engine.ImageSpec{}, err
	}
	if o.Height, err = num("height"); err != nil {
		return engine.ImageSpec{}, err
	}
	if o.Quality, err = num("quality"); err != nil {
		return engine.ImageSpec{}, err
	}
	o.Fit = q.Get("fit")
	if v := q.Get("format"); v != "" {
		o.Format = v
	}
	o.Colorspace = q.Get("colorspace")
	switch v := q.Get("progressive"); v {
	case "", "0":
	case "1":
		o.Progressive = true
	default:
		return engine.ImageSpec{}, fmt.Errorf("progressive=%q: want 1 or 0", v)
	}
	switch v := q.Get("trellis"); v {
	case "", "0":
	case "1":
		o.Trellis = true
	default:
		return engine.ImageSpec{}, fmt.Errorf("trellis=%q: want 1 or 0", v)
	}
	spec, err := engine.NewImageSpec(o)
	var oe *engine.OptionError
	if errors.As(err, &oe) {
		return spec, fmt.Errorf("%s=%s: %s", oe.Option, oe.Value, oe.Reason)
	}
	if err == nil && spec.IsSet() {
		// Sets are imgpar process's (--format webp,jpeg): one upload
		// answers with one image.
		return spec, fmt.Errorf("format=%q: one image per request; give one format (sets of renditions are imgpar process --format a,b)", o.Format)
	}
	return spec, err
}

// contentTypes are the Content-Types of the output formats.
var contentTypes = map[imgfmt.Format]string{
	imgfmt.JPEG: "image/jpeg", imgfmt.PNG: "image/png", imgfmt.GIF: "image/gif", imgfmt.BMP: "image/bmp",
	imgfmt.TIFF: "image/tiff", imgfmt.WebP: "image/webp", imgfmt.AVIF: "image/avif",
}

// upload answers POST /upload: an image (multipart field "image", or the
// body itself with an image/* Content-Type) -> the converted image.
func (s *server) upload(w http.ResponseWriter, r *http.Request) int {
	if k := repeatedParam(r.URL.Query()); k != "" {
		return writeError(w, http.StatusBadRequest, "query parameter %q given more than once", k)
	}
	spec, err := s.imageSpec(r)
	if err != nil {
		return writeError(w, http.StatusBadRequest, "%v", err)
	}
	if st, done := s.tooLarge(w, r); done {
		return st
	}
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	multipartBody := mediaType == "multipart/form-data"
	if !multipartBody && !strings.HasPrefix(mediaType, "image/") {
		return writeError(w, http.StatusUnsupportedMediaType, "Content-Type %q: want multipart/form-data with an \"image\" field, or an image/* body", r.Header.Get("Content-Type"))
	}
	if s.queueFull() {
		return busy(w, "busy: %d jobs already wait for a worker; retry later", s.opts.Queue)
	}
	ctx, cancel := s.requestContext(r)
	defer cancel()

	id := s.seq.Add(1)
	in := filepath.Join(s.tmp, fmt.Sprintf("%d.in", id))
	defer os.Remove(in)
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxUpload)
	var src io.Reader = body
	if multipartBody {
		part, status := imagePart(w, r, body, params["boundary"], s.opts.MaxUpload)
		if part == nil {
			return status
		}
		defer part.Close()
		src = part
	}
	n, head, err := saveUpload(in, src)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			s.logf(w, "saving the upload: %v", err)
			return writeError(w, http.StatusInternalServerError, "saving the upload: %v", pe.Err)
		}
		return readError(w, r, err, s.opts.MaxUpload)
	}
	if n == 0 {
		return writeError(w, http.StatusBadRequest, "empty upload")
	}
	inFormat, isImage := imgfmt.Sniff(head)
	if !isImage {
		return writeError(w, http.StatusUnsupportedMediaType, "the upload is not an image imgpar reads (JPEG, PNG, GIF, BMP, TIFF, WebP, AVIF, HEIC)")
	}
	spec = spec.ForInput(inFormat)
	est, status, ok := s.admitImage(w, in, n, spec)
	if !ok {
		return status
	}
	outFormat := spec.Format
	out := filepath.Join(s.tmp, fmt.Sprintf("%d.out.%s", id, outFormat.Ext()))
	defer os.Remove(out)
	res, status, ok := s.run(w, r, ctx, engine.Job{Kind: engine.KindImage, Input: in, Output: out, Image: &spec, EstBytes: est}, "upload")
	if !ok {
		return status
	}
	// Streamed from the file: a client that reads slowly holds a file
	// descriptor, not the image in memory.
	f, err := os.Open(out)
	if err != nil {
		s.logf(w, "opening the converted image: %v", err)
		return writeError(w, http.StatusInternalServerError, "upload: the converted image is missing; the server log has the details")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.logf(w, "opening the converted image: %v", err)
		return writeError(w, http.StatusInternalServerError, "upload: the converted image is missing; the server log has the details")
	}
	h := w.Header()
	h.Set("Content-Type", contentTypes[outFormat])
	h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	h.Set("X-Image-Width", strconv.Itoa(res.Width))
	h.Set("X-Image-Height", strconv.Itoa(res.Height))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return http.StatusOK
}

// imagePart finds the form's "image" file part; on failure it answers and
// returns a nil part.
func imagePart(w http.ResponseWriter, r *http.Request, body io.Reader, boundary string, limit int64) (*multipart.Part, int) {
	if boundary == "" {
		return nil, writeError(w, http.StatusBadRequest, "multipart/form-data without a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, writeError(w, http.StatusBadRequest, "no \"image\" field in the form")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || r.Context().Err() != nil {
				return nil, readError(w, r, err, limit)
			}
			return nil, writeError(w, http.StatusBadRequest, "malformed multipart body: %v", err)
		}
		if part.FormName() == "image" {
			return part, 0
		}
		_ = part.Close()
	}
}

// saveUpload copies src into a new file at path and returns its size and
// its first bytes (for sniffing). Errors writing the file are
// *os.PathError; others come from reading src.
func saveUpload(path string, src io.Reader) (int64, []byte, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, nil, err
	}
	head := make([]byte, imgfmt.SniffLen)
	hn, rerr := io.ReadFull(src, head)
	head = head[:hn]
	if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
		rerr = nil
	}
	if rerr != nil {
		f.Close()
		return 0, nil, rerr
	}
	if _, err := f.Write(head); err != nil {
		f.Close()
		return 0, nil, err
	}
	n, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return n + int64(hn), head, err
}

// healthz answers 200 once a worker is up, 503 before and while shutting
// down.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) int {
	st := s.pool.Stats()
	body := map[string]any{"workers_ready": st.Ready, "queued": st.Queued, "in_flight": st.InFlight}
	status := http.StatusOK
	switch {
	case s.shuttingDown.Load():
		body["status"], status = "shutting down", http.StatusServiceUnavailable
	case st.Ready == 0:
		body["status"], status = "starting", http.StatusServiceUnavailable
	default:
		body["status"] = "ok"
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return status
}
