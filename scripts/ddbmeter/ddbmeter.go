// Package ddbmeter is a counting proxy in front of dynalite for benchmarks:
// every DynamoDB call of the functions passes through it, is asked to return
// its consumed capacity (ReturnConsumedCapacity TOTAL), and is recorded with
// the items it read and wrote and their sizes.
//
// dynalite reports table units only: it does not count index writes, and a
// write that fails its condition reports nothing. Meter adds both the way
// DynamoDB charges them: it reads the item before (and, for UpdateItem,
// after) each write straight from dynalite (not recorded), and charges each
// index whose key attributes the old or new item has: one write per 1 KB of
// the index entry (the item plus 100 bytes), two when the index key changes
// (delete the old entry, put the new one), one to delete an entry when the
// key is removed. A failed conditional write is charged the table units of
// the larger of the old and new item.
package ddbmeter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
)

// Index is a secondary index by its key attributes.
type Index struct {
	Name string
	// Keys are the index's key attributes; an item is in the index when it
	// has all of them.
	Keys []string
}

// Item is one item a call read or wrote.
type Item struct {
	PK, SK string
	Size   int // bytes, by DynamoDB's item size rules
	// IndexUnits is what writing this item cost in the indexes.
	IndexUnits float64
}

// Call is one DynamoDB call.
type Call struct {
	Op string
	// Read and TableWrite are the units dynalite reported (TableWrite plus
	// the charge of a failed condition); IndexWrite is computed.
	Read, TableWrite, IndexWrite float64
	// Failed is true when DynamoDB refused the call (e.g. a failed condition).
	Failed bool
	// Reads and Writes are the items returned and written.
	Reads, Writes []Item
}

// Meter is the proxy. Create it with New.
type Meter struct {
	target  string
	indexes []Index
	client  *http.Client

	mu    sync.Mutex
	calls []Call
}

// New returns a Meter forwarding to the dynalite endpoint target.
func New(target string, indexes []Index) *Meter {
	return &Meter{target: strings.TrimSuffix(target, "/"), indexes: indexes, client: &http.Client{}}
}

// Take returns the calls recorded since the last Take and forgets them.
func (m *Meter) Take() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.calls
	m.calls = nil
	return c
}

type av = map[string]json.RawMessage

var withCapacity = map[string]bool{
	"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true,
	"Scan": true, "BatchGetItem": true, "BatchWriteItem": true,
}

func (m *Meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	var req map[string]json.RawMessage
	if withCapacity[op] && json.Unmarshal(body, &req) == nil {
		req["ReturnConsumedCapacity"] = json.RawMessage(`"TOTAL"`)
		body, _ = json.Marshal(req)
	}
	// Writes: the items before.
	type target struct {
		table string
		key   av
		new   av // PutItem's item; nil for updates and deletes
		old   av
	}
	var targets []target
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem":
		var in struct {
			TableName string
			Item, Key av
		}
		_ = json.Unmarshal(body, &in)
		k := in.Key
		if k == nil {
			k = av{"pk": in.Item["pk"], "sk": in.Item["sk"]}
		}
		targets = append(targets, target{table: in.TableName, key: k, new: in.Item})
	case "BatchWriteItem":
		var in struct {
			RequestItems map[string][]struct {
				PutRequest    *struct{ Item av }
				DeleteRequest *struct{ Key av }
			}
		}
		_ = json.Unmarshal(body, &in)
		for table, reqs := range in.RequestItems {
			for _, rq := range reqs {
				switch {
				case rq.PutRequest != nil:
					it := rq.PutRequest.Item
					targets = append(targets, target{table: table, key: av{"pk": it["pk"], "sk": it["sk"]}, new: it})
				case rq.DeleteRequest != nil:
					targets = append(targets, target{table: table, key: rq.DeleteRequest.Key})
				}
			}
		}
	}
	for i := range targets {
		targets[i].old = m.get(r, targets[i].table, targets[i].key)
	}

	out, err := http.NewRequestWithContext(r.Context(), r.Method, m.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	out.Header.Del("Content-Length")
	out.ContentLength = int64(len(body))
	resp, err := m.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)

	if op == "" || op == "CreateTable" || op == "DescribeTable" || op == "ListTables" {
		return
	}
	c := Call{Op: op, Failed: resp.StatusCode != http.StatusOK}
	var res struct {
		ConsumedCapacity json.RawMessage
		Item             av
		Items            []av
		Responses        map[string][]av
		UnprocessedItems map[string][]json.RawMessage
	}
	_ = json.Unmarshal(respBody, &res)
	c.Read, c.TableWrite = units(op, res.ConsumedCapacity)
	for _, it := range append(res.Items, res.Item) {
		if it != nil {
			c.Reads = append(c.Reads, item(it))
		}
	}
	for _, its := range res.Responses {
		for _, it := range its {
			c.Reads = append(c.Reads, item(it))
		}
	}
	for _, t := range targets {
		newItem := t.new
		if op == "UpdateItem" && !c.Failed {
			newItem = m.get(r, t.table, t.key)
		}
		if op == "DeleteItem" || (op == "BatchWriteItem" && t.new == nil) {
			newItem = nil
		}
		if c.Failed {
			// A failed condition is charged as a write of the larger item.
			c.TableWrite += math.Max(1, math.Ceil(float64(max(size(t.old), size(newItem)))/1024))
			continue
		}
		iw := m.indexWrites(t.old, newItem)
		if newItem != nil {
			it := item(newItem)
			it.IndexUnits = iw
			c.Writes = append(c.Writes, it)
		}
		c.IndexWrite += iw
	}
	m.mu.Lock()
	m.calls = append(m.calls, c)
	m.mu.Unlock()
}

