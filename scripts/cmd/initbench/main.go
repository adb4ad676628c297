// Command initbench prints every function's init time beside the baseline's
// (scripts/initbench) and its linux/arm64 size. make bench prints the same
// rows in its one table (scripts/cmd/bench); this runs them alone.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/copdfuel/backend/scripts/initbench"
	"github.com/copdfuel/backend/scripts/localstack"
)

func main() {
	rounds := flag.Int("rounds", 40, "interleaved rounds (each runs every binary once)")
	flag.Parse()
	root, err := localstack.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "initbench:", err)
		os.Exit(1)
	}
	res, err := initbench.Measure(context.Background(), root, *rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "initbench:", err)
		os.Exit(1)
	}
	fmt.Printf("init: process start to first GET /runtime/invocation/next, %s, median of %d interleaved runs\n", initbench.HostArch(), *rounds)
	fmt.Printf("| %-46s | %9s | %8s | %11s | %5s |\n", "function", "arm64 MiB", "init ms", "baseline ms", "ratio")
	for _, r := range res {
		fmt.Printf("| %-46s | %9.2f | %8.2f | %11.2f | %5.2f |\n", r.Name, r.ArmMiB,
			float64(r.Median.Microseconds())/1000, float64(r.Baseline.Microseconds())/1000, r.Ratio())
	}
}
