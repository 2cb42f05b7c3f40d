// Command istio-analyze runs Istio's configuration analyzers (the set `istioctl analyze` runs) over YAML files.
//
// `istioctl analyze --use-kube=false` drops Service, Pod and Namespace objects read from files, so the analyzers
// that need them (destination hosts, subsets matching pods, port names, sidecar injection) stay silent on a
// rendered platform. This command feeds the same files through the same analysis packages with those kinds kept
// (the path Istio's own analyzer tests take), then prints the messages in istioctl's format.
//
//	istio-analyze [-istio-namespace istio-system] [-o log|json] [-failure-threshold Info|Warning|Error] FILE...
//
// Exit status, as istioctl's: 79 when a message is at or above the failure threshold (default Info: every
// message counts), 2 on bad usage or a file that cannot be read or parsed, 0 otherwise.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/resource"
	"istio.io/istio/pkg/log"
)

// exitFailure is istioctl analyze's exit code when messages reach the failure threshold.
const exitFailure = 79

func main() {
	istioNamespace := flag.String("istio-namespace", "istio-system", "namespace of the Istio control plane")
	threshold := flag.String("failure-threshold", "Info", "lowest message level that fails the run: Info, Warning or Error")
	output := flag.String("o", "log", "output format: log (istioctl's lines) or json (one array of messages)")
	verbose := flag.Bool("v", false, "list the analyzers that ran and those skipped (stderr)")
	flag.Parse()
	configureLogging()
	if *output != "log" && *output != "json" {
		usage("-o %q: allowed values are log, json", *output)
	}
	level, ok := diag.GetUppercaseStringToLevelMap()[strings.ToUpper(*threshold)]
	if !ok {
		usage("-failure-threshold %q: allowed values are Info, Warning, Error", *threshold)
	}
	if flag.NArg() == 0 {
		usage("no files given")
	}

	// Namespace "" analyses every namespace, as istioctl's --all-namespaces does.
	sa := local.NewSourceAnalyzer(analyzers.AllCombined(), "", resource.Namespace(*istioNamespace), nil)
	readers := make([]local.ReaderSource, 0, flag.NArg())
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		readers = append(readers, local.ReaderSource{Name: name, Reader: f})
	}
	// The file source is created by the first Add call and reused by the next: the one that keeps Service, Pod
	// and Namespace goes first, then the default ingress gateway istioctl adds in file mode.
	if err := sa.AddTestReaderKubeSource(readers); err != nil {
		fail(err)
	}
	if err := sa.AddDefaultResources(); err != nil {
		fail(err)
	}
	result, err := sa.Analyze(make(chan struct{}))
	if err != nil {
		fail(err)
	}
	if *verbose {
		sort.Strings(result.ExecutedAnalyzers)
		sort.Strings(result.SkippedAnalyzers)
		fmt.Fprintf(os.Stderr, "executed analyzers (%d): %s\n", len(result.ExecutedAnalyzers),
			strings.Join(result.ExecutedAnalyzers, " "))
		fmt.Fprintf(os.Stderr, "skipped analyzers (%d): %s\n", len(result.SkippedAnalyzers),
			strings.Join(result.SkippedAnalyzers, " "))
	}
	messages := result.Messages.SortedDedupedCopy()
	failing := messages.FilterOutLowerThan(level)
	if *output == "json" {
		// The fields of istioctl's -o json: code, level, message, origin, reference (file:line).
		out := make([]map[string]any, 0, len(messages))
		for i := range messages {
			out = append(out, messages[i].Unstructured(true))
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			fail(err)
		}
		fmt.Println(string(b))
	} else {
		for _, m := range messages {
			fmt.Println(m.String())
		}
	}
	fmt.Fprintf(os.Stderr, "istio-analyze: %d files, %d analyzers ran, %d messages, %d at %s or above\n",
		len(readers), len(result.ExecutedAnalyzers), len(messages), len(failing), level)
	if len(failing) > 0 {
		os.Exit(exitFailure)
	}
}

// configureLogging quiets Istio's own logs as istioctl does (warnings and errors only), on stderr: stdout carries
// the messages alone.
func configureLogging() {
	o := log.DefaultOptions()
	o.OutputPaths = []string{"stderr"}
	o.SetDefaultOutputLevel("all", log.WarnLevel)
	for _, scope := range []string{"validation", "processing", "kube"} {
		o.SetDefaultOutputLevel(scope, log.ErrorLevel)
	}
	if err := log.Configure(o); err != nil {
		fail(err)
	}
}

func usage(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "istio-analyze: "+format+"\n", args...)
	flag.Usage()
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "istio-analyze: %v\n", err)
	os.Exit(2)
}
