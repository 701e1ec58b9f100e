package cmd

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// twoStageSignals turns SIGINT/SIGTERM into two contexts: the first signal
// cancels soft (stop taking work, let what runs finish within the grace
// period) after calling onFirst with it; a second one cancels hard (stop
// now). stop releases the signals and both contexts.
func twoStageSignals(parent context.Context, onFirst func(os.Signal)) (soft, hard context.Context, stop func()) {
	soft, cancelSoft := context.WithCancel(parent)
	hard, cancelHard := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case sig := <-sigs:
				n++
				if n == 1 {
					if onFirst != nil {
						onFirst(sig)
					}
					cancelSoft()
				} else {
					cancelHard()
				}
			case <-done:
				return
			}
		}
	}()
	return soft, hard, func() {
		signal.Stop(sigs)
		close(done)
		cancelSoft()
		cancelHard()
	}
}
