package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettings_CdkJSONEnvironmentsAreValid(t *testing.T) {
	ctx, err := ReadContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSettings(ctx[contextKey], []string{"all"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "dev,prod,staging" {
		t.Errorf("environments %v, want dev, prod, staging", names)
	}
	for _, s := range got {
		if s.Name != "dev" && !s.Retain {
			t.Errorf("%s: retain must be true outside dev", s.Name)
		}
		if s.Name == "prod" && s.PasswordAuth {
			t.Errorf("prod must not allow USER_PASSWORD_AUTH")
		}
	}
}

func TestSettings_Errors(t *testing.T) {
	ctx, err := ReadContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	dev := ctx[contextKey].(map[string]any)["dev"].(map[string]any)
	tests := []struct {
		name   string
		change func(m map[string]any)
		env    string
		want   string
	}{
		{"unknown env", func(map[string]any) {}, "qa", `environment "qa" is not in cdk.json`},
		{"typo", func(m map[string]any) { m["logRetentionDay"] = 30 }, "dev", `unknown field "logRetentionDay"`},
		{"retention", func(m map[string]any) { m["logRetentionDays"] = 31 }, "dev", "not a CloudWatch Logs retention"},
		{"doctor tokens", func(m map[string]any) { m["doctorTokenMinutes"] = 120 }, "dev", "doctorTokenMinutes"},
		{"account without zones", func(m map[string]any) { m["account"], m["region"] = "123456789012", "us-east-1" }, "dev", "availabilityZones"},
		{"domain without certificate", func(m map[string]any) { m["portalDomain"] = "portal.example.com" }, "dev", "portalCertificateArn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]any{}
			for k, v := range dev {
				m[k] = v
			}
			tt.change(m)
			_, err := ParseSettings(map[string]any{"dev": m}, []string{tt.env})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCheckAssets_MissingBootstrap(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "me"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "me", "bootstrap"), fakeELF(elf.EM_AARCH64), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "amd", "bootstrap"), string(fakeELF(elf.EM_X86_64))); err != nil {
		t.Fatal(err)
	}
	if err := CheckAssets(dir, []string{"amd"}); err == nil || !strings.Contains(err.Error(), "not linux/arm64") {
		t.Errorf("amd64 bootstrap: err = %v, want not linux/arm64", err)
	}
	err := CheckAssets(dir, []string{"me", "sync"})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "sync", "bootstrap")) || !strings.Contains(err.Error(), "make build") {
		t.Errorf("err = %v, want the missing sync bootstrap and `make build`", err)
	}
	if err := CheckAssets(dir, []string{"me"}); err != nil {
		t.Errorf("err = %v, want nil", err)
	}
}
