package engine

import "context"

func runNumbers(ctx context.Context, job Job, threads int) Result {
	return Fail(CodeUnsupported, "%s: number files are not supported yet", job.Input)
}
