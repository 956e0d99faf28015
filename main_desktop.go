//go:build desktop

package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/reasonkit/desktop/app"
	"github.com/reasonkit/desktop/internal/cli"
	"github.com/reasonkit/desktop/internal/core"
)

// frontendDist is the built web UI (cd frontend && npm ci && npm run build).
//
//go:embed all:frontend/dist
var frontendDist embed.FS

// appIcon is the window icon on Linux.
//
//go:embed build/appicon.png
var appIcon []byte

// processStart is taken as early as package initialisation allows, for the
// start-up measurement printed when REASONKIT_TRACE_STARTUP=1.
var processStart = time.Now()

// openWindow loads the config, opens the core and runs the desktop window
// until it is closed.
var openWindow cli.OpenWindow = func(g *cli.Globals) error {
	cfg, err := g.LoadConfig(&cli.IO{Getenv: os.Getenv})
	if err != nil {
		return err
	}
	assets, err := fs.Sub(frontendDist, "frontend/dist")
	if err != nil {
		return fmt.Errorf("embedded frontend: %w", err)
	}
	if _, err := fs.Stat(assets, "index.html"); err != nil {
		return fmt.Errorf("embedded frontend has no index.html: build it first (cd frontend && npm ci && npm run build)")
	}
	c, err := core.Open(cfg)
	if err != nil {
		return err
	}
	defer c.Close()

	host := &app.WailsHost{}
	services := app.New(c, host, cli.Version)
	if os.Getenv("REASONKIT_TRACE_STARTUP") == "1" {
		services.Library.ReadyHook = func() {
			fmt.Fprintf(os.Stderr, "reasonkit: window interactive %d ms after start\n", time.Since(processStart).Milliseconds())
		}
	}
	return wails.Run(&options.App{
		Title:            "ReasonKit",
		Width:            1200,
		Height:           800,
		MinWidth:         860,
		MinHeight:        560,
		BackgroundColour: &options.RGBA{R: 247, G: 248, B: 250, A: 255},
		AssetServer:      &assetserver.Options{Assets: assets},
		OnStartup:        host.Startup,
		OnDomReady:       func(_ context.Context) { services.Start() },
		OnShutdown:       func(_ context.Context) { services.Shutdown() },
		DragAndDrop:      &options.DragAndDrop{EnableFileDrop: true},
		Bind:             services.Bindings(),
		Linux:            &linux.Options{ProgramName: "reasonkit", Icon: appIcon},
	})
}
