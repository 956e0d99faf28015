package store

import (
	"context"
	"errors"
	"testing"
)

func TestWatchedFolders(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	adds := []struct{ coll, path string }{
		{"work", "/home/u/work/notes"},
		{"work", "/home/u/work/contracts"},
		{"work", "/home/u/work/notes"}, // twice: kept once
		{"papers", "/home/u/papers"},
	}
	for _, a := range adds {
		if err := s.AddWatchedFolder(ctx, a.coll, a.path); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Collection(ctx, "papers"); err != nil {
		t.Fatalf("adding a watched folder did not create its collection: %v", err)
	}
	all, err := s.WatchedFolders(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []WatchedFolder{{Collection: "papers", Path: "/home/u/papers"}, {Collection: "work", Path: "/home/u/work/contracts"}, {Collection: "work", Path: "/home/u/work/notes"}}
	if len(all) != len(want) {
		t.Fatalf("watched = %+v", all)
	}
	for i, w := range want {
		if all[i].Collection != w.Collection || all[i].Path != w.Path || all[i].AddedAt.IsZero() {
			t.Fatalf("watched[%d] = %+v, want %+v", i, all[i], w)
		}
	}

	if err := s.RemoveWatchedFolder(ctx, "work", "/home/u/work/notes"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveWatchedFolder(ctx, "work", "/home/u/work/notes"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
	if err := s.RemoveWatchedFolder(ctx, "nope", "/home/u/papers"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removing from an unknown collection: %v", err)
	}
	work, err := s.WatchedFolders(ctx, "work")
	if err != nil || len(work) != 1 || work[0].Path != "/home/u/work/contracts" {
		t.Fatalf("work = %+v, %v", work, err)
	}

	if err := s.DeleteCollection(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	all, err = s.WatchedFolders(ctx, "")
	if err != nil || len(all) != 1 || all[0].Collection != "papers" {
		t.Fatalf("after deleting the collection = %+v, %v", all, err)
	}
}
