// Package batch runs a planned batch of jobs on worker processes: the run
// policy around procs.Run. imgpar process calls Plan and Run; imgpar serve
// shares what applies to a long-running pool (WorkerSplit; the memory
// budget itself is procs.DefaultMemBudget and procs.MemLimitEnv).
//
// Run sweeps the temp files that dead runs left in the output directories,
// sets the memory budget and each worker's GOMEMLIMIT, runs the jobs,
// assembles split number files as soon as their last part is answered,
// records every finished output in the manifest in one place (as it
// finishes, so that an interrupted run keeps what it did) and builds the
// report.
package batch

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/imgpar/imgpar/engine"
	"github.com/imgpar/imgpar/procs"
)

// Options configure a batch run.
type Options struct {
	// Start is when the run began, for the report's duration (planning
	// included); zero is when Run is called.
	Start  time.Time
	OutDir string
	// Procs and Threads are the worker split (WorkerSplit). Run starts no
	// more workers than there are jobs.
	Procs, Threads int
	JobTimeout     time.Duration // see procs.Options
	Grace          time.Duration // see procs.Options
	// MemLimit bounds the memory of the jobs in flight; 0 is
	// procs.DefaultMemBudget.
	MemLimit int64
	// Manifest records each output once it is complete; nil records
	// nothing. Run saves it at the end.
	Manifest *engine.Manifest
	// OnProgress is called for every dispatcher event: each job done
	// (parts of split files included) and each worker death. It runs on
	// the dispatcher's goroutine and must not block for long.
	OnProgress func(procs.Event)
	// OnFile is called once per input file whose output is complete or
	// failed (a split file once its parts are assembled), after the
	// manifest has recorded it; same goroutine as OnProgress.
	OnFile func(File)
	// Warn receives problems that do not fail the run, as one line.
	Warn func(string)
	// Command starts a worker; default procs.SelfCommand.
	Command procs.CommandFunc
	// Srcset, if set, is where the index of the image sets is written at
	// the end (BuildSrcset; a shard's goes to SrcsetPath).
	Srcset string
	// Shard is the shard this run is ("K/N"), "" for all inputs.
	Shard string
}

// Plan plans a batch that this process will run: engine.BuildPlan, with
// this process named as the owner of the part files of split number files
// (so that a sweep by another run leaves them alone while this one lives).
func Plan(c *engine.Collected, o engine.PlanOptions) (*engine.Plan, error) {
	o.Owner = os.Getpid()
	return engine.BuildPlan(c, o)
}

// Run runs plan's jobs and returns the report. Cancelling soft interrupts
// the run (jobs in flight get o.Grace), hard aborts it (procs.Run). The
// error is set only when the run could not go on (workers failing to
// start); the report is complete either way.
func Run(soft, hard context.Context, plan *engine.Plan, o Options) (*Report, error) {
	start := o.Start
	if start.IsZero() {
		start = time.Now()
	}
	sweepTemps(o.OutDir, plan)
	nprocs := max(o.Procs, 1)
	if nprocs > len(plan.Jobs) && len(plan.Jobs) > 0 {
		nprocs = len(plan.Jobs) // more procs than jobs: start only what is useful
	}
	budget := o.MemLimit
	if budget <= 0 {
		budget = procs.DefaultMemBudget(nprocs * o.Threads)
	}
	c := newCollector(plan, o)
	var outcomes []procs.Outcome
	var stats procs.Stats
	var err error
	if len(plan.Jobs) > 0 {
		outcomes, stats, err = procs.Run(soft, hard, plan.Jobs, procs.Options{
			Procs:      nprocs,
			Threads:    o.Threads,
			JobTimeout: o.JobTimeout,
			Grace:      o.Grace,
			MemBudget:  budget,
			Env:        []string{procs.MemLimitEnv(budget, nprocs)},
			Command:    o.Command,
			OnEvent:    c.event,
		})
	}
	// procs.Run answers every job through OnEvent; a job it did not (a
	// bug) still gets its outcome here, so that no file goes unreported.
	for i, oc := range outcomes {
		if !c.done[i] {
			c.jobDone(i, &plan.Jobs[i], oc.Result)
		}
	}
	if o.Manifest != nil {
		if serr := o.Manifest.Save(); serr != nil {
			c.warn(serr.Error())
		}
	}
	var srcset string
	if o.Srcset != "" {
		srcset = SrcsetPath(o.Srcset, o.Shard)
		if serr := WriteSrcset(srcset, BuildSrcset(plan, c.files(), o.OutDir, o.Shard)); serr != nil {
			c.warn("--srcset: " + serr.Error())
			srcset = ""
		}
	}
	r := BuildReport(plan, c.files(), stats, time.Since(start), nprocs, o.Threads)
	r.Shard, r.Srcset = o.Shard, srcset
	return r, err
}