// units reads ConsumedCapacity (one object, or a list for batch calls).
func units(op string, raw json.RawMessage) (read, write float64) {
	type cc struct {
		CapacityUnits, ReadCapacityUnits, WriteCapacityUnits float64
	}
	var list []cc
	if len(raw) == 0 {
		return 0, 0
	}
	if raw[0] == '[' {
		_ = json.Unmarshal(raw, &list)
	} else {
		var one cc
		_ = json.Unmarshal(raw, &one)
		list = []cc{one}
	}
	isWrite := op == "PutItem" || op == "UpdateItem" || op == "DeleteItem" || op == "BatchWriteItem"
	for _, c := range list {
		switch {
		case c.ReadCapacityUnits != 0 || c.WriteCapacityUnits != 0:
			read += c.ReadCapacityUnits
			write += c.WriteCapacityUnits
		case isWrite:
			write += c.CapacityUnits
		default:
			read += c.CapacityUnits
		}
	}
	return read, write
}

// indexWrites is what DynamoDB charges the indexes for replacing old by new
// (either may be nil).
func (m *Meter) indexWrites(old, new av) float64 {
	var u float64
	entry := func(it av) float64 { return math.Ceil(float64(size(it)+100) / 1024) }
	for _, ix := range m.indexes {
		inOld, inNew := has(old, ix.Keys), has(new, ix.Keys)
		switch {
		case inOld && inNew && sameKeys(old, new, ix.Keys):
			u += entry(new)
		case inOld && inNew:
			u += entry(old) + entry(new)
		case inOld:
			u += entry(old)
		case inNew:
			u += entry(new)
		}
	}
	return u
}

func has(it av, keys []string) bool {
	if it == nil {
		return false
	}
	for _, k := range keys {
		if _, ok := it[k]; !ok {
			return false
		}
	}
	return true
}

func sameKeys(a, b av, keys []string) bool {
	for _, k := range keys {
		if !bytes.Equal(a[k], b[k]) {
			return false
		}
	}
	return true
}

// get reads an item straight from dynalite (strongly consistent, not
// recorded); nil if it does not exist.
func (m *Meter) get(r *http.Request, table string, key av) av {
	body, _ := json.Marshal(map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, m.target+"/", bytes.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	req.Header.Set("X-Amz-Date", r.Header.Get("X-Amz-Date"))
	resp, err := m.client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var out struct{ Item av }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return nil
	}
	return out.Item
}

func item(it av) Item {
	var pk, sk string
	_ = json.Unmarshal(attrS(it["pk"]), &pk)
	_ = json.Unmarshal(attrS(it["sk"]), &sk)
	return Item{PK: pk, SK: sk, Size: size(it)}
}

func attrS(raw json.RawMessage) json.RawMessage {
	var v struct{ S json.RawMessage }
	_ = json.Unmarshal(raw, &v)
	if v.S == nil {
		return json.RawMessage(`""`)
	}
	return v.S
}

// size is the item's size by DynamoDB's rules: attribute names plus values
// (strings and binaries by length, numbers about one byte per two digits
// plus one, maps and lists three bytes plus one per element).
func size(it av) int {
	n := 0
	for name, v := range it {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(raw json.RawMessage) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for typ, val := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(val, &s)
			return len(s)
		case "N":
			var s string
			_ = json.Unmarshal(val, &s)
			return numSize(s)
		case "B":
			var s string
			_ = json.Unmarshal(val, &s)
			b, _ := base64.StdEncoding.DecodeString(s)
			return len(b)
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			var l []string
			_ = json.Unmarshal(val, &l)
			n := 0
			for _, s := range l {
				if typ == "NS" {
					n += numSize(s)
				} else {
					n += len(s)
				}
			}
			return n
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(val, &l)
			n := 3
			for _, e := range l {
				n += 1 + valueSize(e)
			}
			return n
		case "M":
			var m map[string]json.RawMessage
			_ = json.Unmarshal(val, &m)
			n := 3
			for k, e := range m {
				n += len(k) + 1 + valueSize(e)
			}
			return n
		}
	}
	return 0
}

func numSize(s string) int {
	d := 0
	for _, r := range strings.TrimLeft(strings.TrimPrefix(s, "-"), "0.") {
		if r >= '0' && r <= '9' {
			d++
		}
	}
	return (d+1)/2 + 1
}

// String summarises a call (for debugging).
func (c Call) String() string {
	return fmt.Sprintf("%s r=%.1f tw=%.1f iw=%.1f failed=%v reads=%d writes=%d", c.Op, c.Read, c.TableWrite, c.IndexWrite, c.Failed, len(c.Reads), len(c.Writes))
}
