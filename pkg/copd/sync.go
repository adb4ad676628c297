package copd

import "encoding/json"

// SyncStatus is the outcome of one record in POST /sync.
type SyncStatus string

const (
	// StatusCreated: the record was new and is stored.
	StatusCreated SyncStatus = "created"
	// StatusUpdated: the record replaced an older version.
	StatusUpdated SyncStatus = "updated"
	// StatusUnchanged: the same version was already stored (a replay).
	StatusUnchanged SyncStatus = "unchanged"
	// StatusStale: a newer version is stored; this one was not written.
	StatusStale SyncStatus = "stale"
	// StatusDeleted: the record is now a tombstone.
	StatusDeleted SyncStatus = "deleted"
	// StatusInvalid: the record breaks the contract; see the error.
	StatusInvalid SyncStatus = "invalid"
)

// SyncRequest is the body of POST /sync. Records stay raw so that one
// malformed record is reported on its own and never blocks the others.
type SyncRequest struct {
	Records []json.RawMessage `json:"records"`
}

// SyncResponse is the answer to POST /sync: one result per record, in
// request order.
type SyncResponse struct {
	Results []SyncResult `json:"results"`
}

// SyncResult is one record's outcome.
type SyncResult struct {
	ID     string       `json:"id"`
	Type   RecordType   `json:"type"`
	Status SyncStatus   `json:"status"`
	Error  *ResultError `json:"error,omitempty"`
}

// ResultError says why a record is invalid, with a stable code.
type ResultError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
