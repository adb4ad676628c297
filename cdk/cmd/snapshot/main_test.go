package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalise_AssetHashes(t *testing.T) {
	in := `{"Resources":{"Fn":{"Properties":{"Code":{"S3Key":"a960bc37a8d0924fe95eba5f0606b67356009a1fe577b9f4ea8bcb55793623c1.zip"}}}}}`
	got, err := Normalise([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"S3Key": "<asset-hash>.zip"`) {
		t.Errorf("got %s", got)
	}
}

func TestRun_DetectsChangeAndUpdate(t *testing.T) {
	out, dir := t.TempDir(), t.TempDir()
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(out, "S.template.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"Resources":{"A":{"Type":"AWS::SQS::Queue"}}}`)
	if n, err := run(out, dir, true); err != nil || n != 0 {
		t.Fatalf("update: %d, %v", n, err)
	}
	if n, err := run(out, dir, false); err != nil || n != 0 {
		t.Fatalf("same: %d, %v", n, err)
	}
	write(`{"Resources":{"A":{"Type":"AWS::SNS::Topic"}}}`)
	if n, err := run(out, dir, false); err != nil || n != 1 {
		t.Fatalf("changed: %d, %v; want 1 difference", n, err)
	}
}
