package seed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// LinkResult says what Link did.
type LinkResult struct {
	// Created is false when the patient was already actively linked.
	Created bool
}

// Link links the demo patient to the demo doctor the way the apps do:
// the doctor creates an invite (POST /invite), the patient consents (POST
// /consent) and links (POST /link-doctor). If GET /me already shows an
// active link to doctorSub, nothing is sent, so a second run creates no
// invite and no consent.
func Link(ctx context.Context, client *http.Client, apiURL, doctorToken, patientToken, doctorSub string) (LinkResult, error) {
	var me struct {
		Doctors []struct {
			DoctorID string `json:"doctorId"`
			Status   string `json:"status"`
		} `json:"doctors"`
	}
	if err := call(ctx, client, apiURL, "GET", "/me", patientToken, nil, http.StatusOK, &me); err != nil {
		return LinkResult{}, err
	}
	for _, d := range me.Doctors {
		if d.DoctorID == doctorSub && d.Status == "active" {
			return LinkResult{}, nil
		}
	}
	var inv struct {
		Code string `json:"code"`
	}
	if err := call(ctx, client, apiURL, "POST", "/invite", doctorToken, nil, http.StatusCreated, &inv); err != nil {
		return LinkResult{}, err
	}
	if err := call(ctx, client, apiURL, "POST", "/consent", patientToken,
		map[string]string{"inviteCode": inv.Code, "consentType": "share_with_doctor"}, http.StatusCreated, nil); err != nil {
		return LinkResult{}, err
	}
	if err := call(ctx, client, apiURL, "POST", "/link-doctor", patientToken, map[string]string{"inviteCode": inv.Code}, http.StatusOK, nil); err != nil {
		return LinkResult{}, err
	}
	return LinkResult{Created: true}, nil
}

// call sends one request and decodes the answer into out (if not nil). The
// error names the route and status only (never a code or a body).
func call(ctx context.Context, client *http.Client, apiURL, method, path, token string, body any, want int, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(apiURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("seed: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("seed: %s %s: HTTP %d %s", method, path, resp.StatusCode, e.Error.Code)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("seed: %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}
