// Command fakeprovider serves scripted model replies on a loopback port, in
// the wire format of OpenAI, Anthropic or Ollama, for end-to-end tests of
// the desktop app and the CLI. It prints the base URL to put into a
// provider's base_url as its first line of output, then serves until it is
// interrupted.
//
//	go run ./internal/llm/llmtest/fakeprovider -kind openai -script replies.json
//	http://127.0.0.1:40123/v1
//
// The script file is an llmtest.Script in JSON, for example:
//
//	{
//	  "key": "sk-test-123",
//	  "models": ["fake-model"],
//	  "rules": [{"contains": "GigaThink", "reply": {"text": "Ideas...\nCONFIDENCE: 0.8"}}],
//	  "replies": [{"status": 429, "retry_after": "1"}, {"text": "Hello there", "chunk_delay": "20ms"}],
//	  "default": {"text": "fallback answer"}
//	}
//
// Every field of llmtest.Reply is available (status, error, error_type,
// retry_after, stream_error, cut_after, malformed, delay, chunk_delay,
// model, finish_reason, input_tokens, output_tokens).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fakeprovider:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("fakeprovider", flag.ContinueOnError)
	fs.SetOutput(errOut)
	kind := fs.String("kind", "openai", "wire format: openai, openai-compatible, anthropic or ollama")
	scriptPath := fs.String("script", "", "JSON file holding an llmtest.Script (required)")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scriptPath == "" {
		return fmt.Errorf("-script FILE is required")
	}
	script, err := llmtest.LoadScript(*scriptPath)
	if err != nil {
		return err
	}
	srv, err := llmtest.Listen(*addr, *kind, script)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintln(out, srv.BaseURL)
	if f, ok := out.(interface{ Sync() error }); ok {
		f.Sync()
	}
	<-ctx.Done()
	return nil
}