// sweepTemps removes the temp files a run killed with its workers
// (SIGKILL, power loss) left in the directories this run writes to.
func sweepTemps(outDir string, plan *engine.Plan) {
	swept := map[string]bool{}
	for _, d := range append([]string{outDir}, outputDirs(plan)...) {
		if !swept[d] {
			swept[d] = true
			procs.RemoveStaleTemps(d)
		}
	}
}

func outputDirs(plan *engine.Plan) []string {
	dirs := make([]string, 0, len(plan.Jobs))
	for _, j := range plan.Jobs {
		for _, out := range j.Outputs() {
			dirs = append(dirs, filepath.Dir(out))
		}
	}
	return dirs
}

// collector turns job answers into file answers: a job of its own is a
// file; a split file is one when its last part is answered. It runs on the
// dispatcher's goroutine only.
type collector struct {
	plan    *engine.Plan
	o       Options
	results map[int]engine.Result // answers of the parts of split files, until assembled
	done    []bool
	groupOf map[int]int // job index -> index in plan.Groups
	left    []int       // parts not yet answered, per group
	fileOf  []int       // job index -> file index (whole jobs)
	out     []File      // whole jobs in plan order, then split files
	outSet  []bool
}

func newCollector(plan *engine.Plan, o Options) *collector {
	c := &collector{
		plan:    plan,
		o:       o,
		results: map[int]engine.Result{},
		done:    make([]bool, len(plan.Jobs)),
		groupOf: map[int]int{},
		left:    make([]int, len(plan.Groups)),
		fileOf:  make([]int, len(plan.Jobs)),
	}
	for gi, g := range plan.Groups {
		c.left[gi] = len(g.Jobs)
		for _, ji := range g.Jobs {
			c.groupOf[ji] = gi
		}
	}
	for i := range plan.Jobs {
		if _, part := c.groupOf[i]; !part {
			c.fileOf[i] = len(c.out)
			c.out = append(c.out, File{Job: plan.Jobs[i]})
		}
	}
	c.out = append(c.out, make([]File, len(plan.Groups))...)
	c.outSet = make([]bool, len(c.out))
	return c
}

func (c *collector) event(e procs.Event) {
	if c.o.OnProgress != nil {
		c.o.OnProgress(e)
	}
	if e.Kind == procs.EventJobDone && !c.done[e.Index] {
		c.jobDone(e.Index, e.Job, e.Result)
	}
}

func (c *collector) jobDone(i int, job *engine.Job, res engine.Result) {
	c.done[i] = true
	gi, part := c.groupOf[i]
	if !part {
		c.fileDone(c.fileOf[i], File{Job: *job, Result: res})
		return
	}
	c.results[i] = res
	if c.left[gi]--; c.left[gi] > 0 {
		return
	}
	// The last part: assemble now, so that the file is recorded as it is
	// complete, like any other.
	fj, fr := c.plan.Assemble(c.plan.Groups[gi], func(ji int) engine.Result { return c.results[ji] })
	for _, ji := range c.plan.Groups[gi].Jobs {
		delete(c.results, ji)
	}
	c.fileDone(len(c.out)-len(c.plan.Groups)+gi, File{Job: fj, Result: fr})
}

// fileDone is the one place a finished file is recorded.
func (c *collector) fileDone(k int, f File) {
	c.out[k], c.outSet[k] = f, true
	if c.o.Manifest != nil {
		c.record(f)
	}
	if c.o.OnFile != nil {
		c.o.OnFile(f)
	}
	// Kept for the report, which needs neither the input's hash (the
	// manifest has it) nor an inline answer: 80 bytes a file less.
	c.out[k].Result.SHA256, c.out[k].Result.Output = "", ""
}

// record enters a finished file's outputs in the manifest: its output, or
// each rendition of a set that was written (a set with a failed rendition
// keeps the others; the next run makes only what is missing).
func (c *collector) record(f File) {
	if len(f.Job.Renditions) == 0 {
		if f.Result.OK {
			if err := c.o.Manifest.Record(&f.Job, c.o.OutDir, f.Result); err != nil {
				c.warn("manifest: " + err.Error())
			}
		}
		return
	}
	for i, rr := range f.Result.Renditions {
		if rr.Error != nil || i >= len(f.Job.Renditions) || f.Job.Renditions[i].Output != rr.Output {
			continue
		}
		rj := f.Job.RenditionJob(i)
		if err := c.o.Manifest.Record(&rj, c.o.OutDir, engine.Result{OK: true, BytesOut: rr.Bytes, SHA256: f.Result.SHA256}); err != nil {
			c.warn("manifest: " + err.Error())
			return
		}
	}
}

// files are the answers for every input file that has one.
func (c *collector) files() []File {
	out := make([]File, 0, len(c.out))
	for k, f := range c.out {
		if c.outSet[k] {
			out = append(out, f)
		}
	}
	return out
}

func (c *collector) warn(msg string) {
	if c.o.Warn != nil {
		c.o.Warn("imgpar: " + engine.OneLine(msg))
	}
}
