package fnenv

import (
	"context"
	"testing"
)

func TestLoadAWS(t *testing.T) {
	env := map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:4567",
	}
	tests := []struct {
		name     string
		unset    []string
		wantErr  bool
		endpoint string
	}{
		{"lambda environment with local endpoint", nil, false, "http://127.0.0.1:4567"},
		{"deployed: no endpoint override", []string{"AWS_ENDPOINT_URL_DYNAMODB"}, false, ""},
		{"no region", []string{"AWS_REGION"}, true, ""},
		{"no credentials", []string{"AWS_ACCESS_KEY_ID"}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				for _, u := range tc.unset {
					if u == k {
						return ""
					}
				}
				return env[k]
			}
			c, err := loadAWS(getenv)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			got := ""
			if c.BaseEndpoint != nil {
				got = *c.BaseEndpoint
			}
			if got != tc.endpoint || c.Region != "eu-west-1" {
				t.Errorf("endpoint %q region %q", got, c.Region)
			}
			creds, err := c.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "AKID" || creds.SessionToken != "token" {
				t.Errorf("credentials %+v, %v", creds, err)
			}
			if c.Retryer().MaxAttempts() != MaxAttempts {
				t.Errorf("retry attempts %d", c.Retryer().MaxAttempts())
			}
		})
	}
}
